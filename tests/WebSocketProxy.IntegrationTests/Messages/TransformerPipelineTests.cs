using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using FluentAssertions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Configuration;
using WebSocketProxy.Testing;
using WebSocketProxy.Messages;

namespace WebSocketProxy.IntegrationTests.Messages;

/// <summary>The transformer pipeline through real Kestrel sockets: order per direction, every action, the time budget.</summary>
public sealed class TransformerPipelineTests
{
    [Fact]
    public async Task ConfiguredLists_RunInOrderPerDirection()
    {
        var ct = Ws.Timeout();
        var recorder = new RecordingBackend();
        await using var backend = await TestBackend.StartAsync(recorder.Handler);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Routes:r:Path"] = "/ws/{**rest}",
            ["Routes:r:Cluster"] = "c",
            ["Routes:r:Transformers:0"] = "JsonRedaction",
            ["Routes:r:ClientToBackendTransformers:0"] = "JsonEnvelope",
            ["Routes:r:BackendToClientTransformers:0"] = "JsonEnvelope",
            ["Routes:r:BackendToClientTransformers:1"] = "tag",
            ["Routes:r:TransformerSettings:JsonRedaction:Paths"] = "$..password",
            ["Clusters:c:Backends:b:Address"] = backend.WsUri().ToString(),
        }).Build();
        await using var gateway = await TestGateway.StartAsync(
            o => configuration.Bind(o),
            s => s.AddWebSocketProxy().AddMessageTransformer("tag", static (context, _) =>
                ValueTask.FromResult(MessageTransformResult.Forward(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(context.Payload.Span) + "|tagged")))));
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);

        await client.SendTextAsync("""{"password":"p","n":1}""", ct);

        var back = (await client.ReceiveMessageAsync(ct)).Text;
        back.Should().EndWith("|tagged");
        var atBackend = JsonDocument.Parse(back[..^"|tagged".Length]).RootElement;
        atBackend.GetProperty("password").GetString().Should().Be("***", "both-direction redaction, envelope unwrapped on the way back, then tagged");
        var seen = recorder.Messages.Single();
        var envelope = JsonDocument.Parse(seen.Data).RootElement;
        envelope.GetProperty("data").GetRawText().Should().Be("""{"password":"***","n":1}""", "redaction ran before the client→backend envelope");
        envelope.GetProperty("meta").GetProperty("route").GetString().Should().Be("r");
    }

    [Fact]
    public async Task EveryAction_OnRealSockets()
    {
        var ct = Ws.Timeout();
        var recorder = new RecordingBackend();
        await using var backend = await TestBackend.StartAsync(recorder.Handler);
        await using var gateway = await TestGateway.StartAsync(
            _ => { },
            s => s.AddWebSocketProxy().AddMessageTransformer("actions", static (context, _) =>
            {
                var text = Encoding.UTF8.GetString(context.Payload.Span);
                switch (text)
                {
                    case "drop":
                        return ValueTask.FromResult(MessageTransformResult.Drop());
                    case "reply":
                        return ValueTask.FromResult(MessageTransformResult.Reply("replied"u8.ToArray()));
                    case "extra":
                        context.SendToClient("extra-to-client"u8.ToArray());
                        context.SendToBackend("extra-to-backend"u8.ToArray());
                        return ValueTask.FromResult(MessageTransformResult.Forward());
                    case "binary":
                        return ValueTask.FromResult(MessageTransformResult.Forward(new byte[] { 0xB1 }, WebSocketMessageType.Binary));
                    case "close":
                        return ValueTask.FromResult(MessageTransformResult.Close((WebSocketCloseStatus)4000, "closed by transformer"));
                    default:
                        return ValueTask.FromResult(MessageTransformResult.Forward(Encoding.UTF8.GetBytes(text.ToUpperInvariant())));
                }
            }),
            app => app.MapWebSocketProxy("/t", r => r.ToBackends(backend.WsUri().ToString()).WithTransformer("actions", MessageDirection.ClientToBackend)));
        using var client = await Ws.ConnectAsync(gateway.Ws("/t"), ct);

        await client.SendTextAsync("drop", ct);
        await client.SendTextAsync("reply", ct);
        (await client.ReceiveMessageAsync(ct)).Text.Should().Be("replied");
        await client.SendTextAsync("extra", ct);
        (await client.ReceiveMessageAsync(ct)).Text.Should().Be("extra-to-client");
        (await client.ReceiveMessageAsync(ct)).Text.Should().Be("extra-to-backend", "echoed by the backend, which got it before the message");
        (await client.ReceiveMessageAsync(ct)).Text.Should().Be("extra");
        await client.SendTextAsync("binary", ct);
        var binary = await client.ReceiveMessageAsync(ct);
        binary.Type.Should().Be(WebSocketMessageType.Binary);
        binary.Data.Should().Equal(0xB1);
        await client.SendTextAsync("hello", ct);
        (await client.ReceiveMessageAsync(ct)).Text.Should().Be("HELLO", "backend→client has no transformer: the echo passes unchanged");
        recorder.Messages.Select(m => m.Type == WebSocketMessageType.Text ? m.Text : "<binary>").Should().Equal("extra-to-backend", "extra", "<binary>", "HELLO");

        await client.SendTextAsync("close", ct);
        var close = await client.ReceiveCloseAsync(ct);
        close.CloseStatus.Should().Be((WebSocketCloseStatus)4000);
        close.CloseDescription.Should().Be("closed by transformer");
        (await backend.FirstClose.Task.WaitAsync(ct))!.Value.Status.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
    }

    [Fact]
    public async Task ThrowingTransformer_Closes1011_OtherSessionsAndTheProcessUnaffected()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(
            backend.WsUri(),
            route: r => r with { Transformers = ["fragile"] },
            services: s => s.AddWebSocketProxy().AddMessageTransformer("fragile", static (context, _) =>
                context.Payload.Span.SequenceEqual("boom"u8) ? throw new InvalidOperationException("transformer bug") : ValueTask.FromResult(MessageTransformResult.Forward())));
        using var victim = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
        using var bystander = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);

        await victim.SendTextAsync("boom", ct);
        var close = await victim.ReceiveCloseAsync(ct);

        close.CloseStatus.Should().Be(WebSocketCloseStatus.InternalServerError);
        (await backend.FirstClose.Task.WaitAsync(ct))!.Value.Status.Should().Be(WebSocketCloseStatus.InternalServerError);
        await bystander.SendTextAsync("still here", ct);
        (await bystander.ReceiveMessageAsync(ct)).Text.Should().Be("still here");
        using var newcomer = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
        await newcomer.SendTextAsync("new", ct);
        (await newcomer.ReceiveMessageAsync(ct)).Text.Should().Be("new");
    }

    [Fact]
    public async Task HangingTransformer_Closes1011AfterTheBudget_OtherSessionsKeepFlowing()
    {
        var ct = Ws.Timeout();
        var hung = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(
            backend.WsUri(),
            route: r => r with { Transformers = ["sticky"], TransformerTimeout = TimeSpan.FromMilliseconds(300) },
            services: s => s.AddWebSocketProxy().AddMessageTransformer("sticky", async (context, _) =>
            {
                if (context.Payload.Span.SequenceEqual("hang"u8))
                {
                    hung.TrySetResult();
                    await Task.Delay(Timeout.Infinite, CancellationToken.None); // ignores the session's token on purpose
                }

                return MessageTransformResult.Forward();
            }));
        using var victim = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
        using var bystander = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);

        await victim.SendTextAsync("hang", ct);
        await hung.Task.WaitAsync(ct);
        await bystander.SendTextAsync("flowing", ct);
        (await bystander.ReceiveMessageAsync(ct)).Text.Should().Be("flowing", "a hung transformer blocks only its own session");
        var close = await victim.ReceiveCloseAsync(ct);

        close.CloseStatus.Should().Be(WebSocketCloseStatus.InternalServerError);
        (await backend.FirstClose.Task.WaitAsync(ct))!.Value.Status.Should().Be(WebSocketCloseStatus.InternalServerError);
        await bystander.SendTextAsync("after", ct);
        (await bystander.ReceiveMessageAsync(ct)).Text.Should().Be("after");
    }
}
