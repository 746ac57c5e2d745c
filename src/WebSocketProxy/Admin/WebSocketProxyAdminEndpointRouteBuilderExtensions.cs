using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Admin;
using WebSocketProxy.Routing;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the operator endpoints: the admin API, the Kubernetes health probes and the live status feed.</summary>
public static class WebSocketProxyAdminEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the admin API (JSON) under <paramref name="prefix"/>: <c>GET sessions</c>, <c>GET sessions/{id}</c>,
    /// <c>POST sessions/{id}/close</c>, <c>POST users/{user}/close</c>, <c>GET clusters</c>,
    /// <c>POST clusters/{cluster}/backends/{backend}/drain</c> and <c>…/resume</c>, <c>GET usage</c> (LLM usage totals) and
    /// <c>GET status</c>; with <c>AddRedis()</c> sessions, closes, drains and usage are cluster-wide. The endpoints
    /// carry OpenAPI metadata, so <c>AddOpenApi()</c> documents them.
    /// </summary>
    /// <param name="endpoints">The endpoint route builder.</param>
    /// <param name="prefix">The path prefix.</param>
    /// <returns>The group's convention builder: protect it, e.g. <c>.RequireAuthorization("proxy-admin")</c> — it shows users and client addresses and closes sessions.</returns>
    /// <exception cref="InvalidOperationException"><c>AddWebSocketProxy</c> was not called.</exception>
    public static IEndpointConventionBuilder MapWebSocketProxyAdmin(this IEndpointRouteBuilder endpoints, [StringSyntax("Route")] string prefix = "/_proxy")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        var admin = CreateOperations(endpoints, nameof(MapWebSocketProxyAdmin));
        var group = endpoints.MapGroup(prefix);
        AdminEndpoints.Map(group, admin);
        group.WithTags(AdminEndpoints.Tag);
        return group;
    }

    /// <summary>
    /// Maps the Kubernetes probes in one call: liveness answers 200 while the process serves requests (also while it
    /// drains); readiness answers 200 while the gateway is not shutting down and every cluster has a backend taking new
    /// connections, and 503 (JSON, with each cluster's healthy count) from the moment the shutdown drain starts.
    /// </summary>
    /// <param name="endpoints">The endpoint route builder.</param>
    /// <param name="livenessPattern">The liveness probe path.</param>
    /// <param name="readinessPattern">The readiness probe path.</param>
    /// <returns>A convention builder for both endpoints.</returns>
    /// <exception cref="InvalidOperationException"><c>AddWebSocketProxy</c> was not called.</exception>
    public static IEndpointConventionBuilder MapWebSocketProxyHealthChecks(this IEndpointRouteBuilder endpoints, [StringSyntax("Route")] string livenessPattern = "/healthz", [StringSyntax("Route")] string readinessPattern = "/readyz")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(livenessPattern);
        ArgumentException.ThrowIfNullOrEmpty(readinessPattern);
        EnsureAdded(endpoints, nameof(MapWebSocketProxyHealthChecks));
        var group = endpoints.MapGroup(string.Empty);
        group.MapGet(livenessPattern, (Delegate)HealthEndpoints.Live).WithName("WebSocketProxyLiveness");
        group.MapGet(readinessPattern, (Delegate)HealthEndpoints.ReadyAsync).WithName("WebSocketProxyReadiness");
        group.ExcludeFromDescription();
        return group;
    }

    /// <summary>
    /// Maps the live status feed: a WebSocket endpoint that sends the gateway's status as JSON text at once and then every
    /// <paramref name="interval"/> — totals each way since the start, close statuses by side, clusters with backend health
    /// and live counts, and the newest sessions (without users or client addresses).
    /// </summary>
    /// <param name="endpoints">The endpoint route builder.</param>
    /// <param name="pattern">The WebSocket path.</param>
    /// <param name="interval">How often a report is sent; one second when <see langword="null"/>.</param>
    /// <param name="maxSessions">How many of the newest sessions each report lists.</param>
    /// <returns>A convention builder, e.g. for <c>RequireAuthorization</c>.</returns>
    /// <exception cref="InvalidOperationException"><c>AddWebSocketProxy</c> was not called.</exception>
    public static IEndpointConventionBuilder MapWebSocketProxyStatusFeed(this IEndpointRouteBuilder endpoints, [StringSyntax("Route")] string pattern = "/_proxy/live", TimeSpan? interval = null, int maxSessions = 50)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        var every = interval ?? TimeSpan.FromSeconds(1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(every, TimeSpan.Zero, nameof(interval));
        ArgumentOutOfRangeException.ThrowIfNegative(maxSessions);
        var admin = CreateOperations(endpoints, nameof(MapWebSocketProxyStatusFeed));
        var feed = ActivatorUtilities.CreateInstance<StatusFeed>(endpoints.ServiceProvider, admin, every, maxSessions);
        return endpoints.Map(pattern, (RequestDelegate)feed.HandleAsync)
            .WithDisplayName("WebSocketProxy status feed")
            .ExcludeFromDescription();
    }

    private static AdminOperations CreateOperations(IEndpointRouteBuilder endpoints, string method)
    {
        EnsureAdded(endpoints, method);
        return ActivatorUtilities.CreateInstance<AdminOperations>(endpoints.ServiceProvider);
    }

    private static void EnsureAdded(IEndpointRouteBuilder endpoints, string method)
    {
        if (endpoints.ServiceProvider.GetService<WebSocketProxyMarker>() is null)
        {
            throw new InvalidOperationException(
                $"Unable to find the WebSocketProxy services. Call 'builder.Services.AddWebSocketProxy(...)' before 'app.{method}(...)'.");
        }
    }
}
