using WebSocketProxy.Configuration;
using WebSocketProxy.Model;

namespace WebSocketProxy.Routing;

/// <summary>Validates a route's <c>Match</c> keys (hosts, headers, query parameters) and compiles its <see cref="RouteMatchPolicy"/>.</summary>
internal sealed class RouteMatchValidator : IRouteConfigValidator
{
    public void Validate(RouteValidationContext context)
    {
        if (context.Config.Match is not { } match)
        {
            return;
        }

        var start = context.Errors.Count;
        var hosts = match.Hosts ?? [];
        for (var i = 0; i < hosts.Count; i++)
        {
            var host = hosts[i];
            if (string.IsNullOrWhiteSpace(host) || host.Contains('/', StringComparison.Ordinal) || host.Contains(' ', StringComparison.Ordinal))
            {
                context.AddError($"Match:Hosts:{i}", $"'{host}' is not a host name (e.g. ws.example.com, *.example.com or example.com:8443).");
            }
        }

        var headers = match.Headers ?? [];
        for (var i = 0; i < headers.Count; i++)
        {
            var header = headers[i];
            var key = $"Match:Headers:{i}";
            if (header is null)
            {
                context.AddError(key, "is empty.");
                continue;
            }

            ValidateCondition(context, key, header.Name, header.Values, valuesAllowed: header.Mode is not (HeaderMatchMode.Exists or HeaderMatchMode.NotExists), header.Mode?.ToString());
        }

        var queries = match.QueryParameters ?? [];
        for (var i = 0; i < queries.Count; i++)
        {
            var query = queries[i];
            var key = $"Match:QueryParameters:{i}";
            if (query is null)
            {
                context.AddError(key, "is empty.");
                continue;
            }

            ValidateCondition(context, key, query.Name, query.Values, valuesAllowed: query.Mode is not QueryParameterMatchMode.Exists, query.Mode?.ToString());
        }

        if (context.Errors.Count == start)
        {
            context.Features.Add(RouteMatchPolicy.Create(match));
        }
    }

    private static void ValidateCondition(RouteValidationContext context, string key, string? name, IReadOnlyList<string>? values, bool valuesAllowed, string? mode)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            context.AddError($"{key}:Name", "is required.");
        }

        var count = values?.Count ?? 0;
        if (valuesAllowed && count == 0)
        {
            context.AddError($"{key}:Values", $"must list at least one value for mode {mode ?? "(default)"}.");
        }
        else if (!valuesAllowed && count > 0)
        {
            context.AddError($"{key}:Values", $"must be empty for mode {mode}.");
        }

        for (var i = 0; i < count; i++)
        {
            if (string.IsNullOrEmpty(values![i])) // count > 0 only when values is set
            {
                context.AddError($"{key}:Values:{i}", "must not be empty.");
            }
        }
    }
}
