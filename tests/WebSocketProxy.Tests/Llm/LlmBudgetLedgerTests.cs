using FluentAssertions;
using Microsoft.Extensions.Time.Testing;
using WebSocketProxy.Llm;

namespace WebSocketProxy.Tests.Llm;

public sealed class LlmBudgetLedgerTests
{
    private static readonly DateTimeOffset Noon = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void TryReserve_TokensPerMinute_ReservesRefusesAndReconciles()
    {
        var time = new FakeTimeProvider(Noon);
        var ledger = new LlmBudgetLedger(time);
        var limits = new LlmBudgetConfig { TokensPerMinute = 1000 };

        var first = ledger.TryReserve("user:a", limits, 800, 0);
        first.Reservation.Should().NotBeNull();
        var refused = ledger.TryReserve("user:a", limits, 300, 0);
        refused.ErrorCode.Should().Be(LlmErrorCodes.RateLimited);
        refused.RetryAfter.Should().Be(TimeSpan.FromMinutes(1));
        ledger.TryReserve("user:b", limits, 300, 0).Reservation.Should().NotBeNull("budgets are per client");

        first.Reservation!.Reconcile(100, 0, time.GetUtcNow());
        ledger.TryReserve("user:a", limits, 300, 0).Reservation.Should().NotBeNull("the unused 700 tokens were given back");

        time.Advance(TimeSpan.FromSeconds(30));
        ledger.TryReserve("user:a", limits, 700, 0).RetryAfter.Should().Be(TimeSpan.FromSeconds(30));
        time.Advance(TimeSpan.FromSeconds(30));
        ledger.TryReserve("user:a", limits, 1000, 0).Reservation.Should().NotBeNull("a new window started");
    }

    [Fact]
    public void TryReserve_TokensPerDay_QuotaExceededUntilUtcMidnight()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 22, 0, 0, TimeSpan.Zero));
        var ledger = new LlmBudgetLedger(time);
        var limits = new LlmBudgetConfig { TokensPerDay = 500 };

        ledger.TryReserve("user:a", limits, 500, 0).Reservation!.Reconcile(600, 0, time.GetUtcNow());
        var refused = ledger.TryReserve("user:a", limits, 1, 0);

        refused.ErrorCode.Should().Be(LlmErrorCodes.QuotaExceeded);
        refused.RetryAfter.Should().Be(TimeSpan.FromHours(2));
        time.Advance(TimeSpan.FromHours(2));
        ledger.TryReserve("user:a", limits, 500, 0).Reservation.Should().NotBeNull();
    }

    [Fact]
    public void TryReserve_RequestsPerMinute_Refused()
    {
        var ledger = new LlmBudgetLedger(new FakeTimeProvider(Noon));
        var limits = new LlmBudgetConfig { RequestsPerMinute = 2 };

        ledger.TryReserve("k", limits, 10, 0).Reservation.Should().NotBeNull();
        ledger.TryReserve("k", limits, 10, 0).Reservation.Should().NotBeNull();
        var refused = ledger.TryReserve("k", limits, 10, 0);

        refused.ErrorCode.Should().Be(LlmErrorCodes.RateLimited);
        refused.Message.Should().Contain("requests per minute");
    }

    [Fact]
    public void TryReserve_CostPerDay_QuotaExceeded_AndRemainingReported()
    {
        var ledger = new LlmBudgetLedger(new FakeTimeProvider(Noon));
        var limits = new LlmBudgetConfig { CostPerDay = 1.00m };

        var first = ledger.TryReserve("k", limits, 10, 0.90m);
        first.Reservation.Should().NotBeNull();
        first.Remaining.Should().ContainSingle(r => r.Name == "cost_per_day").Which.Remaining.Should().Be(0.10m);
        var refused = ledger.TryReserve("k", limits, 10, 0.20m);

        refused.ErrorCode.Should().Be(LlmErrorCodes.QuotaExceeded);
        refused.Message.Should().Contain("cost per day");
    }

    [Fact]
    public void TryReserve_LimitsChangedByReload_SpentTokensKept()
    {
        // Defect 1: a reload that changed budget values reset everyone's counters (the limiters were rebuilt).
        var ledger = new LlmBudgetLedger(new FakeTimeProvider(Noon));
        ledger.TryReserve("user:a", new LlmBudgetConfig { TokensPerMinute = 1000 }, 900, 0).Reservation.Should().NotBeNull();

        var afterReload = ledger.TryReserve("user:a", new LlmBudgetConfig { TokensPerMinute = 1200 }, 400, 0);

        afterReload.ErrorCode.Should().Be(LlmErrorCodes.RateLimited, "900 of the new 1200 were already spent in this window");
        ledger.TryReserve("user:a", new LlmBudgetConfig { TokensPerMinute = 1200 }, 300, 0).Reservation.Should().NotBeNull();
    }

    [Fact]
    public async Task TryReserve_ManyConcurrent_InFlightNeverExceedsLimit()
    {
        var ledger = new LlmBudgetLedger(new FakeTimeProvider(Noon));
        var limits = new LlmBudgetConfig { TokensPerMinute = 10_000 };
        var granted = 0L;

        await Parallel.ForEachAsync(Enumerable.Range(0, 2000), new ParallelOptions { MaxDegreeOfParallelism = 8 }, (_, _) =>
        {
            if (ledger.TryReserve("user:a", limits, 7, 0).Reservation is not null)
            {
                Interlocked.Add(ref granted, 7);
            }

            return ValueTask.CompletedTask;
        });

        granted.Should().BeLessThanOrEqualTo(10_000).And.BeGreaterThan(10_000 - 7);
    }

    [Fact]
    public void Sweep_IdleAccountsRemoved_BusyOnesKept()
    {
        var time = new FakeTimeProvider(Noon);
        var ledger = new LlmBudgetLedger(time);
        var limits = new LlmBudgetConfig { TokensPerMinute = 1000 };
        var held = ledger.TryReserve("busy", limits, 10, 0).Reservation!;
        ledger.TryReserve("idle", limits, 10, 0).Reservation!.Reconcile(0, 0, time.GetUtcNow());

        time.Advance(TimeSpan.FromMinutes(2));
        ledger.Sweep();

        ledger.AccountCount.Should().Be(1, "the idle account's window is over and nothing is in flight");
        held.Reconcile(10, 0, time.GetUtcNow());
        ledger.TryReserve("idle", limits, 1000, 0).Reservation.Should().NotBeNull("a swept account starts afresh");
    }
}
