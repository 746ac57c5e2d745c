using WebSocketProxy.Testing;
using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using System.Text;
using FluentAssertions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using WebSocketProxy.Backends;
using WebSocketProxy.Configuration;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Forwarding;
using WebSocketProxy.Messages;
using WebSocketProxy.Model;
using WebSocketProxy.Tests.Backends;

namespace WebSocketProxy.Tests.Forwarding;

/// <summary>
/// One <see cref="ProxySession"/> between an in-memory client (the browser) and an in-memory backend, on a
/// <see cref="FakeTimeProvider"/>: timers fire only when a test advances the clock. Every wait is bounded in real time.
/// </summary>
internal sealed class SessionHarness : IAsyncDisposable
{
    /// <summary>The close timeout of every harness session.</summary>
    public static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long any single wait of a test may take in real time before the test fails.</summary>
    private static readonly TimeSpan RealTimeout = TimeSpan.FromSeconds(10);

    private readonly WebSocketPair _clientLeg;
    private readonly WebSocketPair _backendLeg;
    private readonly ServiceProvider _services;
    private readonly CancellationTokenSource _timeout;
    private Task? _running;

    private SessionHarness(RouteConfig? route, ClusterConfig? cluster, Func<FakeTimeProvider, SessionOptions>? options)
    {
        _timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        _timeout.CancelAfter(RealTimeout);
        Time = new FakeTimeProvider();
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var routeConfig = route ?? new RouteConfig { Path = "/ws", Cluster = "c" };
        var routeModel = new RouteModel("r", routeConfig, RoutePatternFactory.Parse("/ws"), FeatureSet.Empty);
        BackendState = BackendTestContext.Backend("b", "ws://backend/ws");
        Cluster = BackendTestContext.Cluster([BackendState], new RoundRobinPolicy(), cluster);
        var connection = new ProxyConnectionContext(new DefaultHttpContext { TraceIdentifier = "conn-1" }, routeModel, Cluster)
        {
            Backend = BackendState,
        };
        _clientLeg = new WebSocketPair();  // Client = the browser, Server = the proxy's client leg
        _backendLeg = new WebSocketPair(); // Client = the proxy's backend leg, Server = the backend
        Logger = new FakeLogger();
        var sessionOptions = (options?.Invoke(Time) ?? new SessionOptions()) with { CloseTimeout = CloseTimeout };
        var metrics = new ProxyMetrics(_services.GetRequiredService<IMeterFactory>());
        Session = new ProxySession(connection, sessionOptions, _clientLeg.Server, null, _backendLeg.Client, metrics, Logger, Time);
    }

    public FakeTimeProvider Time { get; }

    public ProxySession Session { get; }

    public FakeLogger Logger { get; }

    public BackendState BackendState { get; }

    public BackendHealth Health => (BackendHealth)BackendState.Health; // BackendTestContext builds every backend with a BackendHealth

    public ClusterModel Cluster { get; }

    /// <summary>Gets the browser's socket.</summary>
    public WebSocket Client => _clientLeg.Client;

    /// <summary>Gets the backend's socket.</summary>
    public WebSocket Backend => _backendLeg.Server;

    /// <summary>Gets the proxy's own socket towards the client (to observe, never to drive).</summary>
    public WebSocket ProxyClientLeg => _clientLeg.Server;

    /// <summary>Gets the proxy's own socket towards the backend (to observe, never to drive).</summary>
    public WebSocket ProxyBackendLeg => _backendLeg.Client;

    /// <summary>Gets a token cancelled when the test has run for too long in real time.</summary>
    public CancellationToken Timeout => _timeout.Token;

    /// <summary>Gets the session's run, once started.</summary>
    public Task Running => _running ?? throw new InvalidOperationException("Start the session first.");

    public static SessionHarness Start(RouteConfig? route = null, Func<FakeTimeProvider, SessionOptions>? options = null, ClusterConfig? cluster = null)
    {
        var harness = new SessionHarness(route, cluster, options);
        harness._running = harness.Session.RunAsync();
        return harness;
    }

    /// <summary>A pipeline of one transformer that forwards every message unchanged: routes sessions through the assembling pump.</summary>
    public static MessagePipeline PassThrough() => new([new DelegateTransformer(static _ => MessageTransformResult.Forward())]);

    /// <summary>A pipeline of one transformer with the given behaviour.</summary>
    public static MessagePipeline Pipeline(Func<MessageTransformContext, MessageTransformResult> transform) => new([new DelegateTransformer(transform)]);

