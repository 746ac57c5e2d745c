using System.Net.WebSockets;
using System.Text;
using FluentAssertions;
using WebSocketProxy.Backends;
using WebSocketProxy.Configuration;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Forwarding;
using WebSocketProxy.Messages;
using WebSocketProxy.Model;
using WebSocketProxy.RateLimiting;

namespace WebSocketProxy.Tests.Forwarding;

/// <summary>One test per way a session ends: the close status and description each leg receives, and that the run completes.</summary>
public sealed class ProxySessionCloseTests
{
    /// <summary>Which pump carries the session's messages.</summary>
    public enum Pump
    {
        /// <summary>No transformer: frames are streamed.</summary>
        Streaming,

        /// <summary>A pass-through transformer: each message is assembled whole.</summary>
        Assembling,
    }

    [Fact]
    public async Task RunAsync_ClientClosesNormally_BackendGetsSameCloseAndItsAnswerReachesClient()
    {
        await using var h = SessionHarness.Start();
        await h.SendTextAsync(h.Client, "hello");
        (await h.ReceiveTextAsync(h.Backend)).Should().Be("hello");

        await h.Client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", h.Timeout);
        var atBackend = await h.ReceiveCloseAsync(h.Backend);
        await h.AnswerCloseAsync(h.Backend, WebSocketCloseStatus.NormalClosure, "bye");
        var atClient = await h.ReceiveCloseAsync(h.Client);
        await h.CompletionAsync();

        atBackend.Should().Be((WebSocketCloseStatus.NormalClosure, "done"));
        atClient.Should().Be((WebSocketCloseStatus.NormalClosure, "bye"));
        h.Client.State.Should().Be(WebSocketState.Closed, "the client's close handshake completed");
        h.Backend.State.Should().Be(WebSocketState.Closed, "the backend's close handshake completed");
        h.Session.ClientCloseStatus.Should().Be(WebSocketCloseStatus.NormalClosure);
        h.Session.Ended.IsCancellationRequested.Should().BeTrue();
    }

    [Theory]
    [InlineData(1000, "bye")]
    [InlineData(4000, "custom")]
    [InlineData(4321, "room closed")]
    [InlineData(4999, "")]
    public async Task RunAsync_BackendCloses_ClientGetsTheBackendsStatusUnchanged(int status, string description)
    {
        await using var h = SessionHarness.Start();

        await h.Backend.CloseOutputAsync((WebSocketCloseStatus)status, description, h.Timeout);
        var atClient = await h.ReceiveCloseAsync(h.Client);
        var backendReceive = h.ReceiveCloseAsync(h.Backend); // the backend reads on while the client answers
        await h.AnswerCloseAsync(h.Client, WebSocketCloseStatus.NormalClosure, "ok");
        var atBackend = await backendReceive;
        await h.CompletionAsync();

        atClient.Status.Should().Be((WebSocketCloseStatus)status);
        atClient.Description.Should().Be(description);
        atBackend.Should().Be((WebSocketCloseStatus.NormalClosure, "ok"), "the client's answer is forwarded as the backend's handshake reply");
        h.Client.State.Should().Be(WebSocketState.Closed);
        h.Backend.State.Should().Be(WebSocketState.Closed);
    }

    [Fact]
    public async Task RunAsync_ClientVanishes_BackendGets1001ClientWentAway_AndBackendHealthIsNotBlamed()
    {
        await using var h = SessionHarness.Start();
        var health = h.Health;
        var passive = new PassiveHealthSettings(new PassiveHealthConfig { MinimumThroughput = 2 });
        health.GetBreaker(passive, h.Time);
        health.ReportAbnormalClose(); // one failure already counted: one more would open the breaker
        await h.SendTextAsync(h.Client, "hello");
        (await h.ReceiveTextAsync(h.Backend)).Should().Be("hello");

        h.Client.Abort(); // resets the client's connection: no close frame
        var atBackend = await h.ReceiveCloseAsync(h.Backend);
        await h.AnswerCloseAsync(h.Backend);
        await h.CompletionAsync();

        atBackend.Should().Be((WebSocketCloseStatus.EndpointUnavailable, "Client went away"));
        h.Backend.State.Should().Be(WebSocketState.Closed, "the backend's close handshake completed");
        health.IsBreakerClosed(h.Time).Should().BeTrue("a client going away says nothing about the backend");
    }

