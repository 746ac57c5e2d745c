using System.Globalization;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using WebSocketProxy.Admission;
using WebSocketProxy.Configuration;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Model;

namespace WebSocketProxy.Llm;

/// <summary>
/// What both LLM endpoints (<c>MapLlmWebSocket</c>, <c>MapLlmRealtime</c>) do around their session: refuse while draining,
/// the proxy's shared <see cref="HandshakeGate"/> (Origin, browser tokens, concurrent sockets), the client's identity; then
/// run the session registered in the <see cref="SessionRegistry"/> before it sends or receives anything.
/// </summary>
internal sealed partial class LlmSocketGate(
    HandshakeGate gate,
    LlmOptionsSource options,
    ILlmApiKeyStore keyStore,
    SessionRegistry sessions,
    IProxyConfigSource proxyConfig,
    TimeProvider time,
    ILoggerFactory loggerFactory)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<LlmSocketGate>();

    /// <summary>Admits a handshake or writes its refusal and returns <see langword="null"/>. The result must be disposed when the socket ends.</summary>
    public async Task<LlmAdmission?> AdmitAsync(HttpContext context, LlmRouteBuilder route)
    {
        if (sessions.IsDraining)
        {
            await RefuseAsync(context, StatusCodes.Status503ServiceUnavailable, "The server is shutting down.", null);
            return null;
        }

        var llm = options.Current;
        var routeOptions = route.Build(llm);
        var admission = await gate.AdmitAsync(context, AdmissionPolicy.Create("llm:" + route.Pattern, new RouteConfig
        {
            AllowedOrigins = routeOptions.AllowedOrigins,
            AllowMissingOrigin = routeOptions.AllowMissingOrigin,
            ConcurrentConnections = routeOptions.ConcurrentConnections,
        }), context.RequestAborted);
        if (admission.Rejection is { } rejection)
        {
            admission.Dispose();
            await RefuseAsync(context, rejection.StatusCode, rejection.Message, rejection.RetryAfterSeconds);
            return null;
        }

        var identity = await LlmClientIdentity.ResolveAsync(context, llm.Budgets.ApiKeyHeader, keyStore);
        if (identity is null)
        {
            admission.Dispose();
            Log.ApiKeyRejected(_logger, route.Pattern);
            await RefuseAsync(context, StatusCodes.Status401Unauthorized, "The API key is not valid.", null);
            return null;
        }

        return new LlmAdmission(admission, llm, routeOptions, identity);
    }

    /// <summary>
    /// Runs a session registered for the drain before it starts, so no frame reaches the client of a session the drain
    /// cannot see. A session registered after a drain began is closed with 1001 at once and aborted after the drain timeout.
    /// </summary>
    public async Task RunAsync(ISessionControl session, Func<Task> run)
    {
        var registered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = RunWhenRegisteredAsync(registered.Task, run);
        sessions.Add(session, running);
        try
        {
            if (sessions.IsDraining)
            {
                Log.OpenedWhileDraining(_logger, session.Connection.RouteId);
                session.CloseClientFirst(WebSocketCloseStatus.EndpointUnavailable, "Server shutting down");
                _ = AbortAfterDrainTimeoutAsync(session, running);
            }

            registered.SetResult();
            await running;
        }
        finally
        {
            sessions.Remove(session);
        }
    }

    public static async Task RefuseAsync(HttpContext context, int status, string message, int? retryAfterSeconds)
    {
        context.Response.StatusCode = status;
        if (retryAfterSeconds is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        }

        await context.Response.WriteAsync(message + "\n", context.RequestAborted);
    }

    private static async Task RunWhenRegisteredAsync(Task registered, Func<Task> run)
    {
        await registered;
        await run();
    }

    private async Task AbortAfterDrainTimeoutAsync(ISessionControl session, Task running)
    {
        if (await Task.WhenAny(running, Task.Delay(proxyConfig.Current.Options.DrainTimeout, time)) != running)
        {
            session.Abort();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.LlmApiKeyRejected, EventName = nameof(EventIds.LlmApiKeyRejected), Level = LogLevel.Information, Message = "LLM handshake on {Route} refused: the API key is unknown or revoked.")]
        public static partial void ApiKeyRejected(ILogger logger, string route);

        [LoggerMessage(EventId = EventIds.LlmSessionOpenedWhileDraining, EventName = nameof(EventIds.LlmSessionOpenedWhileDraining), Level = LogLevel.Information, Message = "An LLM session on {Route} opened while the server was draining; it is closed with 1001.")]
        public static partial void OpenedWhileDraining(ILogger logger, string route);
    }
}

/// <summary>An admitted LLM handshake: the gate's admission (held until the socket ends), the options of that moment and who the client is.</summary>
internal sealed record LlmAdmission(HandshakeAdmission Gate, LlmOptions Options, LlmRouteConfig Route, LlmClientIdentity Identity) : IDisposable
{
    public void Dispose() => Gate.Dispose();
}
