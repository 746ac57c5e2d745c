using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Llm;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Llm;

/// <summary>A client speaking <c>llm.v1</c> to a gateway, and the gateway set-up the LLM tests share.</summary>
public sealed class LlmTestClient : IDisposable
{
    private LlmTestClient(ClientWebSocket socket)
    {
        Socket = socket;
    }

    public ClientWebSocket Socket { get; }

    public static Task<TestGateway> StartGatewayAsync(Action<LlmOptions> configure, Action<LlmRouteBuilder>? route = null, Action<IServiceCollection>? services = null)
        => TestGateway.StartAsync(
            _ => { },
            s =>
            {
                s.AddWebSocketProxy().AddLlm(configure);
                services?.Invoke(s);
            },
            app => app.MapLlmWebSocket("/llm", route ?? (_ => { })));

    /// <summary>Adds an OpenAI-compatible provider pointing at the loopback upstream.</summary>
    public static void AddProvider(LlmOptions options, string name, string baseUrl, string type = LlmAdapterNames.OpenAIChat, params string[] models)
        => options.Providers[name] = new LlmProviderConfig { Type = type, BaseUrl = baseUrl, ApiKey = "sk-" + name, Models = models };

    public static async Task<LlmTestClient> ConnectAsync(TestGateway gateway, CancellationToken cancellationToken)
    {
        var socket = await Ws.ConnectAsync(gateway.Ws("/llm"), cancellationToken, o => o.AddSubProtocol("llm.v1"));
        return new LlmTestClient(socket);
    }

    public static string Request(string id, string model = "m", string content = "Hello", string? options = null)
        => $$"""{"type":"chat.request","id":"{{id}}","model":"{{model}}","messages":[{"role":"user","content":"{{content}}"}]{{(options is null ? "" : ",\"options\":" + options)}}}""";

    public Task SendAsync(string json, CancellationToken cancellationToken) => Socket.SendTextAsync(json, cancellationToken);

    public Task CancelAsync(string id, CancellationToken cancellationToken) => SendAsync($$"""{"type":"chat.cancel","id":"{{id}}"}""", cancellationToken);

    public async Task<JsonElement> ReceiveAsync(CancellationToken cancellationToken)
    {
        var message = await Socket.ReceiveMessageAsync(cancellationToken);
        if (message.Type == WebSocketMessageType.Close)
        {
            throw new InvalidOperationException($"The gateway closed the socket: {message.CloseStatus} {message.CloseDescription}");
        }

        using var document = JsonDocument.Parse(message.Data);
        return document.RootElement.Clone();
    }

    /// <summary>Receives frames until <paramref name="terminals"/> terminal frames arrived; returns every frame in order.</summary>
    public async Task<List<JsonElement>> ReceiveUntilTerminalsAsync(int terminals, CancellationToken cancellationToken)
    {
        var frames = new List<JsonElement>();
        var seen = 0;
        while (seen < terminals)
        {
            var frame = await ReceiveAsync(cancellationToken);
            frames.Add(frame);
            if (IsTerminal(frame))
            {
                seen++;
            }
        }

        return frames;
    }

    public Task<List<JsonElement>> ReceiveUntilTerminalAsync(CancellationToken cancellationToken) => ReceiveUntilTerminalsAsync(1, cancellationToken);

    public static bool IsTerminal(JsonElement frame) => Type(frame) is "chat.completed" or "chat.cancelled" or "chat.error";

    public static string Type(JsonElement frame) => frame.GetProperty("type").GetString()!;

    /// <summary>The answer's text: the <c>text</c> parts' deltas (reasoning, refusal and tool-call frames are not answer text).</summary>
    public static string Text(IEnumerable<JsonElement> frames)
        => string.Concat(frames.Where(f => Type(f) == "chat.delta" && Part(f) == "text").Select(f => f.GetProperty("text").GetString()));

    /// <summary>The text of one part type's deltas (<c>reasoning</c>, <c>refusal</c>) or a tool call's arguments (<c>tool_call</c>).</summary>
    public static string PartText(IEnumerable<JsonElement> frames, string part)
        => string.Concat(frames.Where(f => Type(f) == "chat.delta" && Part(f) == part)
            .Select(f => f.TryGetProperty("text", out var text) ? text.GetString() : f.GetProperty("arguments").GetString()));

    /// <summary>The <c>part</c> of a delta (<c>text</c> when the frame has none).</summary>
    public static string Part(JsonElement frame) => frame.TryGetProperty("part", out var part) ? part.GetString()! : "text";

    /// <summary>The error code of a <c>chat.error</c> frame.</summary>
    public static string ErrorCode(JsonElement frame) => frame.GetProperty("error").GetProperty("code").GetString()!;

    public void Dispose() => Socket.Dispose();
}
