using System.Net.WebSockets;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using WebSocketProxy.Configuration;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Forwarding;
using WebSocketProxy.Management;
using WebSocketProxy.Messages;
using WebSocketProxy.Model;
using WebSocketProxy.Testing;

namespace WebSocketProxy.Tests.Messages;

/// <summary>
/// A real <see cref="ProxySession"/> between two in-memory socket pairs, for a route built by the real configuration
/// pipeline (validators, transformer factories, built-ins): <see cref="Client"/> is the browser, <see cref="Backend"/> the backend.
/// </summary>
internal sealed class PipelineHarness : IAsyncDisposable
{
    private readonly WebSocketPair _clientLeg;
    private readonly WebSocketPair _backendLeg;
    private readonly ServiceProvider _services;
    private readonly Task _run;

    private PipelineHarness(ServiceProvider services, WebSocketPair clientLeg, WebSocketPair backendLeg, ProxySession session)
    {
        _services = services;
        _clientLeg = clientLeg;
        _backendLeg = backendLeg;
        Session = session;
        _run = session.RunAsync();
    }

    /// <summary>Gets the browser's socket.</summary>
    public WebSocket Client => _clientLeg.Client;

    /// <summary>Gets the backend's socket.</summary>
    public WebSocket Backend => _backendLeg.Server;

    public ProxySession Session { get; }

    public FakeLogCollector Logs => _services.GetFakeLogCollector();

    public IServiceProvider Services => _services;

    /// <summary>Builds the route "r" (cluster "c") through the configuration pipeline and starts a session on it.</summary>
    public static PipelineHarness Start(
        RouteConfig route,
        Action<IWebSocketProxyBuilder>? configure = null,
        TimeProvider? timeProvider = null,
        ClaimsPrincipal? user = null,
        string? clientSubprotocol = null)
    {
        var services = new ServiceCollection();
        services.AddFakeLogging();
        if (timeProvider is not null)
        {
            services.AddSingleton(timeProvider);
        }

        var builder = services.AddWebSocketProxy();
        configure?.Invoke(builder);
        var provider = services.BuildServiceProvider();
        var errors = new List<string>();
        var snapshot = Build(provider, route, errors);
        if (errors.Count > 0)
        {
            throw new InvalidOperationException(string.Join(Environment.NewLine, errors));
        }

        var routeModel = snapshot.Routes["r"];
        var http = new DefaultHttpContext { User = user ?? new ClaimsPrincipal(new ClaimsIdentity()), TraceIdentifier = "conn-1" };
        var connection = new ProxyConnectionContext(http, routeModel, snapshot.Clusters["c"]);
        var pipeline = (routeModel.Features.Get<MessagePipeline>() ?? MessagePipeline.Empty).ForSubprotocol(clientSubprotocol);
        var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger<ProxySession>();
        var clientLeg = new WebSocketPair();
        var backendLeg = new WebSocketPair();
        var session = new ProxySession(connection, new SessionOptions { Pipeline = pipeline }, clientLeg.Server, null, backendLeg.Client, provider.GetRequiredService<ProxyMetrics>(), logger, timeProvider ?? TimeProvider.System);
        return new PipelineHarness(provider, clientLeg, backendLeg, session);
    }

    /// <summary>Runs the configuration pipeline on route "r" and returns the errors.</summary>
    public static List<string> Errors(RouteConfig route, Action<IWebSocketProxyBuilder>? configure = null)
    {
        var services = new ServiceCollection().AddLogging();
        var builder = services.AddWebSocketProxy();
        configure?.Invoke(builder);
        using var provider = services.BuildServiceProvider();
        var errors = new List<string>();
        Build(provider, route, errors);
        return errors;
    }

    /// <summary>Builds route "r" and returns its compiled pipeline (the route must be valid).</summary>
    public static MessagePipeline Pipeline(RouteConfig route, Action<IWebSocketProxyBuilder>? configure = null)
    {
        var services = new ServiceCollection().AddLogging();
        var builder = services.AddWebSocketProxy();
        configure?.Invoke(builder);
        var provider = services.BuildServiceProvider();
        var errors = new List<string>();
        var snapshot = Build(provider, route, errors);
        return errors.Count == 0 ? snapshot.Routes["r"].Features.Require<MessagePipeline>() : throw new InvalidOperationException(string.Join(Environment.NewLine, errors));
    }

    public static CancellationToken Timeout(int seconds = 10)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(seconds));
        return cts.Token;
    }

    private static ProxyConfigSnapshot Build(IServiceProvider provider, RouteConfig route, List<string> errors)
    {
        var options = new WebSocketProxyOptions();
        options.Routes["r"] = route with { Path = "/ws", Cluster = "c" };
        options.Clusters["c"] = new ClusterConfig { Backends = new Dictionary<string, BackendConfig> { ["b"] = new() { Address = "ws://backend.test/ws" } } };
        return provider.GetRequiredService<ProxyConfigBuilder>().Build(options, null, errors);
    }

    public async ValueTask DisposeAsync()
    {
        Session.Abort();
        _clientLeg.Dispose(); // ends the in-memory streams, so reads pending on the proxy's legs end too
        _backendLeg.Dispose();
        await _run.WaitAsync(TimeSpan.FromSeconds(10));
        await _services.DisposeAsync();
    }
}

/// <summary>Whole-message helpers for the in-memory sockets.</summary>
internal static class SocketMessages
{
    public static Task SendTextAsync(this WebSocket socket, string text, CancellationToken cancellationToken)
        => socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, cancellationToken);

    public static Task SendBinaryAsync(this WebSocket socket, byte[] data, CancellationToken cancellationToken)
        => socket.SendAsync(data, WebSocketMessageType.Binary, true, cancellationToken);

    /// <summary>Receives one whole message, or the close (type Close, with the socket's close status).</summary>
    public static async Task<(WebSocketMessageType Type, byte[] Data)> ReceiveWholeAsync(this WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        using var data = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (WebSocketMessageType.Close, []);
            }

            data.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return (result.MessageType, data.ToArray());
            }
        }
    }

    public static async Task<string> ReceiveTextAsync(this WebSocket socket, CancellationToken cancellationToken)
    {
        var (type, data) = await socket.ReceiveWholeAsync(cancellationToken);
        return type == WebSocketMessageType.Text ? Encoding.UTF8.GetString(data) : throw new InvalidOperationException($"Expected text, got {type}.");
    }

    /// <summary>Receives until the close frame and returns its status.</summary>
    public static async Task<WebSocketCloseStatus?> ReceiveCloseAsync(this WebSocket socket, CancellationToken cancellationToken)
    {
        while ((await socket.ReceiveWholeAsync(cancellationToken)).Type != WebSocketMessageType.Close)
        {
        }

        return socket.CloseStatus;
    }
}
