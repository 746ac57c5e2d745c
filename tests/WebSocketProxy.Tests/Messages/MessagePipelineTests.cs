using System.Net.WebSockets;
using System.Text;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using WebSocketProxy.Configuration;
using WebSocketProxy.Messages;

namespace WebSocketProxy.Tests.Messages;

/// <summary>The pipeline over an in-memory socket pair: order per direction, settings, extra messages, the time budget and failures.</summary>
public sealed class MessagePipelineTests
{
    /// <summary>Appends "|" + its <c>Tag</c> setting to every text message: shows order and per-entry settings.</summary>
    private static void AddTagger(IWebSocketProxyBuilder builder) => builder.AddMessageTransformerFactory("tag", static (_, settings) =>
    {
        var tag = settings.GetRequiredString("Tag");
        return new DelegateTransformer((context, _) =>
        {
            var writer = context.CreatePayloadWriter();
            writer.Write(context.Payload.Span);
            writer.Write(Encoding.UTF8.GetBytes("|" + tag));
            return ValueTask.FromResult(MessageTransformResult.Forward(writer.WrittenMemory));
        });
    });

    private static IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Tags(params string[] names)
    {
        var settings = new Dictionary<string, IReadOnlyDictionary<string, string>>();
        foreach (var name in names)
        {
            settings[name] = new Dictionary<string, string> { ["Type"] = "tag", ["Tag"] = name };
        }

        return settings;
    }

    [Fact]
    public async Task Lists_BothThenDirection_RunInOrderWithTheirOwnSettings()
    {
        var ct = PipelineHarness.Timeout();
        await using var harness = PipelineHarness.Start(
            new RouteConfig
            {
                Transformers = ["a", "b"],
                ClientToBackendTransformers = ["up"],
                BackendToClientTransformers = ["down1", "down2"],
                TransformerSettings = Tags("a", "b", "up", "down1", "down2"),
            },
            AddTagger);

        await harness.Client.SendTextAsync("m", ct);
        (await harness.Backend.ReceiveTextAsync(ct)).Should().Be("m|a|b|up");
        await harness.Backend.SendTextAsync("r", ct);
        (await harness.Client.ReceiveTextAsync(ct)).Should().Be("r|a|b|down1|down2");

        // The pooled payload buffers are reused message after message.
        for (var i = 0; i < 20; i++)
        {
            await harness.Client.SendTextAsync($"n{i}", ct);
            (await harness.Backend.ReceiveTextAsync(ct)).Should().Be($"n{i}|a|b|up");
        }
    }

    [Fact]
    public async Task OneDirectionOnly_OtherDirectionPassesUnchanged()
    {
        var ct = PipelineHarness.Timeout();
        await using var harness = PipelineHarness.Start(
            new RouteConfig { BackendToClientTransformers = ["x"], TransformerSettings = Tags("x") },
            AddTagger);

        await harness.Client.SendTextAsync("up", ct);
        (await harness.Backend.ReceiveTextAsync(ct)).Should().Be("up");
        await harness.Backend.SendTextAsync("down", ct);
        (await harness.Client.ReceiveTextAsync(ct)).Should().Be("down|x");
    }

    [Fact]
    public async Task ExtraMessages_ToEitherSide_SentInOrderBeforeTheMessage()
    {
        var ct = PipelineHarness.Timeout();
        await using var harness = PipelineHarness.Start(
            new RouteConfig { ClientToBackendTransformers = ["extras"] },
            b => b.AddMessageTransformer("extras", static (context, _) =>
            {
                var text = Encoding.UTF8.GetString(context.Payload.Span);
                context.SendToClient(Encoding.UTF8.GetBytes("ack:" + text));
                context.SendToBackend(Encoding.UTF8.GetBytes("before:" + text));
                context.SendToBackend(new byte[] { 1, 2 }, WebSocketMessageType.Binary);
                return ValueTask.FromResult(text switch
                {
                    "drop" => MessageTransformResult.Drop(),
                    "close" => MessageTransformResult.Close(WebSocketCloseStatus.PolicyViolation, "bye"),
                    _ => MessageTransformResult.Forward(),
                });
            }));

        await harness.Client.SendTextAsync("hello", ct);
        (await harness.Client.ReceiveTextAsync(ct)).Should().Be("ack:hello");
        (await harness.Backend.ReceiveTextAsync(ct)).Should().Be("before:hello");
        (await harness.Backend.ReceiveWholeAsync(ct)).Should().Match<(WebSocketMessageType Type, byte[] Data)>(m => m.Type == WebSocketMessageType.Binary && m.Data.SequenceEqual(new byte[] { 1, 2 }));
        (await harness.Backend.ReceiveTextAsync(ct)).Should().Be("hello");

        await harness.Client.SendTextAsync("drop", ct);
        (await harness.Client.ReceiveTextAsync(ct)).Should().Be("ack:drop", "extra messages go out even when the message is dropped");
        (await harness.Backend.ReceiveTextAsync(ct)).Should().Be("before:drop");
        (await harness.Backend.ReceiveWholeAsync(ct)).Type.Should().Be(WebSocketMessageType.Binary);

        await harness.Client.SendTextAsync("close", ct);
        (await harness.Client.ReceiveTextAsync(ct)).Should().Be("ack:close", "a transformer can explain a close");
        (await harness.Client.ReceiveCloseAsync(ct)).Should().Be(WebSocketCloseStatus.PolicyViolation);
        (await harness.Backend.ReceiveTextAsync(ct)).Should().Be("before:close");
    }

