using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using WebSocketProxy.Configuration;

namespace WebSocketProxy.Routing;

/// <summary>
/// A route's compiled match conditions beyond its path: the host names (matched by ASP.NET Core's host matcher) and the
/// header and query parameter conditions (matched by <see cref="RouteMatchMatcherPolicy"/>). Endpoint metadata of the route.
/// </summary>
internal sealed class RouteMatchPolicy
{
    private RouteMatchPolicy(string[] hosts, HeaderCondition[] headers, QueryCondition[] queryParameters)
    {
        Hosts = hosts;
        Headers = headers;
        QueryParameters = queryParameters;
    }

    public string[] Hosts { get; }

    public HeaderCondition[] Headers { get; }

    public QueryCondition[] QueryParameters { get; }

    /// <summary>Gets how many header and query conditions the route has; a route with more is preferred on the same path.</summary>
    public int ConditionCount => Headers.Length + QueryParameters.Length;

    /// <summary>Builds the policy from a validated <see cref="RouteMatchConfig"/>.</summary>
    public static RouteMatchPolicy Create(RouteMatchConfig config)
    {
        var headers = new List<HeaderCondition>();
        foreach (var header in config.Headers ?? [])
        {
            headers.Add(new HeaderCondition(header.Name!, [.. header.Values ?? []], header.Mode ?? HeaderMatchMode.ExactHeader, Comparison(header.IsCaseSensitive)));
        }

        var queries = new List<QueryCondition>();
        foreach (var query in config.QueryParameters ?? [])
        {
            queries.Add(new QueryCondition(query.Name!, [.. query.Values ?? []], query.Mode ?? QueryParameterMatchMode.Exact, Comparison(query.IsCaseSensitive)));
        }

        return new RouteMatchPolicy([.. config.Hosts ?? []], [.. headers], [.. queries]);
    }

    /// <summary>Whether the request meets every header and query condition (hosts are matched by ASP.NET Core).</summary>
    public bool Matches(HttpRequest request)
    {
        foreach (var header in Headers)
        {
            if (!header.Matches(request.Headers.TryGetValue(header.Name, out var values) ? values : StringValues.Empty))
            {
                return false;
            }
        }

        foreach (var query in QueryParameters)
        {
            if (!query.Matches(request.Query.TryGetValue(query.Name, out var values) ? values : StringValues.Empty))
            {
                return false;
            }
        }

        return true;
    }

    private static StringComparison Comparison(bool? caseSensitive) => caseSensitive == true ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;

    private static bool AnyValue(string text, string[] values, StringComparison comparison, Func<string, string, StringComparison, bool> test)
    {
        foreach (var value in values)
        {
            if (test(text, value, comparison))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>One compiled header condition.</summary>
    internal sealed record HeaderCondition(string Name, string[] Values, HeaderMatchMode Mode, StringComparison Comparison)
    {
        public bool Matches(StringValues header)
        {
            var present = !StringValues.IsNullOrEmpty(header);
            switch (Mode)
            {
                case HeaderMatchMode.Exists:
                    return present;
                case HeaderMatchMode.NotExists:
                    return !present;
                case HeaderMatchMode.NotContains:
                    return present && !AnyHeaderValue(header, static (text, value, comparison) => text.Contains(value, comparison));
                case HeaderMatchMode.Contains:
                    return present && AnyHeaderValue(header, static (text, value, comparison) => text.Contains(value, comparison));
                default:
                    if (!present)
                    {
                        return false;
                    }

                    // ExactHeader and HeaderPrefix compare each comma-separated value, as YARP does.
                    var prefix = Mode == HeaderMatchMode.HeaderPrefix;
                    foreach (var line in header)
                    {
                        foreach (var part in (line ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                        {
                            var token = part.Length >= 2 && part[0] == '"' && part[^1] == '"' ? part[1..^1] : part;
                            if (AnyValue(token, Values, Comparison, prefix ? static (t, v, c) => t.StartsWith(v, c) : static (t, v, c) => string.Equals(t, v, c)))
                            {
                                return true;
                            }
                        }
                    }

                    return false;
            }
        }

        private bool AnyHeaderValue(StringValues header, Func<string, string, StringComparison, bool> test)
        {
            foreach (var line in header)
            {
                if (line is not null && AnyValue(line, Values, Comparison, test))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>One compiled query parameter condition.</summary>
    internal sealed record QueryCondition(string Name, string[] Values, QueryParameterMatchMode Mode, StringComparison Comparison)
    {
        public bool Matches(StringValues parameter)
        {
            var present = !StringValues.IsNullOrEmpty(parameter);
            if (!present)
            {
                return false; // every mode needs the parameter (NotContains too, as in YARP)
            }

            if (Mode == QueryParameterMatchMode.Exists)
            {
                return true;
            }

            if (Mode == QueryParameterMatchMode.NotContains)
            {
                return !Any(parameter, static (t, v, c) => t.Contains(v, c));
            }

            return Mode switch
            {
                QueryParameterMatchMode.Contains => Any(parameter, static (t, v, c) => t.Contains(v, c)),
                QueryParameterMatchMode.Prefix => Any(parameter, static (t, v, c) => t.StartsWith(v, c)),
                _ => Any(parameter, static (t, v, c) => string.Equals(t, v, c)),
            };
        }

        private bool Any(StringValues parameter, Func<string, string, StringComparison, bool> test)
        {
            foreach (var text in parameter)
            {
                if (text is not null && AnyValue(text, Values, Comparison, test))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