    [Fact]
    public async Task RunAsync_BackendVanishes_ClientGets1014_AndBackendHealthIsTold()
    {
        await using var h = SessionHarness.Start();
        var health = h.Health;
        var passive = new PassiveHealthSettings(new PassiveHealthConfig { MinimumThroughput = 2 });
        health.GetBreaker(passive, h.Time);
        health.ReportAbnormalClose(); // one failure already counted: the session's report is the one that opens the breaker
        health.IsBreakerClosed(h.Time).Should().BeTrue();
        await h.SendTextAsync(h.Backend, "hello");
        (await h.ReceiveTextAsync(h.Client)).Should().Be("hello");

        h.Backend.Abort(); // resets the backend's connection: no close frame
        var atClient = await h.ReceiveCloseAsync(h.Client);
        await h.AnswerCloseAsync(h.Client);
        await h.CompletionAsync();

        atClient.Should().Be((ProxyCloseStatus.BadGateway, "Backend went away"));
        ((int)atClient.Status!).Should().Be(1014);
        h.Client.State.Should().Be(WebSocketState.Closed, "the client's close handshake completed");
        health.IsBreakerClosed(h.Time).Should().BeFalse("the backend vanishing from a live session counts as a failure of the backend");
        h.Logger.Collector.GetSnapshot().Should().Contain(r => r.Id.Id == EventIds.LegFailed && r.Message.Contains("backend"));
    }

    [Theory]
    [InlineData(Pump.Streaming)]
    [InlineData(Pump.Assembling)]
    public async Task RunAsync_ClientMessageOverMaximum_ClientGets1009_BackendGets1001(Pump pump)
    {
        await using var h = SessionHarness.Start(
            new RouteConfig { Path = "/ws", Cluster = "c", MaxMessageBytes = 16 },
            _ => Options(pump));
        await h.SendBinaryAsync(h.Client, 16);
        (await h.ReceiveMessageLengthAsync(h.Backend)).Should().Be(16, "a message at the maximum passes");

        await h.SendBinaryAsync(h.Client, 17);
        var atClient = await h.ReceiveCloseAsync(h.Client);
        var atBackend = await h.ReceiveCloseAsync(h.Backend); // the first frame after the 16 bytes: the 17 never arrive
        await h.AnswerCloseAsync(h.Backend);
        await h.AnswerCloseAsync(h.Client);
        await h.CompletionAsync();

        atClient.Should().Be((WebSocketCloseStatus.MessageTooBig, "Message too big"));
        atBackend.Should().Be((WebSocketCloseStatus.EndpointUnavailable, "Peer closed"));
        h.Client.State.Should().Be(WebSocketState.Closed);
        h.Backend.State.Should().Be(WebSocketState.Closed);
    }

    [Theory]
    [InlineData(Pump.Streaming)]
    [InlineData(Pump.Assembling)]
    public async Task RunAsync_ClientMessageOverItsDirectionsMaximum_OnlyThatDirectionIsLimited(Pump pump)
    {
        await using var h = SessionHarness.Start(
            new RouteConfig { Path = "/ws", Cluster = "c", MaxClientMessageBytes = 16 },
            _ => Options(pump));
        await h.SendBinaryAsync(h.Backend, 1000);
        (await h.ReceiveMessageLengthAsync(h.Client)).Should().Be(1000, "the backend's messages keep the route's general maximum");

        await h.SendBinaryAsync(h.Client, 17);
        var atClient = await h.ReceiveCloseAsync(h.Client);
        var atBackend = await h.ReceiveCloseAsync(h.Backend);
        await h.AnswerCloseAsync(h.Backend);
        await h.AnswerCloseAsync(h.Client);
        await h.CompletionAsync();

        atClient.Should().Be((WebSocketCloseStatus.MessageTooBig, "Message too big"));
        atBackend.Should().Be((WebSocketCloseStatus.EndpointUnavailable, "Peer closed"));
    }

    [Theory]
    [InlineData(Pump.Streaming)]
    [InlineData(Pump.Assembling)]
    public async Task RunAsync_BackendMessageOverItsMaximum_BackendGets1009_ClientGets1001(Pump pump)
    {
        await using var h = SessionHarness.Start(
            new RouteConfig { Path = "/ws", Cluster = "c", MaxBackendMessageBytes = 16 },
            _ => Options(pump));

        await h.SendBinaryAsync(h.Backend, 17);
        var atBackend = await h.ReceiveCloseAsync(h.Backend);
        var atClient = await h.ReceiveCloseAsync(h.Client); // the 17 bytes never arrive
        await h.AnswerCloseAsync(h.Backend);
        await h.AnswerCloseAsync(h.Client);
        await h.CompletionAsync();

        atBackend.Should().Be((WebSocketCloseStatus.MessageTooBig, "Message too big"));
        atClient.Should().Be((WebSocketCloseStatus.EndpointUnavailable, "Peer closed"));
        h.Client.State.Should().Be(WebSocketState.Closed);
        h.Backend.State.Should().Be(WebSocketState.Closed);
    }