    [Fact]
    public void SubprotocolSetting_EntryRunsOnlyForThatClientSubprotocol()
    {
        var pipeline = PipelineHarness.Pipeline(
            new RouteConfig
            {
                Transformers = ["always", "only-v2"],
                TransformerSettings = new Dictionary<string, IReadOnlyDictionary<string, string>>
                {
                    ["always"] = new Dictionary<string, string> { ["Type"] = "tag", ["Tag"] = "always" },
                    ["only-v2"] = new Dictionary<string, string> { ["Type"] = "tag", ["Tag"] = "v2", ["Subprotocol"] = "chat.v2" },
                },
            },
            AddTagger);

        pipeline.ClientToBackend.Select(s => s.Name).Should().Equal("always");
        pipeline.ForSubprotocol("CHAT.V2").ClientToBackend.Select(s => s.Name).Should().Equal("always", "only-v2");
        pipeline.ForSubprotocol("chat.v2").BackendToClient.Select(s => s.Name).Should().Equal("always", "only-v2");
        pipeline.ForSubprotocol("chat.v1").ClientToBackend.Select(s => s.Name).Should().Equal("always");
    }

    [Fact]
    public void Validation_EveryProblemNamedByItsKey()
    {
        var errors = PipelineHarness.Errors(
            new RouteConfig
            {
                Transformers = ["nope", ""],
                ClientToBackendTransformers = ["inst"],
                BackendToClientTransformers = ["bad-tag", "typo"],
                TransformerTimeout = TimeSpan.Zero,
                TransformerSettings = new Dictionary<string, IReadOnlyDictionary<string, string>>
                {
                    ["inst"] = new Dictionary<string, string> { ["Color"] = "red" },
                    ["bad-tag"] = new Dictionary<string, string> { ["Type"] = "tag" },
                    ["typo"] = new Dictionary<string, string> { ["Type"] = "tag", ["Tag"] = "t", ["Tga"] = "x" },
                    ["unused"] = new Dictionary<string, string> { ["Type"] = "tag" },
                },
            },
            b =>
            {
                AddTagger(b);
                b.AddMessageTransformer("inst", static (_, _) => ValueTask.FromResult(MessageTransformResult.Forward()));
            });

        errors.Should().Contain(e => e.StartsWith("WebSocketProxy:Routes:r:Transformers:0 refers to unknown transformer 'nope'", StringComparison.Ordinal));
        errors.Should().Contain("WebSocketProxy:Routes:r:Transformers:1 is empty: name a transformer.");
        errors.Should().Contain(e => e.StartsWith("WebSocketProxy:Routes:r:TransformerSettings:inst has settings, but transformer 'inst' is registered as an instance", StringComparison.Ordinal));
        errors.Should().Contain("WebSocketProxy:Routes:r:TransformerSettings:bad-tag:Tag is required.");
        errors.Should().Contain("WebSocketProxy:Routes:r:TransformerSettings:typo:Tga is not a setting of transformer 'tag'.");
        errors.Should().Contain("WebSocketProxy:Routes:r:TransformerSettings:unused is not used: no transformer list of the route names it.");
        errors.Should().Contain("WebSocketProxy:Routes:r:TransformerTimeout must be positive, or -00:00:00.001 (infinite) to disable it.");
        errors.Should().HaveCount(7);
    }

    [Fact]
    public void NoTransformers_EmptyPipeline_StreamingPath()
    {
        var pipeline = PipelineHarness.Pipeline(new RouteConfig());

        pipeline.Should().BeSameAs(MessagePipeline.Empty);
        pipeline.IsEmpty.Should().BeTrue();
    }

    [Fact]
    public void EntryInSeveralLists_BuiltOnce()
    {
        var built = 0;
        var pipeline = PipelineHarness.Pipeline(
            new RouteConfig { Transformers = ["counted"], ClientToBackendTransformers = ["counted"] },
            b => b.AddMessageTransformerFactory("counted", (_, _) =>
            {
                Interlocked.Increment(ref built);
                return new DelegateTransformer(static (_, _) => ValueTask.FromResult(MessageTransformResult.Forward()));
            }));

        built.Should().Be(1);
        pipeline.ClientToBackend.Should().HaveCount(2);
        pipeline.ClientToBackend[0].Transformer.Should().BeSameAs(pipeline.ClientToBackend[1].Transformer);
    }

    private sealed class DelegateTransformer(Func<MessageTransformContext, CancellationToken, ValueTask<MessageTransformResult>> transform) : IMessageTransformer
    {
        public ValueTask<MessageTransformResult> TransformAsync(MessageTransformContext context, CancellationToken cancellationToken) => transform(context, cancellationToken);
    }
}
