using System.Net.WebSockets;
using FluentAssertions;
using WebSocketProxy.Configuration;
using WebSocketProxy.Messages;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Messages;

/// <summary>Built-in payload validation: invalid JSON (1007), schema violations, denied patterns (1008), drop with notice.</summary>
public sealed class MessageValidationTests
{
    private const string Schema = """
        { "type": "object", "required": ["type"], "properties": { "type": { "enum": ["chat", "ping"] }, "text": { "type": "string", "maxLength": 20 } } }
        """;

    [Fact]
    public async Task RequireJson_InvalidJson1007_BackendSawOnlyValid()
    {
        var ct = Ws.Timeout();
        var counter = new CountingBackend();
        await using var backend = await TestBackend.StartAsync(CountingBackend.Create(counter, echo: true));
        await using var gateway = await TestGateway.StartAsync(backend.WsUri(), route: r => r with { MessageValidation = new MessageValidationConfig { RequireJson = true } });
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);

        await client.SendTextAsync("""{"ok":true}""", ct);
        (await client.ReceiveMessageAsync(ct)).Text.Should().Be("""{"ok":true}""");
        await client.SendTextAsync("""{"ok":tru""", ct);

        (await client.ReceiveCloseAsync(ct)).CloseStatus.Should().Be(WebSocketCloseStatus.InvalidPayloadData);
        (await backend.FirstClose.Task.WaitAsync(ct))!.Value.Status.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
        counter.Texts.Should().Equal("""{"ok":true}""");
    }

    [Fact]
    public async Task JsonSchema_DropWithNotice_InvalidDroppedValidForwarded()
    {
        var ct = Ws.Timeout();
        var counter = new CountingBackend();
        await using var backend = await TestBackend.StartAsync(CountingBackend.Create(counter, echo: true));
        await using var gateway = await TestGateway.StartAsync(backend.WsUri(), route: r => r with
        {
            MessageValidation = new MessageValidationConfig { JsonSchema = Schema, OnInvalid = ViolationAction.DropWithNotice },
        });
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);

        await client.SendTextAsync("""{"type":"admin","text":"x"}""", ct);
        (await client.ReceiveMessageAsync(ct)).Text.Should().Be("""{"type":"message.rejected","reason":"schema_violation"}""");
        await client.SendTextAsync("not json", ct);
        (await client.ReceiveMessageAsync(ct)).Text.Should().Be("""{"type":"message.rejected","reason":"invalid_json"}""");
        await client.SendTextAsync("""{"type":"chat","text":"hello"}""", ct);
        (await client.ReceiveMessageAsync(ct)).Text.Should().Be("""{"type":"chat","text":"hello"}""");

        counter.Texts.Should().Equal("""{"type":"chat","text":"hello"}""");
    }

    [Fact]
    public async Task DenyPatterns_Match1008_BackendNeverSawIt()
    {
        var ct = Ws.Timeout();
        var counter = new CountingBackend();
        await using var backend = await TestBackend.StartAsync(CountingBackend.Create(counter, echo: true));
        await using var gateway = await TestGateway.StartAsync(backend.WsUri(), route: r => r with
        {
            MessageValidation = new MessageValidationConfig { DenyPatterns = ["(?i)drop\\s+table", "<script"] },
        });
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);

        await client.SendTextAsync("select 1", ct);
        (await client.ReceiveMessageAsync(ct)).Text.Should().Be("select 1");
        await client.SendTextAsync("x; DROP   TABLE users", ct);

        (await client.ReceiveCloseAsync(ct)).CloseStatus.Should().Be(WebSocketCloseStatus.PolicyViolation);
        counter.Texts.Should().Equal("select 1");

        using var next = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
        await next.SendTextAsync("fine", ct);
        (await next.ReceiveMessageAsync(ct)).Text.Should().Be("fine");
    }
}
