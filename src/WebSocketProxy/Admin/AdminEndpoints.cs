using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using WebSocketProxy.Model;

namespace WebSocketProxy.Admin;

/// <summary>The admin API's endpoints (JSON), described for OpenAPI: sessions, users, clusters, backends, status.</summary>
internal static class AdminEndpoints
{
    public const string Tag = "WebSocketProxy admin";

    public static void Map(RouteGroupBuilder group, AdminOperations admin)
    {
        group.MapGet("/sessions", async (string? user, string? route, string? cluster, string? backend, HttpContext context) => TypedResults.Ok(await admin.ListSessionsAsync(user, route, cluster, backend, context.RequestAborted)))
            .WithName("WebSocketProxyListSessions")
            .WithSummary("Lists the live sessions (of every instance with Redis), oldest first, optionally of one user, route, cluster or backend.");

        group.MapGet("/sessions/{id}", async Task<Results<Ok<SessionInfo>, ProblemHttpResult>> (string id, HttpContext context) =>
                await admin.FindAsync(id, context.RequestAborted) is { } session ? TypedResults.Ok(session) : NoSession(id))
            .WithName("WebSocketProxyGetSession")
            .WithSummary("Shows one live session.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/sessions/{id}/close", async Task<Results<Ok<SessionInfo>, ProblemHttpResult>> (string id, CloseSessionRequest? body, HttpContext context) =>
            {
                if ((body ?? new CloseSessionRequest()).Validate(out var status, out var reason) is { } error)
                {
                    return TypedResults.Problem(error, statusCode: StatusCodes.Status400BadRequest, title: "Invalid close request");
                }

                return await admin.CloseAsync(id, status, reason, Operator(context), context.RequestAborted) is { } ended ? TypedResults.Ok(ended) : NoSession(id);
            })
            .WithName("WebSocketProxyCloseSession")
            .WithSummary("Closes a session on whichever instance holds it: both legs get the code (default 1000) and reason; answers once it has ended (or after the close timeout) with how it ended, or, held by another instance, once that instance was told.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/users/{user}/close", async Task<Results<Ok<CloseResult>, ProblemHttpResult>> (string user, CloseSessionRequest? body, HttpContext context) =>
                (body ?? new CloseSessionRequest()).Validate(out var status, out var reason) is { } error
                    ? TypedResults.Problem(error, statusCode: StatusCodes.Status400BadRequest, title: "Invalid close request")
                    : TypedResults.Ok(await admin.CloseUserAsync(user, status, reason, Operator(context), context.RequestAborted)))
            .WithName("WebSocketProxyCloseUserSessions")
            .WithSummary("Closes every live session of a user on every instance (both legs, the same code and reason).")
            .ProducesProblem(StatusCodes.Status400BadRequest);

        group.MapGet("/clusters", () => TypedResults.Ok(admin.Clusters()))
            .WithName("WebSocketProxyListClusters")
            .WithSummary("Lists the clusters with their backends' health and live session counts.");

        group.MapPost("/clusters/{cluster}/backends/{backend}/drain", async Task<Results<Ok<DrainResult>, ProblemHttpResult>> (string cluster, string backend, HttpContext context) =>
                await admin.DrainAsync(cluster, backend, Operator(context), context.RequestAborted) is { } result ? TypedResults.Ok(result) : NoBackend(cluster, backend))
            .WithName("WebSocketProxyDrainBackend")
            .WithSummary("Drains a backend on every instance: new connections go elsewhere at once; its live sessions are closed with 1012 after the cluster's grace period.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/clusters/{cluster}/backends/{backend}/resume", async Task<Results<Ok<DrainResult>, ProblemHttpResult>> (string cluster, string backend, HttpContext context) =>
                await admin.ResumeAsync(cluster, backend, Operator(context), context.RequestAborted) is { } result ? TypedResults.Ok(result) : NoBackend(cluster, backend))
            .WithName("WebSocketProxyResumeBackend")
            .WithSummary("Puts a drained backend back into service on every instance.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/usage", async Task<Results<Ok<IReadOnlyList<UsageTotal>>, ProblemHttpResult>> (DateOnly? day, string? client, string? model, HttpContext context) =>
                await admin.UsageAsync(day, client, model, context.RequestAborted) is { } totals
                    ? TypedResults.Ok(totals)
                    : TypedResults.Problem("The usage store (Redis) cannot answer now.", statusCode: StatusCodes.Status503ServiceUnavailable, title: "Usage unavailable"))
            .WithName("WebSocketProxyUsage")
            .WithSummary("Lists LLM usage totals of a UTC day (default today) per client key (user:…, key:…, ip:…) and model: requests, input, output and cached tokens, estimated cost. Every instance's with Redis.")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        group.MapGet("/status", () => TypedResults.Ok(admin.Report(maxSessions: 100, includePersonal: true)))
            .WithName("WebSocketProxyStatus")
            .WithSummary("Shows the live status: totals each way, close statuses, clusters and the newest sessions.");
    }

    private static ProblemHttpResult NoSession(string id)
        => TypedResults.Problem($"No live session has the id '{id}'.", statusCode: StatusCodes.Status404NotFound, title: "Session not found");

    private static ProblemHttpResult NoBackend(string cluster, string backend)
        => TypedResults.Problem($"Cluster '{cluster}' has no configured backend '{backend}'.", statusCode: StatusCodes.Status404NotFound, title: "Backend not found");

    private static string Operator(HttpContext context) => context.User.Identity?.Name ?? "anonymous";
}
