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

    [Fact]
    public async Task RequestStage_CustomQuota_RefusesBeforeBudgetWithoutProviderCallOrCooldown_SeesUsageAfterNext()
    {
        var ct = Ws.Timeout();
        await using var primary = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse"));
        await using var backup = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse"));
        var quota = new RequestQuota(allowed: 1);
        await using var gateway = await StartGatewayAsync(
            o =>
            {
                AddProvider(o, "primary", primary.BaseUrl + "/v1");
                AddProvider(o, "backup", backup.BaseUrl + "/v1");
                o.Budgets = new LlmBudgetConfig { RequestsPerMinute = 2 };
            },
            r => r.UseProviders("primary", "backup"),
            s => s.AddWebSocketProxy().UseLlmRequestStage(quota.InvokeAsync));
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1"), ct);
        var first = await client.ReceiveUntilTerminalAsync(ct);
        await client.SendAsync(Request("r2"), ct);
        var refused = (await client.ReceiveUntilTerminalAsync(ct)).Single();
        quota.Reset();
        await client.SendAsync(Request("r3"), ct);
        var third = await client.ReceiveUntilTerminalAsync(ct);
        await LlmSecurityTests.WaitUntilAsync(() => quota.Seen.Count == 2, ct); // the stage reads the outcome after the terminal frame went out

        Type(first[^1]).Should().Be("chat.completed");
        quota.Seen.Should().Equal(("completed", 15L), ("completed", 15L));
        ErrorCode(refused).Should().Be("rate_limited");
        refused.GetProperty("error").GetProperty("message").GetString().Should().Be("Your team's daily quota is used up.");
        refused.GetProperty("error").GetProperty("retryAfterMs").GetInt64().Should().Be(30_000);
        Type(third[^1]).Should().Be("chat.completed", "the refusal took nothing from the 2-requests-per-minute budget");
        third.First(f => Type(f) == "chat.started").GetProperty("provider").GetString().Should().Be("primary", "a stage's refusal cools no deployment down and falls back to nothing");
        primary.Requests.Should().HaveCount(2);
        backup.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task RequestStages_RedactionBeforeCacheKeyAndProvider_FirstAddedRunsFirst()
    {
        var ct = Ws.Timeout();
        await using var upstream = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse"));
        var order = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var gateway = await StartGatewayAsync(
            o =>
            {
                AddProvider(o, "openai", upstream.BaseUrl + "/v1");
                o.Cache = new LlmCacheConfig { Enabled = true };
            },
            services: s => s.AddWebSocketProxy()
                .UseLlmRequestStage(async (context, next) =>
                {
                    order.Enqueue("redact");
                    context.Messages = [.. context.Messages.Select(m => m with { Content = System.Text.RegularExpressions.Regex.Replace(m.Content, "[0-9]{3}-[0-9]{4}", "[phone]") })];
                    await next(context);
                })
                .UseLlmRequestStage((context, next) =>
                {
                    order.Enqueue("audit:" + context.Messages[^1].Content);
                    return next(context);
                }));
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1", content: "call 555-1234", options: """{"temperature":0}"""), ct);
        var first = await client.ReceiveUntilTerminalAsync(ct);
        await client.SendAsync(Request("r2", content: "call 555-9876", options: """{"temperature":0}"""), ct);
        var second = await client.ReceiveUntilTerminalAsync(ct);

        upstream.Requests.Should().ContainSingle().Which.Body.Should().Contain("call [phone]").And.NotContain("555-");
        first[0].GetProperty("cache").GetString().Should().Be("miss");
        second[0].GetProperty("cache").GetString().Should().Be("hit", "both prompts are the same once redacted, and the cache key is taken after the stage");
        order.Should().Equal("redact", "audit:call [phone]", "redact", "audit:call [phone]");
    }

    /// <summary>The README's custom quota: one request per user until reset, charged with what each request really used.</summary>
    private sealed class RequestQuota(int allowed)
    {
        private int _used;

        public System.Collections.Concurrent.ConcurrentQueue<(string Outcome, long Tokens)> Seen { get; } = new();

        public void Reset() => Interlocked.Exchange(ref _used, 0);

        public async ValueTask InvokeAsync(LlmRequestContext context, LlmRequestDelegate next)
        {
            if (Interlocked.Increment(ref _used) > allowed)
            {
                context.Refuse(LlmErrorCodes.RateLimited, "Your team's daily quota is used up.", TimeSpan.FromSeconds(30));
                return;
            }

            await next(context);
            Seen.Enqueue((context.Outcome!, context.Usage?.TotalTokens ?? 0));
        }
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