    [Theory]
    [InlineData(Pump.Streaming, 10)]
    [InlineData(Pump.Assembling, 0)]
    public async Task RunAsync_FragmentedMessageGrowsOverMaximum_ClientGets1009(Pump pump, int bytesForwardedFirst)
    {
        await using var h = SessionHarness.Start(
            new RouteConfig { Path = "/ws", Cluster = "c", MaxMessageBytes = 16 },
            _ => Options(pump));

        // Each frame is under the maximum; the message is not.
        await h.Client.SendAsync(new byte[10], WebSocketMessageType.Binary, endOfMessage: false, h.Timeout);
        if (bytesForwardedFirst > 0)
        {
            // Streaming forwards frames as they come: the first one is already at the backend.
            var buffer = new byte[64];
            var first = await h.Backend.ReceiveAsync(buffer.AsMemory(), h.Timeout);
            first.Count.Should().Be(bytesForwardedFirst);
            first.EndOfMessage.Should().BeFalse();
        }

        await h.Client.SendAsync(new byte[10], WebSocketMessageType.Binary, endOfMessage: true, h.Timeout);
        var atClient = await h.ReceiveCloseAsync(h.Client);
        var atBackend = await h.ReceiveCloseAsync(h.Backend);
        await h.AnswerCloseAsync(h.Backend);
        await h.AnswerCloseAsync(h.Client);
        await h.CompletionAsync();

        atClient.Should().Be((WebSocketCloseStatus.MessageTooBig, "Message too big"));
        atBackend.Should().Be((WebSocketCloseStatus.EndpointUnavailable, "Peer closed"));
    }

    [Theory]
    [InlineData(Pump.Streaming)]
    [InlineData(Pump.Assembling)]
    public async Task RunAsync_MessageRateExceededWithClose_ClientGets1008_BackendGets1001(Pump pump)
    {
        var limit = new MessageRateLimitConfig { PermitsPerSecond = 1, Burst = 1, OnExceeded = ViolationAction.Close };
        await using var h = SessionHarness.Start(options: time => Options(pump) with
        {
            MessageLimits = new MessageRateLimiters(time).Create("r", limit, null, "user"),
        });
        await h.SendTextAsync(h.Client, "one");
        (await h.ReceiveTextAsync(h.Backend)).Should().Be("one", "the burst allows one message");

        await h.SendTextAsync(h.Client, "two"); // the fake clock stands still: no permit came back
        var atClient = await h.ReceiveCloseAsync(h.Client);
        var atBackend = await h.ReceiveCloseAsync(h.Backend); // 'two' never arrives
        await h.AnswerCloseAsync(h.Backend);
        await h.AnswerCloseAsync(h.Client);
        await h.CompletionAsync();

        atClient.Should().Be((WebSocketCloseStatus.PolicyViolation, "Message rate exceeded"));
        atBackend.Should().Be((WebSocketCloseStatus.EndpointUnavailable, "Peer closed"));
        h.Client.State.Should().Be(WebSocketState.Closed);
        h.Backend.State.Should().Be(WebSocketState.Closed);
    }

    [Fact]
    public async Task RunAsync_TransformerClosesWithPolicyViolation_ClientGets1008WithItsReason_BackendGets1001()
    {
        await using var h = SessionHarness.Start(options: _ => new SessionOptions
        {
            Pipeline = SessionHarness.Pipeline(static context => Encoding.UTF8.GetString(context.Payload.Span) == "forbidden"
                ? MessageTransformResult.Close(WebSocketCloseStatus.PolicyViolation, "not allowed here")
                : MessageTransformResult.Forward()),
        });
        await h.SendTextAsync(h.Client, "fine");
        (await h.ReceiveTextAsync(h.Backend)).Should().Be("fine");

        await h.SendTextAsync(h.Client, "forbidden");
        var atClient = await h.ReceiveCloseAsync(h.Client);
        var atBackend = await h.ReceiveCloseAsync(h.Backend);
        await h.AnswerCloseAsync(h.Backend);
        await h.AnswerCloseAsync(h.Client);
        await h.CompletionAsync();

        atClient.Should().Be((WebSocketCloseStatus.PolicyViolation, "not allowed here"));
        atBackend.Should().Be((WebSocketCloseStatus.EndpointUnavailable, "Peer closed"));
    }

