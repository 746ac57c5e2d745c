using System.Runtime.CompilerServices;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Testing;
using WebSocketProxy.Llm;
using static WebSocketProxy.IntegrationTests.Llm.LlmTestClient;

namespace WebSocketProxy.IntegrationTests.Llm;

/// <summary>User stages composed like ChatClientBuilder: first added is outermost; a stage rewrites, refuses or transforms.</summary>
public sealed class LlmStageTests
{
    [Fact]
    public async Task RedactionStage_RewritesPromptAndAnswer_OrderIsFirstAddedOutermost()
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.Replay(LoopbackUpstream.OpenAIChatStream(["Call ", "555-1234", " now"]), "text/event-stream", [64]));
        var order = new List<string>();
        await using var gateway = await StartGatewayAsync(
            o => AddProvider(o, "openai", upstream.BaseUrl + "/v1"),
            services: s => s.AddWebSocketProxy()
                .UseLlmStage((inner, _) => new RedactingAdapter(inner, "outer", order))
                .UseLlmStage((inner, _) => new RedactingAdapter(inner, "inner", order)));
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1", content: "my number is 555-1234"), ct);
        var frames = await client.ReceiveUntilTerminalAsync(ct);

        upstream.Requests.Single().Body.Should().Contain("[phone]").And.NotContain("555-1234");
        Text(frames).Should().Be("Call [phone] now");
        order.Should().Equal("outer", "inner");
    }

    [Fact]
    public async Task ModerationStage_Refuses_BadRequestWithoutProviderCall()
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse"));
        await using var gateway = await StartGatewayAsync(
            o => AddProvider(o, "openai", upstream.BaseUrl + "/v1"),
            services: s => s.AddWebSocketProxy().UseLlmStage((inner, _) => new ModeratingAdapter(inner)));
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1", content: "forbidden topic"), ct);
        var error = (await client.ReceiveUntilTerminalAsync(ct)).Single();

        ErrorCode(error).Should().Be("bad_request");
        upstream.Requests.Should().BeEmpty();
    }

    private sealed class RedactingAdapter(ILlmStreamAdapter inner, string name, List<string> order) : ILlmStreamAdapter
    {
        public async IAsyncEnumerable<LlmStreamEvent> StreamAsync(LlmRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            lock (order)
            {
                order.Add(name);
            }

            var redacted = new LlmRequest
            {
                ProviderName = request.ProviderName,
                Provider = request.Provider,
                Model = request.Model,
                Messages = [.. request.Messages.Select(m => m with { Content = m.Content.Replace("555-1234", "[phone]", StringComparison.Ordinal) })],
                MaxTokens = request.MaxTokens,
            };
            await foreach (var item in inner.StreamAsync(redacted, cancellationToken))
            {
                yield return item.Kind == LlmStreamEventKind.Delta && item.Part == LlmPartType.Text
                    ? LlmStreamEvent.Delta(LlmPartType.Text, item.PartId, item.Text!.Replace("555-1234", "[phone]", StringComparison.Ordinal))
                    : item;
            }
        }
    }

    private sealed class ModeratingAdapter(ILlmStreamAdapter inner) : ILlmStreamAdapter
    {
        public IAsyncEnumerable<LlmStreamEvent> StreamAsync(LlmRequest request, CancellationToken cancellationToken)
            => request.Messages.Any(m => m.Content.Contains("forbidden", StringComparison.Ordinal))
                ? throw new LlmUpstreamException("Refused by moderation.") { StatusCode = 400, ProviderCode = "moderation" }
                : inner.StreamAsync(request, cancellationToken);
    }
}
