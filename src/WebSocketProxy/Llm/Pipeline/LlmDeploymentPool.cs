using System.Collections.Concurrent;

namespace WebSocketProxy.Llm;

/// <summary>
/// The run-time state of every provider deployment: requests in flight and the end of a rate-limit cooldown. Picks the
/// least busy deployment that is not cooling down (ties at random, the anchors' "least-busy"/"simple-shuffle").
/// </summary>
/// <remarks>State is keyed by provider name, base URL and a hash of the key, so a reload that keeps a deployment keeps its cooldown. Thread-safe.</remarks>
internal sealed class LlmDeploymentPool(TimeProvider time)
{
    /// <summary>The longest cooldown a provider's headers may impose.</summary>
    public static readonly TimeSpan MaxCooldown = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, State> _states = new(StringComparer.Ordinal);

    /// <summary>Picks a deployment of <paramref name="target"/> not yet in <paramref name="tried"/>; none → the soonest end of a cooldown, if any.</summary>
    public (LlmDeployment? Deployment, TimeSpan? RetryAfter) Pick(LlmTarget target, HashSet<string> tried)
    {
        var now = time.GetUtcNow();
        var provider = target.Provider;
        var count = Math.Max(1, provider.Deployments.Count);
        LlmDeployment? best = null;
        var bestLoad = int.MaxValue;
        var ties = 0;
        TimeSpan? soonest = null;
        for (var i = 0; i < count; i++)
        {
            var config = provider.Deployments.Count == 0 ? null : provider.Deployments[i];
            var effective = config is null ? provider : provider with { BaseUrl = config.BaseUrl ?? provider.BaseUrl, ApiKey = config.ApiKey ?? provider.ApiKey };
            var key = Key(target.ProviderName, effective);
            if (tried.Contains(key))
            {
                continue;
            }

            var state = _states.GetOrAdd(key, static _ => new State());
            var coolUntil = new DateTimeOffset(Interlocked.Read(ref state.CoolUntilTicks), TimeSpan.Zero);
            if (coolUntil > now)
            {
                var wait = coolUntil - now;
                soonest = soonest is null || wait < soonest ? wait : soonest;
                continue;
            }

            var load = Volatile.Read(ref state.InFlight);
            if (load < bestLoad)
            {
                (best, bestLoad, ties) = (new LlmDeployment(key, effective, state), load, 1);
            }
            else if (load == bestLoad && Random.Shared.Next(++ties) == 0)
            {
                best = new LlmDeployment(key, effective, state);
            }
        }

        return (best, best is null ? soonest : null);
    }

    /// <summary>Rests a deployment after a rate limit: for the provider's wait if it named one (at most <see cref="MaxCooldown"/>), else <paramref name="fallback"/>.</summary>
    public void CoolDown(LlmDeployment deployment, TimeSpan? retryAfter, TimeSpan fallback)
    {
        var wait = retryAfter is { } r && r > TimeSpan.Zero ? (r > MaxCooldown ? MaxCooldown : r) : fallback;
        var until = (time.GetUtcNow() + wait).UtcTicks;
        long current;
        do
        {
            current = Interlocked.Read(ref deployment.State.CoolUntilTicks);
            if (current >= until)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref deployment.State.CoolUntilTicks, until, current) != current);
    }

    private static string Key(string provider, LlmProviderConfig effective)
        => provider.ToLowerInvariant() + "|" + effective.BaseUrl + "|" + (effective.ApiKey is { } key ? LlmApiKeyStore.Hash(key)[..16] : string.Empty);

    /// <summary>Per-deployment counters.</summary>
    internal sealed class State
    {
        public int InFlight;
        public long CoolUntilTicks;
    }
}

/// <summary>A picked deployment: its key, the provider settings to call it with, and its counters.</summary>
internal sealed record LlmDeployment(string Key, LlmProviderConfig Provider, LlmDeploymentPool.State State)
{
    /// <summary>Counts a request in flight until the returned scope is disposed.</summary>
    public Scope Enter()
    {
        Interlocked.Increment(ref State.InFlight);
        return new Scope(State);
    }

    /// <summary>Ends a request in flight.</summary>
    internal readonly struct Scope(LlmDeploymentPool.State state) : IDisposable
    {
        public void Dispose() => Interlocked.Decrement(ref state.InFlight);
    }
}