    [Theory]
    [InlineData(Pump.Streaming)]
    [InlineData(Pump.Assembling)]
    public async Task RunAsync_SizeViolationRacesBackendMessage_LosingSendDoesNotAbort_ClientStillGets1009(Pump pump)
    {
        await using var h = SessionHarness.Start(
            new RouteConfig { Path = "/ws", Cluster = "c", MaxMessageBytes = 16 },
            _ => Options(pump));

        // The client's oversized message makes the proxy send 1009 to the client and 1001 to the backend.
        await h.SendBinaryAsync(h.Client, 17);
        var atBackend = await h.ReceiveCloseAsync(h.Backend);
        await h.WaitUntilAsync(() => h.ProxyClientLeg.State == WebSocketState.CloseSent, "the proxy sent its close frame to the client");

        // The backend, having read the close but not yet answered it, still sends a message: the proxy's send of it to
        // the client loses the race with its own close frame. The client has not read anything yet.
        await h.SendTextAsync(h.Backend, "late");
        await h.AnswerCloseAsync(h.Backend);
        await h.WaitUntilAsync(
            () => h.ProxyBackendLeg.State == WebSocketState.Closed || h.Running.IsCompleted,
            "the backend pump read on to the backend's close (or, wrongly, gave up)");

        var atClient = await h.ReceiveCloseAsync(h.Client); // a reset of the client leg would lose this frame
        await h.AnswerCloseAsync(h.Client);
        await h.CompletionAsync();

        atClient.Should().Be((WebSocketCloseStatus.MessageTooBig, "Message too big"), "the close frame survives: the client leg was not aborted");
        atBackend.Should().Be((WebSocketCloseStatus.EndpointUnavailable, "Peer closed"));
        h.Client.State.Should().Be(WebSocketState.Closed, "the client completed its close handshake");
        h.Backend.State.Should().Be(WebSocketState.Closed, "the backend completed its close handshake");
        h.ProxyClientLeg.State.Should().NotBe(WebSocketState.Aborted);
        h.Logger.Collector.GetSnapshot().Should().NotContain(r => r.Id.Id == EventIds.LegFailed, "losing that race is not a failure of the client");
    }

    [Fact]
    public async Task RunAsync_BackendNeverAnswersTheClose_CompletesAfterCloseTimeout()
    {
        await using var h = SessionHarness.Start();

        await h.Client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", h.Timeout);
        var atBackend = await h.ReceiveCloseAsync(h.Backend); // ...and the backend stays silent
        h.Running.IsCompleted.Should().BeFalse("the proxy waits for the backend's answer");
        var waited = await h.AdvanceUntilCompletedAsync(TimeSpan.FromSeconds(1));

        atBackend.Should().Be((WebSocketCloseStatus.NormalClosure, "done"));
        waited.Should().BeGreaterThanOrEqualTo(SessionHarness.CloseTimeout, "the run ends only when the close timeout has passed")
            .And.BeLessThan(SessionHarness.CloseTimeout * 6, "the close timeout runs on the session's clock, not the wall clock");
        h.Logger.Collector.GetSnapshot().Should().Contain(r => r.Id.Id == EventIds.CloseTimedOut);
        h.Session.Ended.IsCancellationRequested.Should().BeTrue();
    }

    [Fact]
    public async Task RunAsync_ClientNeverAnswersTheViolationClose_CompletesAfterCloseTimeout()
    {
        await using var h = SessionHarness.Start(new RouteConfig { Path = "/ws", Cluster = "c", MaxMessageBytes = 16 });

        await h.SendBinaryAsync(h.Client, 17);
        var atClient = await h.ReceiveCloseAsync(h.Client); // ...and the client stays silent
        var atBackend = await h.ReceiveCloseAsync(h.Backend);
        await h.AnswerCloseAsync(h.Backend);
        var waited = await h.AdvanceUntilCompletedAsync(TimeSpan.FromSeconds(1));

        atClient.Should().Be((WebSocketCloseStatus.MessageTooBig, "Message too big"));
        atBackend.Should().Be((WebSocketCloseStatus.EndpointUnavailable, "Peer closed"));
        waited.Should().BeGreaterThanOrEqualTo(SessionHarness.CloseTimeout)
            .And.BeLessThan(SessionHarness.CloseTimeout * 6, "the close timeout runs on the session's clock, not the wall clock");
    }