    public Task SendTextAsync(WebSocket socket, string text)
        => socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, Timeout);

    public Task SendBinaryAsync(WebSocket socket, int length)
        => socket.SendAsync(new byte[length], WebSocketMessageType.Binary, true, Timeout);

    /// <summary>Receives one whole message and returns it as text; fails if a close frame comes instead.</summary>
    public async Task<string> ReceiveTextAsync(WebSocket socket)
    {
        var (type, payload) = await ReceiveMessageAsync(socket);
        type.Should().NotBe(WebSocketMessageType.Close, "a message was expected, not a close ({0} {1})", socket.CloseStatus, socket.CloseStatusDescription);
        return Encoding.UTF8.GetString(payload);
    }

    /// <summary>Receives one whole message and returns its length; fails if a close frame comes instead.</summary>
    public async Task<int> ReceiveMessageLengthAsync(WebSocket socket)
    {
        var (type, payload) = await ReceiveMessageAsync(socket);
        type.Should().NotBe(WebSocketMessageType.Close, "a message was expected, not a close ({0} {1})", socket.CloseStatus, socket.CloseStatusDescription);
        return payload.Length;
    }

    /// <summary>Receives the next frame and asserts it is a close frame; returns its status and description.</summary>
    public async Task<(WebSocketCloseStatus? Status, string? Description)> ReceiveCloseAsync(WebSocket socket)
    {
        var (type, payload) = await ReceiveMessageAsync(socket);
        type.Should().Be(WebSocketMessageType.Close, "a close frame was expected, not the message '{0}'", Encoding.UTF8.GetString(payload));
        var close = (socket.CloseStatus, socket.CloseStatusDescription);
        EndBackendAfterHandshake(socket);
        return close;
    }

    /// <summary>Answers a close frame received on <paramref name="socket"/>, completing that leg's handshake.</summary>
    public async Task AnswerCloseAsync(WebSocket socket, WebSocketCloseStatus status = WebSocketCloseStatus.NormalClosure, string? description = null)
    {
        await socket.CloseOutputAsync(status, description, Timeout);
        EndBackendAfterHandshake(socket);
    }

    /// <summary>Waits, bounded in real time, for the session's run to complete.</summary>
    public Task CompletionAsync() => Running.WaitAsync(Timeout);

    /// <summary>
    /// Advances the fake clock by <paramref name="step"/> until the session's run completes, and returns how much fake
    /// time that took. Timers a pump arms on the way are only armed once the pump gets there, so the clock moves in
    /// steps, each followed by a short real-time wait for the run to react.
    /// </summary>
    public async Task<TimeSpan> AdvanceUntilCompletedAsync(TimeSpan step)
    {
        var advanced = TimeSpan.Zero;
        while (!Running.IsCompleted)
        {
            Timeout.ThrowIfCancellationRequested();
            Time.Advance(step);
            advanced += step;
            await Task.WhenAny(Running, Task.Delay(TimeSpan.FromMilliseconds(20), Timeout));
        }

        await Running;
        return advanced;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds, failing the test after the real-time timeout.</summary>
    public async Task WaitUntilAsync(Func<bool> condition, string because)
    {
        while (!condition())
        {
            if (Timeout.IsCancellationRequested)
            {
                condition().Should().BeTrue(because);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(5), CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_running is not null && !_running.IsCompleted)
        {
            // A test that failed half-way: abort, and move the clock so the session's close timeout can pass.
            Session.Abort();
            using var deadline = new CancellationTokenSource(RealTimeout);
            while (!_running.IsCompleted && !deadline.IsCancellationRequested)
            {
                Time.Advance(CloseTimeout);
                await Task.WhenAny(_running, Task.Delay(TimeSpan.FromMilliseconds(20), deadline.Token));
            }

            await _running.WaitAsync(deadline.Token);
        }

        _clientLeg.Dispose();
        _backendLeg.Dispose();
        await _services.DisposeAsync();
        _timeout.Dispose();
    }

    /// <summary>
    /// The backend is a server: once its close handshake is complete it ends the connection, as Kestrel does when the
    /// handler returns. (A client-role socket, like the proxy's backend leg, waits up to a second for that.)
    /// </summary>
    private void EndBackendAfterHandshake(WebSocket socket)
    {
        if (ReferenceEquals(socket, Backend) && socket.State == WebSocketState.Closed)
        {
            socket.Dispose();
        }
    }

    private async Task<(WebSocketMessageType Type, byte[] Payload)> ReceiveMessageAsync(WebSocket socket)
    {
        using var payload = new MemoryStream();
        var buffer = new byte[4096];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(), Timeout);
            payload.Write(buffer, 0, result.Count);
            if (result.MessageType == WebSocketMessageType.Close || result.EndOfMessage)
            {
                return (result.MessageType, payload.ToArray());
            }
        }
    }

    private sealed class DelegateTransformer(Func<MessageTransformContext, MessageTransformResult> transform) : IMessageTransformer
    {
        public ValueTask<MessageTransformResult> TransformAsync(MessageTransformContext context, CancellationToken cancellationToken)
            => ValueTask.FromResult(transform(context));
    }
}
