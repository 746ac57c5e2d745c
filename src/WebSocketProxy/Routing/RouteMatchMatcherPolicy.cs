using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Matching;

namespace WebSocketProxy.Routing;

/// <summary>
/// Matches the header and query parameter conditions of proxy routes (<c>Routes:&lt;id&gt;:Match</c>) during endpoint
/// selection, as YARP's header and query matcher policies do (theirs are internal): a candidate whose conditions fail is
/// invalid, and among routes on the same path the one with more conditions is tried first.
/// </summary>
internal sealed class RouteMatchMatcherPolicy : MatcherPolicy, IEndpointComparerPolicy, IEndpointSelectorPolicy
{
    /// <summary>Gets the order: before ASP.NET Core's HTTP method policy, with YARP's matchers.</summary>
    public override int Order => -50;

    public IComparer<Endpoint> Comparer { get; } = new ConditionComparer();

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints)
    {
        foreach (var endpoint in endpoints)
        {
            if (endpoint.Metadata.GetMetadata<RouteMatchPolicy>() is { ConditionCount: > 0 })
            {
                return true;
            }
        }

        return false;
    }

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        for (var i = 0; i < candidates.Count; i++)
        {
            if (!candidates.IsValidCandidate(i))
            {
                continue;
            }

            if (candidates[i].Endpoint.Metadata.GetMetadata<RouteMatchPolicy>() is { ConditionCount: > 0 } policy && !policy.Matches(httpContext.Request))
            {
                candidates.SetValidity(i, false);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>More conditions first: a route with a header condition wins over the same path without one.</summary>
    private sealed class ConditionComparer : IComparer<Endpoint>
    {
        public int Compare(Endpoint? x, Endpoint? y) => Count(y).CompareTo(Count(x));

        private static int Count(Endpoint? endpoint) => endpoint?.Metadata.GetMetadata<RouteMatchPolicy>()?.ConditionCount ?? 0;
    }
}
