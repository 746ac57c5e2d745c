using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using WebSocketProxy.Backends;

namespace WebSocketProxy.Admin;

/// <summary>
/// Kubernetes probes. Liveness: the process answers (it stays live while draining, so the drain is not cut short).
/// Readiness: not draining for shutdown and every cluster has a backend that takes new connections; 503 otherwise.
/// </summary>
internal static class HealthEndpoints
{
    private static readonly HealthCheckRegistration Registration = new("websocket-proxy-ready", static sp => sp.GetRequiredService<BackendsHealthCheck>(), HealthStatus.Unhealthy, ["ready"]);

    public static IResult Live(HttpContext context)
    {
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Text("Healthy", "text/plain");
    }

    public static async Task<IResult> ReadyAsync(HttpContext context)
    {
        var check = context.RequestServices.GetRequiredService<BackendsHealthCheck>();
        var result = await check.CheckHealthAsync(new HealthCheckContext { Registration = Registration }, context.RequestAborted);
        context.Response.Headers.CacheControl = "no-store";
        var body = new Dictionary<string, object?>
        {
            ["status"] = result.Status.ToString(),
            ["description"] = result.Description,
            ["clusters"] = result.Data,
        };
        return TypedResults.Json(body, JsonSerializerOptions.Web, statusCode: result.Status == HealthStatus.Healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }
}
