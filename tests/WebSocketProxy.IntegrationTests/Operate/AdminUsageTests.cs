using System.Net;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Configuration;
using WebSocketProxy.Llm;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Operate;

/// <summary>The admin API's <c>GET usage</c> without Redis: this process's LLM usage totals per day, client key and model.</summary>
public sealed class AdminUsageTests
{
    private static void OneRoute(WebSocketProxyOptions o, Uri backend)
    {
        o.Routes["r"] = new RouteConfig { Path = "/ws/{**rest}", Cluster = "c" };
        o.Clusters["c"] = new ClusterConfig { Backends = new Dictionary<string, BackendConfig> { ["b1"] = new() { Address = backend.ToString() } } };
    }

    [Fact]
    public async Task Usage_WithLlmMode_TotalsPerClientAndModel_FilteredByClientModelAndDay()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await AdminGateway.StartAsync(o => OneRoute(o, backend.WsUri()), s => s.AddWebSocketProxy().AddLlm());
        using var http = AdminGateway.Client(gateway);
        var sink = gateway.Services.GetServices<ILlmUsageSink>().OfType<LlmUsageTotalsSink>().Should().ContainSingle("LLM mode registers the totals sink").Subject;

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => sink.RecordAsync(Record("user:alice", "gpt-4o-mini", 0.25m), ct).AsTask()));
        await sink.RecordAsync(Record("key:k1", "other", null), ct);

        var all = await http.GetJsonAsync("/_proxy/usage", ct);
        all.GetArrayLength().Should().Be(2);
        var alice = all[1];
        alice.GetProperty("client").GetString().Should().Be("user:alice");
        alice.GetProperty("model").GetString().Should().Be("gpt-4o-mini");
        alice.GetProperty("requests").GetInt64().Should().Be(20);
        alice.GetProperty("inputTokens").GetInt64().Should().Be(200);
        alice.GetProperty("outputTokens").GetInt64().Should().Be(100);
        alice.GetProperty("cachedTokens").GetInt64().Should().Be(40);
        alice.GetProperty("cost").GetDecimal().Should().Be(5m);
        (await http.GetJsonAsync("/_proxy/usage?client=key:k1", ct)).GetArrayLength().Should().Be(1);
        (await http.GetJsonAsync("/_proxy/usage?model=gpt-4o-mini", ct)).GetArrayLength().Should().Be(1);
        (await http.GetJsonAsync($"/_proxy/usage?day={DateTime.UtcNow:yyyy-MM-dd}", ct)).GetArrayLength().Should().Be(2);
        (await http.GetJsonAsync("/_proxy/usage?day=2001-01-01", ct)).GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task Usage_WithoutLlmMode_EmptyList()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await AdminGateway.StartAsync(null, backend.WsUri());
        using var http = AdminGateway.Client(gateway);

        using var response = await http.GetAsync("/_proxy/usage", ct);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await http.GetJsonAsync("/_proxy/usage", ct)).GetArrayLength().Should().Be(0);
    }

    private static LlmUsageRecord Record(string user, string model, decimal? cost) => new()
    {
        Route = "/llm",
        User = user,
        Provider = "openai",
        Model = model,
        ModelTag = model,
        Outcome = "completed",
        Usage = new LlmUsage { InputTokens = 10, OutputTokens = 5, CachedTokens = 2 },
        EstimatedCost = cost,
    };
}