    [Theory]
    [InlineData(Pump.Streaming)]
    [InlineData(Pump.Assembling)]
    public async Task RunAsync_PumpHeldByADelayRateLimitWhenClosing_CompletesAfterCloseTimeout(Pump pump)
    {
        // One permit per 100 s: the second message holds the client pump in the limiter's wait.
        var limit = new MessageRateLimitConfig { PermitsPerSecond = 0.01, Burst = 1, OnExceeded = ViolationAction.Delay };
        await using var h = SessionHarness.Start(options: time => Options(pump) with
        {
            MessageLimits = new MessageRateLimiters(time).Create("r", limit, null, "user"),
        });
        await h.SendTextAsync(h.Client, "one");
        (await h.ReceiveTextAsync(h.Backend)).Should().Be("one");
        await h.SendTextAsync(h.Client, "two");

        h.Session.RequestClose(WebSocketCloseStatus.EndpointUnavailable, "Server shutting down", WebSocketCloseStatus.EndpointUnavailable, "Proxy shutting down");
        var atClient = await h.ReceiveCloseAsync(h.Client);
        var atBackend = await h.ReceiveCloseAsync(h.Backend); // 'two' is still held back
        await h.AnswerCloseAsync(h.Backend);
        var clientAnswer = h.AnswerCloseAsync(h.Client); // unread: the client pump is waiting for a permit
        var waited = await h.AdvanceUntilCompletedAsync(TimeSpan.FromSeconds(1));
        await clientAnswer.WaitAsync(h.Timeout);

        atClient.Should().Be((WebSocketCloseStatus.EndpointUnavailable, "Server shutting down"));
        atBackend.Should().Be((WebSocketCloseStatus.EndpointUnavailable, "Proxy shutting down"));
        waited.Should().BeGreaterThanOrEqualTo(SessionHarness.CloseTimeout)
            .And.BeLessThan(TimeSpan.FromSeconds(60), "the session ends after its close timeout, not when the next permit comes");
        h.Logger.Collector.GetSnapshot().Should().NotContain(r => r.Id.Id == EventIds.PumpFailed, "an ending session is not a pump failure");
    }

    [Fact]
    public async Task RunAsync_TransformerWaitingOnTheSessionWhenClosing_CompletesAfterCloseTimeout()
    {
        await using var h = SessionHarness.Start(options: _ => new SessionOptions { Pipeline = new MessagePipeline([new WaitingTransformer()]) });
        await h.SendTextAsync(h.Client, "hang"); // the transformer waits until the session's token is cancelled

        h.Session.RequestClose(WebSocketCloseStatus.EndpointUnavailable, "Server shutting down", WebSocketCloseStatus.EndpointUnavailable, "Proxy shutting down");
        var atClient = await h.ReceiveCloseAsync(h.Client);
        var atBackend = await h.ReceiveCloseAsync(h.Backend);
        await h.AnswerCloseAsync(h.Backend);
        var clientAnswer = h.AnswerCloseAsync(h.Client); // unread: the client pump is held in the transformer
        var waited = await h.AdvanceUntilCompletedAsync(TimeSpan.FromSeconds(1));
        await clientAnswer.WaitAsync(h.Timeout);

        atClient.Status.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
        atBackend.Status.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
        waited.Should().BeGreaterThanOrEqualTo(SessionHarness.CloseTimeout)
            .And.BeLessThan(SessionHarness.CloseTimeout * 6);
        h.Logger.Collector.GetSnapshot().Should().NotContain(r => r.Id.Id == EventIds.PumpFailed, "an ending session is not a pump failure");
    }

    private static SessionOptions Options(Pump pump)
        => pump == Pump.Assembling ? new SessionOptions { Pipeline = SessionHarness.PassThrough() } : new SessionOptions();

    private sealed class WaitingTransformer : IMessageTransformer
    {
        public async ValueTask<MessageTransformResult> TransformAsync(MessageTransformContext context, CancellationToken cancellationToken)
        {
            await Task.Delay(System.Threading.Timeout.InfiniteTimeSpan, cancellationToken);
            return MessageTransformResult.Forward();
        }
    }
}
