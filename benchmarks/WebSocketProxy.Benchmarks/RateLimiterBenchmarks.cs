using System.Threading.RateLimiting;
using BenchmarkDotNet.Attributes;

namespace WebSocketProxy.Benchmarks;

/// <summary>One per-message permit from a <see cref="TokenBucketRateLimiter"/>, as a per-connection message limiter takes it.</summary>
[MemoryDiagnoser]
public class RateLimiterBenchmarks
{
    private TokenBucketRateLimiter _granting = null!;
    private TokenBucketRateLimiter _exhausted = null!;

    [GlobalSetup]
    public void Setup()
    {
        _granting = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = int.MaxValue,
            TokensPerPeriod = int.MaxValue,
            ReplenishmentPeriod = TimeSpan.FromMilliseconds(100),
            AutoReplenishment = true,
            QueueLimit = 0,
        });
        _exhausted = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = 1,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromHours(1),
            AutoReplenishment = false,
            QueueLimit = 0,
        });
        _exhausted.AttemptAcquire(1).Dispose();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _granting.Dispose();
        _exhausted.Dispose();
    }

    [Benchmark(Description = "AttemptAcquire (granted)")]
    public bool Granted()
    {
        using var lease = _granting.AttemptAcquire(1);
        return lease.IsAcquired;
    }

    [Benchmark(Description = "AttemptAcquire (rejected)")]
    public bool Rejected()
    {
        using var lease = _exhausted.AttemptAcquire(1);
        return lease.IsAcquired;
    }
}
