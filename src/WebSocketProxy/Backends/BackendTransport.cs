using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using WebSocketProxy.Model;

namespace WebSocketProxy.Backends;

/// <summary>
/// Opens the byte stream of an HTTP/1.1 backend leg on a socket the proxy owns: a dual-mode TCP socket without Nagle
/// (what <c>SocketsHttpHandler</c> does by default), a <see cref="BackendWriteGathering"/> transport on it and, for
/// <c>wss</c>, an <see cref="SslStream"/> above that with the cluster's certificate validation and client certificate.
/// </summary>
internal sealed class BackendTransport
{
    private readonly ConcurrentDictionary<string, (string Key, SslClientAuthenticationOptions Template)> _tls = new(StringComparer.OrdinalIgnoreCase);

    public static bool IsSecure(Uri target) => target.Scheme is "wss" or "https";

    /// <summary>Connects to <paramref name="target"/> and, when it is secure, authenticates the server as <paramref name="serverName"/>.</summary>
    public async ValueTask<Stream> OpenAsync(Uri target, string serverName, ClusterModel cluster, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            EndPoint endPoint = IPAddress.TryParse(target.DnsSafeHost, out var address) ? new IPEndPoint(address, target.Port) : new DnsEndPoint(target.IdnHost, target.Port);
            await socket.ConnectAsync(endPoint, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var secure = IsSecure(target);
        var transport = new BackendWriteGathering(new NetworkStream(socket, ownsSocket: true), bufferReads: !secure);
        if (!secure)
        {
            return transport;
        }

        var ssl = new SslStream(transport, leaveInnerStreamOpen: false);
        try
        {
            using (DisposeOnCancel(ssl, cancellationToken))
            {
                await ssl.AuthenticateAsClientAsync(ClientOptions(cluster, serverName), CancellationToken.None);
            }

            cancellationToken.ThrowIfCancellationRequested();
        }
        catch (Exception ex) when (ex is ObjectDisposedException && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The TLS handshake was cancelled.", ex, cancellationToken);
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }

        return ssl;
    }

    /// <summary>
    /// Bounds the handshake's reads and writes on <paramref name="stream"/> by disposing it when <paramref name="cancellationToken"/>
    /// fires; they themselves get no cancellable token. A socket keeps the registration of its last receive that had to wait
    /// for as long as the socket lives: a token passed to the handshake's read held its token sources and their timer (about
    /// 0.6 KB) for the whole session. A caller checks the token after the registration is disposed.
    /// </summary>
    public static CancellationTokenRegistration DisposeOnCancel(Stream stream, CancellationToken cancellationToken)
        => cancellationToken.UnsafeRegister(static s => ((Stream)s!).Dispose(), stream);

    /// <summary>The TLS name of a backend: the host of the <c>Host</c> header the handshake sends, without its port (as <c>SocketsHttpHandler</c> takes it).</summary>
    public static string ServerName(string host)
    {
        if (host.StartsWith('['))
        {
            var close = host.IndexOf(']', StringComparison.Ordinal);
            return close > 0 ? host[1..close] : host;
        }

        var colon = host.IndexOf(':', StringComparison.Ordinal);
        return colon >= 0 && colon == host.LastIndexOf(':') ? host[..colon] : host;
    }

    private SslClientAuthenticationOptions ClientOptions(ClusterModel cluster, string serverName)
    {
        var options = new SslClientAuthenticationOptions { TargetHost = serverName };
        if (cluster.BackendSettings().Tls is { } tls)
        {
            var key = BackendTls.Key(tls);
            if (!_tls.TryGetValue(cluster.Id, out var entry) || entry.Key != key)
            {
                var template = new SslClientAuthenticationOptions();
                BackendTls.Apply(template, tls); // loads the cluster's authorities and client certificate once per settings
                _tls[cluster.Id] = entry = (key, template);
            }

            options.RemoteCertificateValidationCallback = entry.Template.RemoteCertificateValidationCallback;
            options.ClientCertificates = entry.Template.ClientCertificates;
        }

        return options;
    }
}
