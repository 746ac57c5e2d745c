using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Llm;
using WebSocketProxy.Model;
using WebSocketProxy.Testing;

namespace WebSocketProxy.Redis.Tests;

/// <summary>LLM usage totals written by two instances, read from either through the admin API.</summary>
public sealed class UsageScaleOutTests
{
    [Fact]
    public async Task Usage_recorded_on_both_instances_adds_up_atomically_and_is_readable_from_either()
    {
        var ct = Ws.Timeout(30);
        var (configuration, owned) = await RedisServer.SharedOrOwnAsync(ct);
        await using var _ = owned;
        await using var backend = await TestBackend.StartEchoAsync();
        var prefix = RedisGateways.NewPrefix();
        await using var a = await RedisGateways.StartWithAdminAsync(backend.WsUri(), configuration, prefix, o => o.OperationTimeout = TimeSpan.FromSeconds(5));
        await using var b = await RedisGateways.StartWithAdminAsync(backend.WsUri(), configuration, prefix, o => o.OperationTimeout = TimeSpan.FromSeconds(5));
        await RedisGateways.ConnectedAsync(ct, a, b);
        var sinkA = new LlmUsageTotalsSink(a.Services.GetRequiredService<IUsageTotals>(), TimeProvider.System);
        var sinkB = new LlmUsageTotalsSink(b.Services.GetRequiredService<IUsageTotals>(), TimeProvider.System);

        // 50 requests of alice on each instance at once, and one of a gateway API key on B.
        await Task.WhenAll(Enumerable.Range(0, 100).Select(i => (i % 2 == 0 ? sinkA : sinkB).RecordAsync(Record("user:alice", "gpt-4o-mini", 10, 5, 2, 0.000015m), ct).AsTask()));
        await sinkB.RecordAsync(Record("key:k1", "other", 100, 50, 0, null), ct);
        await sinkA.RecordAsync(Record("user:alice", "claude-haiku", 1, 1, 0, 0.5m), ct);

        using var fromA = new HttpClient { BaseAddress = a.Http("/") };
        using var fromB = new HttpClient { BaseAddress = b.Http("/") };
        foreach (var http in new[] { fromA, fromB })
        {
            var all = await GetJsonAsync(http, "/_proxy/usage", ct);
            all.GetArrayLength().Should().Be(3);
            var alice = all.EnumerateArray().Single(t => t.GetProperty("client").GetString() == "user:alice" && t.GetProperty("model").GetString() == "gpt-4o-mini");
            alice.GetProperty("requests").GetInt64().Should().Be(100, "increments from both instances are atomic");
            alice.GetProperty("inputTokens").GetInt64().Should().Be(1000);
            alice.GetProperty("outputTokens").GetInt64().Should().Be(500);
            alice.GetProperty("cachedTokens").GetInt64().Should().Be(200);
            alice.GetProperty("cost").GetDecimal().Should().Be(0.0015m);
            alice.GetProperty("day").GetString().Should().Be(DateTime.UtcNow.ToString("yyyy-MM-dd"));
        }

        (await GetJsonAsync(fromB, "/_proxy/usage?client=user:alice", ct)).GetArrayLength().Should().Be(2);
        var key = (await GetJsonAsync(fromA, "/_proxy/usage?client=key:k1&model=other", ct)).EnumerateArray().Should().ContainSingle().Subject;
        key.GetProperty("inputTokens").GetInt64().Should().Be(100);
        key.GetProperty("cost").GetDecimal().Should().Be(0);
        (await GetJsonAsync(fromA, "/_proxy/usage?model=claude-haiku", ct)).EnumerateArray().Should().ContainSingle().Which.GetProperty("cost").GetDecimal().Should().Be(0.5m);
        (await GetJsonAsync(fromA, "/_proxy/usage?day=2001-01-01", ct)).GetArrayLength().Should().Be(0);
    }

    private static LlmUsageRecord Record(string user, string model, int input, int output, int cached, decimal? cost) => new()
    {
        Route = "/llm",
        User = user,
        Provider = "openai",
        Model = model,
        ModelTag = model,
        Outcome = "completed",
        Usage = new LlmUsage { InputTokens = input, OutputTokens = output, CachedTokens = cached },
        EstimatedCost = cost,
    };

    private static async Task<JsonElement> GetJsonAsync(HttpClient http, string path, CancellationToken ct)
    {
        using var response = await http.GetAsync(path, ct);
        response.StatusCode.Should().Be(HttpStatusCode.OK, path);
        return await response.Content.ReadFromJsonAsync<JsonElement>(ct);
    }
}
