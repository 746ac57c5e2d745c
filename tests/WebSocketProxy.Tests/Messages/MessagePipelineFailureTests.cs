using System.Net.WebSockets;
using System.Text;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using WebSocketProxy.Configuration;
using WebSocketProxy.Messages;

namespace WebSocketProxy.Tests.Messages;

/// <summary>The time budget and failures over an in-memory socket pair: a transformer that throws or overruns closes its session with 1011 and is logged by name.</summary>
public sealed class MessagePipelineFailureTests
{
    [Fact]
    public async Task ThrowingTransformer_ClosesBothLegs1011_LogsItsName()
    {
        var ct = PipelineHarness.Timeout();
        await using var harness = PipelineHarness.Start(
            new RouteConfig { Transformers = ["fine", "boom"] },
            b => b
                .AddMessageTransformer("fine", static (_, _) => ValueTask.FromResult(MessageTransformResult.Forward()))
                .AddMessageTransformer("boom", static (context, _) => Encoding.UTF8.GetString(context.Payload.Span) == "explode"
                    ? throw new InvalidOperationException("kaput")
                    : ValueTask.FromResult(MessageTransformResult.Forward())));

        await harness.Client.SendTextAsync("ok", ct);
        (await harness.Backend.ReceiveTextAsync(ct)).Should().Be("ok");
        await harness.Client.SendTextAsync("explode", ct);

        (await harness.Client.ReceiveCloseAsync(ct)).Should().Be(WebSocketCloseStatus.InternalServerError);
        (await harness.Backend.ReceiveCloseAsync(ct)).Should().Be(WebSocketCloseStatus.InternalServerError);
        var failure = harness.Logs.GetSnapshot().Single(r => r.Id.Name == "TransformerFailed");
        failure.Level.Should().Be(LogLevel.Error);
        failure.Message.Should().Contain("'boom'");
        failure.Exception.Should().BeOfType<InvalidOperationException>();
    }

    [Fact]
    public async Task FaultedAsyncTransformer_ClosesBothLegs1011()
    {
        var ct = PipelineHarness.Timeout();
        await using var harness = PipelineHarness.Start(
            new RouteConfig { BackendToClientTransformers = ["late-boom"] },
            b => b.AddMessageTransformer("late-boom", static async (_, _) =>
            {
                await Task.Yield();
                throw new FormatException("bad");
            }));

        await harness.Backend.SendTextAsync("x", ct);

        (await harness.Backend.ReceiveCloseAsync(ct)).Should().Be(WebSocketCloseStatus.InternalServerError);
        (await harness.Client.ReceiveCloseAsync(ct)).Should().Be(WebSocketCloseStatus.InternalServerError);
        harness.Logs.GetSnapshot().Should().Contain(r => r.Id.Name == "TransformerFailed" && r.Message.Contains("'late-boom'"));
    }

    [Fact]
    public async Task HangingTransformer_OverrunsTheBudget_ClosesBothLegs1011AndIsAbandoned()
    {
        var ct = PipelineHarness.Timeout();
        var time = new FakeTimeProvider();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource<MessageTransformResult>(); // ignores its token: the budget must not depend on it
        await using var harness = PipelineHarness.Start(
            new RouteConfig { Transformers = ["hang"], TransformerTimeout = TimeSpan.FromMilliseconds(500) },
            b => b.AddMessageTransformer("hang", (_, _) =>
            {
                entered.TrySetResult();
                return new ValueTask<MessageTransformResult>(never.Task);
            }),
            timeProvider: time);

        await harness.Client.SendTextAsync("stuck", ct);
        await entered.Task.WaitAsync(ct);
        time.Advance(TimeSpan.FromMilliseconds(499));
        time.Advance(TimeSpan.FromMilliseconds(1));

        (await harness.Client.ReceiveCloseAsync(ct)).Should().Be(WebSocketCloseStatus.InternalServerError);
        (await harness.Backend.ReceiveCloseAsync(ct)).Should().Be(WebSocketCloseStatus.InternalServerError);
        var timedOut = harness.Logs.GetSnapshot().Single(r => r.Id.Name == "TransformerTimedOut");
        timedOut.Message.Should().Contain("'hang'").And.Contain("00:00:00.5");
        never.TrySetResult(MessageTransformResult.Forward()); // a late answer is ignored
        time.Advance(TimeSpan.FromSeconds(10)); // the close choreography's own timeouts run on the fake clock too
    }

    [Fact]
    public async Task AsyncTransformer_WithinBudget_ForwardsEveryMessage()
    {
        var ct = PipelineHarness.Timeout();
        await using var harness = PipelineHarness.Start(
            new RouteConfig { Transformers = ["slow"], TransformerTimeout = TimeSpan.FromSeconds(5) },
            b => b.AddMessageTransformer("slow", static async (context, token) =>
            {
                await Task.Delay(1, token);
                return MessageTransformResult.Forward(context.Payload.ToArray().Reverse().ToArray());
            }));

        for (var i = 0; i < 30; i++)
        {
            await harness.Client.SendTextAsync($"ab{i}", ct);
            (await harness.Backend.ReceiveTextAsync(ct)).Should().Be(new string($"ab{i}".Reverse().ToArray()));
        }
    }

    [Fact]
    public async Task InfiniteBudget_WaitsForTheTransformer()
    {
        var ct = PipelineHarness.Timeout();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var harness = PipelineHarness.Start(
            new RouteConfig { Transformers = ["gate"], TransformerTimeout = System.Threading.Timeout.InfiniteTimeSpan },
            b => b.AddMessageTransformer("gate", async (_, token) =>
            {
                await release.Task.WaitAsync(token);
                return MessageTransformResult.Forward();
            }));

        await harness.Client.SendTextAsync("waits", ct);
        release.SetResult();

        (await harness.Backend.ReceiveTextAsync(ct)).Should().Be("waits");
    }
}
