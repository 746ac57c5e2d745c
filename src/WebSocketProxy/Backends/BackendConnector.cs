using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using WebSocketProxy.Model;
using WebSocketProxy.Security;

namespace WebSocketProxy.Backends;

/// <summary>
/// Connects the backend leg. HTTP/1.1 backends (the default): the proxy's own handshake over a socket it owns
/// (<see cref="BackendTransport"/>, <see cref="BackendHandshakeRequest"/>, <see cref="BackendHandshakeResponse"/>) and
/// <see cref="WebSocket.CreateFromStream(Stream, WebSocketCreationOptions)"/> over it. HTTP/2 backends: a
/// <see cref="ClientWebSocket"/> over the cluster's <see cref="HttpMessageInvoker"/> (shared unless the cluster has TLS settings).
/// </summary>
internal sealed partial class BackendConnector
{
    private readonly BackendHttpInvokers _invokers;
    private readonly BackendTransport _transport;
    private readonly TimeProvider _timeProvider;

    public BackendConnector(BackendHttpInvokers invokers, BackendTransport transport, TimeProvider timeProvider)
    {
        _invokers = invokers;
        _transport = transport;
        _timeProvider = timeProvider;
    }

    // host: the Host header (and TLS server name) to use instead of the target's authority, for backends connected by IP.
    public Task<BackendConnectResult> ConnectAsync(HttpContext context, RouteModel route, ClusterModel cluster, KeyValuePair<string, string>[] identityHeaders, Uri target, string? host, CancellationToken cancellationToken)
        => cluster.BackendSettings().HttpVersion.Major == 1
            ? ConnectOwnAsync(context, route, cluster, identityHeaders, target, host, cancellationToken)
            : ConnectClientWebSocketAsync(context, route, cluster, identityHeaders, target, host, cancellationToken);

    private async Task<BackendConnectResult> ConnectClientWebSocketAsync(HttpContext context, RouteModel route, ClusterModel cluster, KeyValuePair<string, string>[] identityHeaders, Uri target, string? host, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        var options = socket.Options;
        options.CollectHttpResponseDetails = true;
        options.KeepAliveInterval = route.KeepAliveInterval;
        options.KeepAliveTimeout = route.KeepAliveTimeout;
        foreach (var protocol in SubprotocolMapping.ToBackend(route, context.WebSockets.WebSocketRequestedProtocols))
        {
            options.AddSubProtocol(protocol);
        }

        var settings = cluster.BackendSettings();
        options.HttpVersion = settings.HttpVersion;
        options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        if (settings.Compression)
        {
            options.DangerousDeflateOptions = new WebSocketDeflateOptions();
        }

        var headers = new ClientWebSocketHeaderTarget(options);
        BackendHandshakeHeaders.Apply(context, route.HandshakePolicy(), route.Features.Get<RouteSecurityPolicy>(), identityHeaders, headers);
        if (host is not null)
        {
            headers.SetHeader("Host", host);
        }

        using var timeout = new CancellationTokenSource(settings.ConnectTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            await socket.ConnectAsync(target, _invokers.Get(cluster), linked.Token);
            socket.HttpResponseHeaders = null; // not needed after a successful upgrade: don't hold it for the session's lifetime
            return BackendConnectResult.Success(socket);
        }
        catch (Exception ex) when (ex is WebSocketException or HttpRequestException or OperationCanceledException or IOException)
        {
            var status = (int)socket.HttpStatusCode;
            var responseHeaders = socket.HttpResponseHeaders;
            socket.Dispose();
            return Failure(ex, status, responseHeaders, timeout, cancellationToken);
        }
    }

    /// <summary>
    /// Maps a failed handshake to the client's answer: 504 when the connect timeout passed, the backend's own status (and
    /// headers) when it refused with one, 502 for a broken 101, 502 when no status was read at all (unreachable).
    /// </summary>
    private static BackendConnectResult Failure(Exception ex, int status, IReadOnlyDictionary<string, IEnumerable<string>>? headers, CancellationTokenSource timeout, CancellationToken cancellationToken)
    {
        if (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return BackendConnectResult.Failure(StatusCodes.Status504GatewayTimeout, RejectionReasons.BackendTimeout, ex);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The client went away during the backend handshake.", ex, cancellationToken);
        }

        if (status is >= 200 and not 101)
        {
            return BackendConnectResult.Failure(status, RejectionReasons.BackendRefused, ex, headers);
        }

        return status == 101
            ? BackendConnectResult.Failure(StatusCodes.Status502BadGateway, RejectionReasons.BackendInvalidHandshake, ex)
            : BackendConnectResult.Failure(StatusCodes.Status502BadGateway, RejectionReasons.BackendUnreachable, ex);
    }
}
