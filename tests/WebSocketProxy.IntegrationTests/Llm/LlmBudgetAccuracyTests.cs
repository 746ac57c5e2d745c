using System.Text;
using System.Text.Json;
using FluentAssertions;
using Microsoft.AspNetCore.Http;
using Microsoft.ML.Tokenizers;
using WebSocketProxy.Testing;
using WebSocketProxy.Llm;
using static WebSocketProxy.IntegrationTests.Llm.LlmTestClient;

namespace WebSocketProxy.IntegrationTests.Llm;

/// <summary>Defect 7: 20 concurrent CJK requests against one token budget; the provider reports what it really counted.</summary>
public sealed class LlmBudgetAccuracyTests(ITestOutputHelper output)
{
    private const string Prompt = "東京は日本の首都であり、世界で最も人口の多い都市圏の一つです。経済、文化、政治の中心地として知られています。日本語で短く要約してください。";
    private const int Budget = 1000;
    private const int MaxTokens = 20;

    [Theory]
    [InlineData("gpt-4o-mini")]
    [InlineData("claude-3-5-haiku")]
    public async Task TwentyConcurrentCjkRequests_SpentNeverExceedsBudget(string model)
    {
        var ct = Ws.Timeout(60);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await LoopbackUpstream.StartAsync(context => AnswerWithRealCountsAsync(context, release.Task));
        await using var gateway = await StartGatewayAsync(o =>
        {
            AddProvider(o, "openai", upstream.BaseUrl + "/v1");
            o.Budgets = new LlmBudgetConfig { TokensPerMinute = Budget };
            o.MaxConcurrentRequests = 32;
        });
        using var client = await ConnectAsync(gateway, ct);

        // All 20 reservations are taken while every upstream answer is held back: reservations alone decide.
        for (var i = 0; i < 20; i++)
        {
            await client.SendAsync(JsonSerializer.Serialize(new
            {
                type = "chat.request",
                id = "r" + i,
                model,
                messages = new[] { new { role = "user", content = Prompt } },
                options = new { max_tokens = MaxTokens },
            }), ct);
        }

        var frames = new System.Collections.Concurrent.ConcurrentQueue<JsonElement>();
        var reader = Task.Run(async () =>
        {
            while (frames.Count(IsTerminal) < 20)
            {
                frames.Enqueue(await client.ReceiveAsync(ct));
            }
        }, ct);
        await LlmSecurityTests.WaitUntilAsync(() => frames.Count(f => Type(f) == "chat.error") + upstream.Requests.Count == 20, ct);
        release.SetResult();
        await reader;
        var refusals = frames.Where(f => Type(f) == "chat.error").ToList();
        var terminals = frames.Where(IsTerminal).ToList();
        var spent = terminals.Where(f => Type(f) == "chat.completed").Sum(f => f.GetProperty("usage").GetProperty("total").GetInt32());
        var granted = terminals.Count(f => Type(f) == "chat.completed");
        var oldEstimate = 3 + 4 + ((Prompt.Length + 3) / 4) + MaxTokens;
        output.WriteLine($"{model}: budget {Budget} tokens/min, 20 concurrent requests, {granted} granted, {refusals.Count} refused; spent {spent} ({100.0 * spent / Budget:F0} % of the budget); the chars/4 estimate would have reserved {oldEstimate} per request and granted {Math.Min(20, Budget / oldEstimate)} (spent {Math.Min(20, Budget / oldEstimate) * (spent / Math.Max(1, granted))}).");

        spent.Should().BeLessThanOrEqualTo(Budget);
        granted.Should().BeGreaterThan(0);
        refusals.Should().OnlyContain(r => ErrorCode(r) == "rate_limited");
    }

    /// <summary>A provider that counts the prompt with o200k (its real tokenizer) and writes exactly max_tokens output tokens.</summary>
    private static async Task AnswerWithRealCountsAsync(HttpContext context, Task release)
    {
        var body = JsonDocument.Parse(LoopbackRequestBody(context)).RootElement;
        var tokenizer = TiktokenTokenizer.CreateForEncoding("o200k_base");
        var input = 3;
        foreach (var message in body.GetProperty("messages").EnumerateArray())
        {
            input += 3 + tokenizer.CountTokens(message.GetProperty("content").GetString()!);
        }

        var output = body.GetProperty("max_tokens").GetInt32();
        await release.WaitAsync(context.RequestAborted);
        var stream = LoopbackUpstream.OpenAIChatStream(Enumerable.Repeat("東", output), usage: false);
        var usage = Encoding.UTF8.GetBytes($"data: {{\"choices\":[],\"usage\":{{\"prompt_tokens\":{input},\"completion_tokens\":{output},\"total_tokens\":{input + output}}}}}\n\n");
        context.Response.ContentType = "text/event-stream";
        var done = "data: [DONE]\n\n"u8.ToArray();
        await context.Response.Body.WriteAsync(stream.AsMemory(0, stream.Length - done.Length), context.RequestAborted);
        await context.Response.Body.WriteAsync(usage, context.RequestAborted);
        await context.Response.Body.WriteAsync(done, context.RequestAborted);
    }

    private static string LoopbackRequestBody(HttpContext context) => (string)context.Items[LoopbackUpstream.BodyItem]!;
}
