using System.Net.WebSockets;
using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Primitives;
using WebSocketProxy.Backends;
using WebSocketProxy.Configuration;
using WebSocketProxy.Forwarding;
using WebSocketProxy.Messages;
using WebSocketProxy.Model;

namespace WebSocketProxy.Tests.Forwarding;

/// <summary>The session's control surface (<see cref="ISessionControl"/>) as drains and operators use it.</summary>
public sealed class ProxySessionControlTests
{
    [Fact]
    public async Task RequestClose_BothLegsGetTheirOwnStatusAndReason()
    {
        await using var h = SessionHarness.Start();
        ISessionControl control = h.Session;

        control.RequestClose(WebSocketCloseStatus.EndpointUnavailable, "to the client", WebSocketCloseStatus.EndpointUnavailable, "to the backend");
        var atClient = await h.ReceiveCloseAsync(h.Client);
        var atBackend = await h.ReceiveCloseAsync(h.Backend);
        await h.AnswerCloseAsync(h.Backend);
        await h.AnswerCloseAsync(h.Client);
        await h.CompletionAsync();

        atClient.Should().Be((WebSocketCloseStatus.EndpointUnavailable, "to the client"));
        atBackend.Should().Be((WebSocketCloseStatus.EndpointUnavailable, "to the backend"));
        h.Client.State.Should().Be(WebSocketState.Closed);
        h.Backend.State.Should().Be(WebSocketState.Closed);
    }

    [Fact]
    public async Task RequestClose_CalledTwice_FirstCallWins()
    {
        await using var h = SessionHarness.Start();

        h.Session.RequestClose(WebSocketCloseStatus.EndpointUnavailable, "first", WebSocketCloseStatus.EndpointUnavailable, "first");
        h.Session.RequestClose(WebSocketCloseStatus.PolicyViolation, "second", WebSocketCloseStatus.PolicyViolation, "second");
        var atClient = await h.ReceiveCloseAsync(h.Client);
        var atBackend = await h.ReceiveCloseAsync(h.Backend);
        await h.AnswerCloseAsync(h.Backend);
        await h.AnswerCloseAsync(h.Client);
        await h.CompletionAsync();

        atClient.Should().Be((WebSocketCloseStatus.EndpointUnavailable, "first"));
        atBackend.Should().Be((WebSocketCloseStatus.EndpointUnavailable, "first"));
    }

    [Fact]
    public async Task SessionRegistryDrain_ClientClosedFirst_ItsAnswerClosesTheBackend_AndTheDrainEndsWithTheSession()
    {
        await using var h = SessionHarness.Start();
        var registry = new SessionRegistry();
        registry.Add(h.Session, h.Running);

        var draining = registry.DrainAsync(TimeSpan.FromSeconds(30), h.Time, h.Timeout);
        var atClient = await h.ReceiveCloseAsync(h.Client);
        await h.Client.SendAsync("sent before the close arrived"u8.ToArray(), WebSocketMessageType.Text, true, h.Timeout);
        await h.AnswerCloseAsync(h.Client, WebSocketCloseStatus.EndpointUnavailable, "bye");
        var lateMessage = await h.Backend.ReceiveAsync(new byte[64], h.Timeout);
        var atBackend = await h.ReceiveCloseAsync(h.Backend);
        await h.AnswerCloseAsync(h.Backend);
        await h.CompletionAsync();
        await draining.WaitAsync(h.Timeout);

        atClient.Should().Be((WebSocketCloseStatus.EndpointUnavailable, "Server shutting down"));
        lateMessage.Count.Should().Be(29, "a client message in flight when the drain began still reaches the backend");
        atBackend.Should().Be((WebSocketCloseStatus.EndpointUnavailable, "bye"));
        h.Client.State.Should().Be(WebSocketState.Closed);
        h.Backend.State.Should().Be(WebSocketState.Closed);
        registry.IsDraining.Should().BeTrue();
    }

    [Fact]
    public async Task SessionRegistryDrain_PeersNeverAnswer_SessionIsAbortedAfterTheDrainTimeout()
    {
        await using var h = SessionHarness.Start();
        var registry = new SessionRegistry();
        registry.Add(h.Session, h.Running);

        var draining = registry.DrainAsync(TimeSpan.FromSeconds(30), h.Time, h.Timeout);
        await h.ReceiveCloseAsync(h.Client); // the client never answers, so the backend is never closed either
        h.Time.Advance(TimeSpan.FromSeconds(31));
        await draining.WaitAsync(h.Timeout);
        await h.CompletionAsync();

        h.Session.Ended.IsCancellationRequested.Should().BeTrue();
    }

