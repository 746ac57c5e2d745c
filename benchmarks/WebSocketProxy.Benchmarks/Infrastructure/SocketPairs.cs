using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using WebSocketProxy.Backends;
using WebSocketProxy.Configuration;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Forwarding;
using WebSocketProxy.Messages;
using WebSocketProxy.Model;

namespace WebSocketProxy.Benchmarks.Infrastructure;

/// <summary>A client socket connected straight to a server socket over in-memory streams.</summary>
internal sealed class DirectPair : IDisposable
{
    public DirectPair()
    {
        var (a, b) = DuplexPipeStream.CreatePair();
        Client = WebSocket.CreateFromStream(a, new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero });
        Server = WebSocket.CreateFromStream(b, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
    }

    public WebSocket Client { get; }

    public WebSocket Server { get; }

    public void Dispose()
    {
        Client.Dispose();
        Server.Dispose();
    }
}

/// <summary>
/// A client socket and a backend socket with a real <see cref="ProxySession"/> between them: client ⇄ (server leg | pump | client leg) ⇄ backend,
/// every leg a WebSocket over in-memory streams, masking where the protocol requires it (client → proxy, proxy → backend).
/// </summary>
internal sealed class ProxiedPair : IDisposable
{
    private readonly ProxySession _session;
    private readonly Task _run;
    private readonly ServiceProvider _services;

    public ProxiedPair(IReadOnlyList<IMessageTransformer> transformers, long maxMessageBytes = 4 * 1024 * 1024, int receiveBufferSize = 16 * 1024)
        : this(transformers.Count == 0 ? MessagePipeline.Empty : MessagePipeline.Both([.. transformers]), maxMessageBytes, receiveBufferSize)
    {
    }

    /// <summary>A session whose route has <paramref name="pipeline"/> (e.g. built by the configuration pipeline from a route's settings).</summary>
    /// <param name="relay">Whether the proxy's legs run over frame relays (the path of a route without transformers in the product), else the streaming pump.</param>
    public ProxiedPair(MessagePipeline pipeline, long maxMessageBytes = 4 * 1024 * 1024, int receiveBufferSize = 16 * 1024, bool relay = false)
    {
        var (clientEnd, proxyClientStream) = DuplexPipeStream.CreatePair();
        var (proxyBackendStream, backendEnd) = DuplexPipeStream.CreatePair();
        var clientRelay = relay ? new FrameRelayStream(proxyClientStream, receivesMaskedFrames: true) : null;
        var backendRelay = relay ? new FrameRelayStream(proxyBackendStream, receivesMaskedFrames: false) : null;
        Stream proxyClientEnd = clientRelay is null ? proxyClientStream : clientRelay;
        Stream proxyBackendEnd = backendRelay is null ? proxyBackendStream : backendRelay;
        Client = WebSocket.CreateFromStream(clientEnd, new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero });
        var proxyClientLeg = WebSocket.CreateFromStream(proxyClientEnd, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        var proxyBackendLeg = WebSocket.CreateFromStream(proxyBackendEnd, new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero });
        Backend = WebSocket.CreateFromStream(backendEnd, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });

        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new ProxyMetrics(_services.GetRequiredService<IMeterFactory>());
        var options = new SessionOptions { ReceiveBufferSize = receiveBufferSize, Pipeline = pipeline, ClientRelay = clientRelay, BackendRelay = backendRelay };
        var route = new RouteModel(
            "bench",
            new RouteConfig { Path = "/ws/{**rest}", Cluster = "bench", MaxMessageBytes = maxMessageBytes },
            RoutePatternFactory.Parse("/ws/{**rest}"),
            new FeatureSet([pipeline]));
        var cluster = CreateCluster(1);
        var connection = new ProxyConnectionContext(new DefaultHttpContext(), route, cluster);
        _session = new ProxySession(connection, options, proxyClientLeg, null, proxyBackendLeg, metrics, NullLogger.Instance, TimeProvider.System);
        _run = _session.RunAsync();
    }

    public WebSocket Client { get; }

    public WebSocket Backend { get; }

    public static ClusterModel CreateCluster(int backends)
    {
        var list = new BackendState[backends];
        for (var i = 0; i < backends; i++)
        {
            list[i] = new BackendState(new BackendDescription($"b{i}", new Uri($"ws://127.0.0.1:{9000 + i}/ws")), new BackendHealth());
        }

        var config = new ClusterConfig();
        return new ClusterModel("bench", config, list, new FeatureSet([new ClusterBackendSettings(config, new ConfigBackendResolver(), new PowerOfTwoChoicesPolicy())]));
    }

    public void Dispose()
    {
        _session.Abort();
        Client.Abort();
        Backend.Abort();
        _run.Wait(TimeSpan.FromSeconds(10));
        Client.Dispose();
        Backend.Dispose();
        _services.Dispose();
    }
}
