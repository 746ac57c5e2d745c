using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using WebSocketProxy.Llm;
using WebSocketProxy.Testing;

namespace WebSocketProxy.Redis.Tests;

/// <summary>LLM budgets shared by two gateway instances through one redis-server, and the reservations of an instance that dies.</summary>
public sealed class BudgetScaleOutTests
{
    private static readonly LlmBudgetConfig PerMinute = new() { TokensPerMinute = 1000 };

    [Fact]
    public async Task A_budget_spent_on_A_is_refused_on_B_and_what_A_gives_back_is_free_on_B()
    {
        var ct = Ws.Timeout(30);
        var (configuration, owned) = await RedisServer.SharedOrOwnAsync(ct);
        await using var _ = owned;
        await using var backend = await TestBackend.StartEchoAsync();
        var prefix = RedisGateways.NewPrefix();
        await using var a = await RedisGateways.StartAsync(backend.WsUri(), configuration, prefix, o => o.OperationTimeout = TimeSpan.FromSeconds(5));
        await using var b = await RedisGateways.StartAsync(backend.WsUri(), configuration, prefix, o => o.OperationTimeout = TimeSpan.FromSeconds(5));
        await RedisGateways.ConnectedAsync(ct, a, b);
        var onA = a.Services.GetRequiredService<ILlmBudgetStore>();
        var onB = b.Services.GetRequiredService<ILlmBudgetStore>();
        onA.Should().BeOfType<RedisLlmBudgetStore>();

        var held = await onA.ReserveAsync("user:alice", PerMinute, 800, 0, ct);
        held.Reservation.Should().NotBeNull();
        held.Remaining.Should().ContainSingle().Which.Remaining.Should().Be(200);

        var refused = await onB.ReserveAsync("user:alice", PerMinute, 300, 0, ct);
        refused.Reservation.Should().BeNull("A's reservation of 800 counts on B");
        refused.ErrorCode.Should().Be(LlmErrorCodes.RateLimited);
        refused.Message.Should().Be("The tokens per minute budget is exhausted.");
        refused.RetryAfter.Should().BeGreaterThan(TimeSpan.Zero).And.BeLessThanOrEqualTo(TimeSpan.FromMinutes(1));
        (await onB.ReserveAsync("user:bob", PerMinute, 300, 0, ct)).Reservation.Should().NotBeNull("budgets are per client");

        // A's request spent only 100 tokens: the 700 it gives back can be reserved on B.
        held.Reservation!.Reconcile(100, 0, DateTimeOffset.UtcNow);
        var onBNow = await Eventually.MatchesAsync(() => onB.ReserveAsync("user:alice", PerMinute, 900, 0, ct).AsTask(), r => r.Reservation is not null, ct);
        onBNow.Remaining.Single().Remaining.Should().Be(0);
        (await onA.ReserveAsync("user:alice", PerMinute, 1, 0, ct)).Reservation.Should().BeNull("100 spent on A and 900 reserved on B");

        // Money per UTC day and requests per minute are shared the same way.
        var money = new LlmBudgetConfig { CostPerDay = 1.00m, RequestsPerMinute = 3 };
        (await onA.ReserveAsync("key:k1", money, 10, 0.90m, ct)).Reservation.Should().NotBeNull();
        var broke = await onB.ReserveAsync("key:k1", money, 10, 0.20m, ct);
        broke.ErrorCode.Should().Be(LlmErrorCodes.QuotaExceeded);
        broke.Message.Should().Be("The cost per day budget is exhausted.");
        (await onB.ReserveAsync("key:k1", money, 10, 0.05m, ct)).Remaining.Should().ContainEquivalentOf(new { Name = "cost_per_day", Remaining = 0.05m });
        (await onA.ReserveAsync("key:k1", money, 1, 0, ct)).Reservation.Should().NotBeNull("the third request of the minute");
        (await onB.ReserveAsync("key:k1", money, 1, 0, ct)).Message.Should().Be("The requests per minute budget is exhausted.");

        // A Realtime response charged on B exhausts the budget for A.
        var realtime = new LlmBudgetConfig { TokensPerDay = 500 };
        (await onB.ChargeAsync("user:carol", realtime, 499, 0, ct)).Should().BeFalse();
        (await onB.ChargeAsync("user:carol", realtime, 1, 0, ct)).Should().BeTrue();
        (await onA.ReserveAsync("user:carol", realtime, 1, 0, ct)).ErrorCode.Should().Be(LlmErrorCodes.QuotaExceeded);
    }

    [Fact]
    public async Task The_reservation_of_an_instance_that_dies_is_released_after_its_time_to_live()
    {
        var ct = Ws.Timeout(30);
        var (configuration, owned) = await RedisServer.SharedOrOwnAsync(ct);
        await using var _ = owned;
        await using var backend = await TestBackend.StartEchoAsync();
        var prefix = RedisGateways.NewPrefix();
        var ttl = TimeSpan.FromSeconds(2);
        var a = await RedisGateways.StartAsync(backend.WsUri(), configuration, prefix, o => { o.EntryTimeToLive = ttl; o.OperationTimeout = TimeSpan.FromSeconds(5); });
        await using var b = await RedisGateways.StartAsync(backend.WsUri(), configuration, prefix, o => { o.EntryTimeToLive = ttl; o.OperationTimeout = TimeSpan.FromSeconds(5); });
        await RedisGateways.ConnectedAsync(ct, a, b);
        var onB = b.Services.GetRequiredService<ILlmBudgetStore>();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(configuration);
        var held = (RedisKey)(prefix + "budget:{user:alice}:held");

        LlmBudgetReservation reservation;
        try
        {
            reservation = (await a.Services.GetRequiredService<ILlmBudgetStore>().ReserveAsync("user:alice", PerMinute, 900, 0, ct)).Reservation!;
            var first = (await redis.GetDatabase().SortedSetScoreAsync(held, reservation.Id))!.Value;

            // While A lives its heartbeat renews the reservation past its first expiry, and B is refused.
            await Eventually.HoldsAsync(() => redis.GetDatabase().SortedSetScore(held, reservation.Id) > first + ttl.TotalMilliseconds, ct);
            (await onB.ReserveAsync("user:alice", PerMinute, 500, 0, ct)).Reservation.Should().BeNull();
        }
        finally
        {
            await a.DisposeAsync(); // A stops without reconciling: it "dies" with the reservation in flight
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var released = await Eventually.MatchesAsync(() => onB.ReserveAsync("user:alice", PerMinute, 500, 0, ct).AsTask(), r => r.Reservation is not null, ct, TimeSpan.FromSeconds(10));
        released.Remaining.Single().Remaining.Should().Be(500, "the dead instance's 900 tokens were given back");
        watch.Elapsed.Should().BeLessThan(ttl * 5);
        (await redis.GetDatabase().SortedSetScoreAsync(held, reservation.Id)).Should().BeNull();

        // The late reconciliation of a released reservation charges what was really spent.
        var late = await b.Services.GetRequiredService<RedisLlmBudgetStore>().ReconcileAsync("user:alice", reservation.Id!, 300, 0);
        late.Should().BeFalse("the reservation had been given back");
        (await onB.ReserveAsync("user:alice", PerMinute, 201, 0, ct)).Reservation.Should().BeNull("500 reserved plus 300 charged leave 200");
        (await onB.ReserveAsync("user:alice", PerMinute, 200, 0, ct)).Reservation.Should().NotBeNull();
    }
}
