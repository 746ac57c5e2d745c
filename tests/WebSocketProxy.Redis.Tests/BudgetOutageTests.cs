using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Llm;
using WebSocketProxy.Model;
using WebSocketProxy.Testing;

namespace WebSocketProxy.Redis.Tests;

/// <summary>redis-server killed mid-test: LLM budgets fail open or closed as configured and usage totals are dropped, quickly, with a metric; all shared again once it returns.</summary>
public sealed class BudgetOutageTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(3);
    private static readonly LlmBudgetConfig PerMinute = new() { TokensPerMinute = 1000 };

    [Fact]
    public async Task Killing_redis_fails_budgets_open_or_closed_as_configured_and_recovers_when_it_returns()
    {
        var ct = Ws.Timeout(60);
        await using var redis = await RedisServer.StartAsync(ct);
        await using var backend = await TestBackend.StartEchoAsync();
        var prefix = RedisGateways.NewPrefix();
        await using var open = await RedisGateways.StartWithAdminAsync(backend.WsUri(), redis.Configuration, prefix, o => o.OperationTimeout = TimeSpan.FromSeconds(2));
        await using var closed = await RedisGateways.StartWithAdminAsync(backend.WsUri(), redis.Configuration, prefix, o => { o.LlmBudgetsFailOpen = false; o.OperationTimeout = TimeSpan.FromSeconds(2); });
        await RedisGateways.ConnectedAsync(ct, open, closed);
        var onOpen = open.Services.GetRequiredService<ILlmBudgetStore>();
        var onClosed = closed.Services.GetRequiredService<ILlmBudgetStore>();
        using var failures = new MetricCollector<long>(open.Services.GetRequiredService<IMeterFactory>(), WebSocketProxyDiagnostics.MeterName, "websocket_proxy.shared_store.failures");
        using var closedFailures = new MetricCollector<long>(closed.Services.GetRequiredService<IMeterFactory>(), WebSocketProxyDiagnostics.MeterName, "websocket_proxy.shared_store.failures");

        (await onOpen.ReserveAsync("user:alice", PerMinute, 900, 0, ct)).Reservation.Should().NotBeNull();
        (await onClosed.ReserveAsync("user:alice", PerMinute, 500, 0, ct)).Reservation.Should().BeNull("shared while Redis is up");

        await redis.KillAsync(ct);

        // Fail open (default): the instance applies the budget on its own — the shared 900 is not known here.
        var watch = Stopwatch.StartNew();
        var local = await onOpen.ReserveAsync("user:alice", PerMinute, 500, 0, ct);
        local.Reservation.Should().NotBeNull();
        (await onOpen.ReserveAsync("user:alice", PerMinute, 600, 0, ct)).ErrorCode.Should().Be(LlmErrorCodes.RateLimited, "the local budget still holds");
        local.Reservation!.Reconcile(100, 0, DateTimeOffset.UtcNow);
        watch.Elapsed.Should().BeLessThan(Bound);
        failures.GetMeasurementSnapshot().Should().Contain(m => Equals(m.Tags["feature"], "llm_budget") && Equals(m.Tags["outcome"], "fail_open"));

        // Fail closed: refused with rate_limited and a short wait, also quickly.
        watch.Restart();
        var refused = await onClosed.ReserveAsync("user:bob", PerMinute, 1, 0, ct);
        refused.Reservation.Should().BeNull();
        refused.ErrorCode.Should().Be(LlmErrorCodes.RateLimited);
        refused.Message.Should().Be("The budget store is unavailable; try again shortly.");
        refused.RetryAfter.Should().BePositive();
        watch.Elapsed.Should().BeLessThan(Bound);
        closedFailures.GetMeasurementSnapshot().Should().Contain(m => Equals(m.Tags["feature"], "llm_budget") && Equals(m.Tags["outcome"], "fail_closed"));

        // Usage totals: the write is dropped (counted), reading answers 503 — neither hangs.
        watch.Restart();
        await open.Services.GetRequiredService<IUsageTotals>().AddAsync(new UsageTotal(DateOnly.FromDateTime(DateTime.UtcNow), "user:alice", "m", 1, 1, 1, 0, 0), ct);
        using var http = new HttpClient { BaseAddress = open.Http("/") };
        (await http.GetAsync("/_proxy/usage", ct)).StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        watch.Elapsed.Should().BeLessThan(Bound);
        failures.GetMeasurementSnapshot().Should().Contain(m => Equals(m.Tags["feature"], "llm_usage") && Equals(m.Tags["outcome"], "dropped"));

        // Redis returns empty (no persistence): budgets are shared again without a restart of either gateway.
        await redis.RestartAsync(ct);
        await Eventually.HoldsAsync(() => open.Services.GetRequiredService<RedisConnection>().IsConnected && closed.Services.GetRequiredService<RedisConnection>().IsConnected, ct, TimeSpan.FromSeconds(20));
        var failOpenBefore = failures.GetMeasurementSnapshot().Count(m => Equals(m.Tags["outcome"], "fail_open"));
        (await onOpen.ReserveAsync("user:carol", PerMinute, 800, 0, ct)).Remaining.Should().ContainSingle().Which.Remaining.Should().Be(200);
        failures.GetMeasurementSnapshot().Count(m => Equals(m.Tags["outcome"], "fail_open")).Should().Be(failOpenBefore, "the reservation was taken on Redis");
        (await onClosed.ReserveAsync("user:carol", PerMinute, 300, 0, ct)).Message.Should().Be("The tokens per minute budget is exhausted.", "A's 800 count on B again");
        (await onClosed.ReserveAsync("user:carol", PerMinute, 200, 0, ct)).Reservation.Should().NotBeNull();
        await Eventually.HoldsAsync(async () => (await http.GetAsync("/_proxy/usage", ct)).StatusCode == HttpStatusCode.OK, ct); // a first read may still time out
    }
}
