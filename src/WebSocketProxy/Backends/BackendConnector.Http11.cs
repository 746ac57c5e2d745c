using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Authentication;
using Microsoft.AspNetCore.Http;
using WebSocketProxy.Configuration;
using WebSocketProxy.Model;
using WebSocketProxy.Security;

namespace WebSocketProxy.Backends;

/// <content>The HTTP/1.1 backend leg: the proxy's own handshake over a socket it owns, no <c>HttpClient</c> objects kept per connection.</content>
internal sealed partial class BackendConnector
{
    private static bool RelayFramesOn(HttpContext context)
        => (context.RequestServices?.GetService(typeof(IProxyConfigSource)) as IProxyConfigSource)?.Current.Options.RelayFrames ?? WebSocketProxyOptions.DefaultRelayFrames;

    private async Task<BackendConnectResult> ConnectOwnAsync(HttpContext context, RouteModel route, ClusterModel cluster, KeyValuePair<string, string>[] identityHeaders, Uri target, string? host, CancellationToken cancellationToken)
    {
        var settings = cluster.BackendSettings();
        var request = new BackendHandshakeRequest(target) { OfferDeflate = settings.Compression };
        foreach (var protocol in SubprotocolMapping.ToBackend(route, context.WebSockets.WebSocketRequestedProtocols))
        {
            request.SubProtocols.Add(protocol);
        }

        BackendHandshakeHeaders.Apply(context, route.HandshakePolicy(), route.Features.Get<RouteSecurityPolicy>(), identityHeaders, request);
        if (host is not null)
        {
            request.SetHeader("Host", host);
        }

        using var timeout = new CancellationTokenSource(settings.ConnectTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        Stream? stream = null;
        WebSocket? socket = null;
        var status = 0;
        IReadOnlyDictionary<string, IEnumerable<string>>? refusalHeaders = null;
        try
        {
            stream = await _transport.OpenAsync(target, BackendTransport.ServerName(request.Host), cluster, linked.Token);
            BackendHandshakeResponse response;
            using (BackendTransport.DisposeOnCancel(stream, linked.Token))
            {
                await request.WriteAsync(stream, CancellationToken.None);
                response = await BackendHandshakeResponse.ReadAsync(stream, CancellationToken.None);
            }

            linked.Token.ThrowIfCancellationRequested(); // cancelled as the answer came in: the stream is disposed
            status = response.StatusCode;
            if (status != 101)
            {
                refusalHeaders = response.RefusalHeaders();
                throw new WebSocketException(WebSocketError.NotAWebSocket, $"The backend answered the handshake with {status} instead of 101.");
            }

            var (subProtocol, deflate) = BackendHandshakeValidation.Validate(request, response);
            var transport = response.Leftover.IsEmpty ? stream : new BackendPrefixedStream(stream, response.Leftover);

            // Without permessage-deflate the backend's frames can be relayed to the client as they are (see FrameRelayStream);
            // with RelayFrames off the leg gets no relay layer at all.
            var relay = deflate is null && RelayFramesOn(context) ? new FrameRelayStream(transport, receivesMaskedFrames: false) : null;
            socket = WebSocket.CreateFromStream(relay ?? transport, new WebSocketCreationOptions
            {
                IsServer = false,
                SubProtocol = subProtocol,
                KeepAliveInterval = route.KeepAliveInterval,
                KeepAliveTimeout = route.KeepAliveTimeout,
                DangerousDeflateOptions = deflate,
            });
            return BackendConnectResult.Success(socket, relay);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or SocketException or AuthenticationException
            || (ex is ObjectDisposedException && linked.IsCancellationRequested))
        {
            return Failure(ex, status, refusalHeaders, timeout, cancellationToken);
        }
        finally
        {
            if (socket is null && stream is not null)
            {
                await stream.DisposeAsync(); // failed, whatever the exception: the connection is not left open
            }
        }
    }
}