    [Fact]
    public async Task BackendDrain_AfterGracePeriod_ClientGets1012_BackendGets1001()
    {
        await using var h = SessionHarness.Start(cluster: new ClusterConfig { DrainGracePeriod = TimeSpan.FromSeconds(10) });
        var registry = new SessionRegistry();
        registry.Add(h.Session, h.Running);
        h.BackendState.OnSessionStarted();
        using var drainer = new BackendDrainer(new ConfigSource(h.Cluster), registry, h.Time, NullLogger<BackendDrainer>.Instance);

        drainer.Drain("c", "b").Should().BeTrue();
        h.Time.Advance(TimeSpan.FromSeconds(9));
        h.ProxyClientLeg.State.Should().Be(WebSocketState.Open, "the grace period is not over");
        h.Time.Advance(TimeSpan.FromSeconds(2));
        var atClient = await h.ReceiveCloseAsync(h.Client);
        var atBackend = await h.ReceiveCloseAsync(h.Backend);
        await h.AnswerCloseAsync(h.Backend);
        await h.AnswerCloseAsync(h.Client);
        await h.CompletionAsync();

        atClient.Should().Be((ProxyCloseStatus.ServiceRestart, "Backend draining"));
        ((int)atClient.Status!).Should().Be(1012);
        atBackend.Should().Be((WebSocketCloseStatus.EndpointUnavailable, "Proxy draining this backend"));
        h.Client.State.Should().Be(WebSocketState.Closed);
        h.Backend.State.Should().Be(WebSocketState.Closed);
    }

    [Fact]
    public async Task Abort_ResetsBothLegsWithoutCloseFrames_AndRunCompletes()
    {
        await using var h = SessionHarness.Start();
        var clientReceive = h.Client.ReceiveAsync(new byte[16].AsMemory(), h.Timeout).AsTask();
        var backendReceive = h.Backend.ReceiveAsync(new byte[16].AsMemory(), h.Timeout).AsTask();

        h.Session.Abort();
        await h.CompletionAsync();

        await FluentActions.Awaiting(() => clientReceive.WaitAsync(h.Timeout)).Should().ThrowAsync<WebSocketException>("the client's connection was reset, not closed");
        await FluentActions.Awaiting(() => backendReceive.WaitAsync(h.Timeout)).Should().ThrowAsync<WebSocketException>("the backend's connection was reset, not closed");
        h.Client.CloseStatus.Should().BeNull();
        h.Backend.CloseStatus.Should().BeNull();
    }

    [Fact]
    public async Task Ended_TakenWhileRunning_IsCancelledWhenRunCompletes()
    {
        await using var h = SessionHarness.Start();
        var ended = h.Session.Ended;
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = ended.Register(() => cancelled.TrySetResult());
        await h.SendTextAsync(h.Client, "hello");
        (await h.ReceiveTextAsync(h.Backend)).Should().Be("hello");
        ended.IsCancellationRequested.Should().BeFalse("the session is running");

        await h.Client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", h.Timeout);
        await h.ReceiveCloseAsync(h.Backend);
        ended.IsCancellationRequested.Should().BeFalse("the backend has not answered the close yet");
        await h.AnswerCloseAsync(h.Backend);
        await h.ReceiveCloseAsync(h.Client);
        await h.CompletionAsync();

        ended.IsCancellationRequested.Should().BeTrue();
        await cancelled.Task.WaitAsync(h.Timeout);
    }

    [Fact]
    public async Task Ended_TakenAfterRunCompleted_IsAlreadyCancelled()
    {
        await using var h = SessionHarness.Start();
        h.Session.Abort();
        await h.CompletionAsync();

        h.Session.Ended.IsCancellationRequested.Should().BeTrue("nobody took the token while the session ran");
        h.Session.Ended.IsCancellationRequested.Should().BeTrue("asking twice gives the same answer");
    }

    [Fact]
    public async Task Ended_IsTheTokenTransformersGet_CancelledWhenTheSessionEnds()
    {
        CancellationToken seen = default;
        var capture = new MessagePipeline([new CapturingTransformer(token => seen = token)]);

        await using var h = SessionHarness.Start(options: _ => new SessionOptions { Pipeline = capture });
        await h.SendTextAsync(h.Client, "hello");
        (await h.ReceiveTextAsync(h.Backend)).Should().Be("hello");
        seen.IsCancellationRequested.Should().BeFalse();
        h.Session.Abort();
        await h.CompletionAsync();

        seen.IsCancellationRequested.Should().BeTrue();
    }

    private sealed class CapturingTransformer(Action<CancellationToken> capture) : IMessageTransformer
    {
        public ValueTask<MessageTransformResult> TransformAsync(MessageTransformContext context, CancellationToken cancellationToken)
        {
            capture(cancellationToken);
            return ValueTask.FromResult(MessageTransformResult.Forward());
        }
    }

    private sealed class ConfigSource(ClusterModel cluster) : IProxyConfigSource
    {
        public ProxyConfigSnapshot Current { get; } = new(
            new WebSocketProxyOptions(),
            new Dictionary<string, RouteModel>(),
            new Dictionary<string, ClusterModel>(StringComparer.OrdinalIgnoreCase) { [cluster.Id] = cluster });

        public IChangeToken GetChangeToken() => new CancellationChangeToken(CancellationToken.None);
    }
}
