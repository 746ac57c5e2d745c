namespace WebSocketProxy.Redis;

/// <summary>Scale-out on Redis, bound from <c>WebSocketProxy:Redis</c>.</summary>
public sealed class RedisOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "WebSocketProxy:Redis";

    /// <summary>Gets or sets the StackExchange.Redis configuration string (<c>host:port,password=…</c>). Required.</summary>
    public string? Configuration { get; set; }

    /// <summary>Gets or sets the prefix of every key and channel, so several gateways (or environments) can share one Redis. Default <c>wsp:</c>.</summary>
    public string KeyPrefix { get; set; } = "wsp:";

    /// <summary>
    /// Gets or sets whether concurrent-session limits admit when Redis cannot answer (each instance then applies the
    /// limits on its own, as without Redis) — <see langword="true"/>, the default — or refuse with 503 (<see langword="false"/>).
    /// </summary>
    public bool FailOpen { get; set; } = true;

    /// <summary>
    /// Gets or sets whether LLM budgets admit when Redis cannot answer (each instance then applies the budgets on its
    /// own, as without Redis) or refuse the request with <c>rate_limited</c>; <see langword="null"/> (the default) follows <see cref="FailOpen"/>.
    /// </summary>
    public bool? LlmBudgetsFailOpen { get; set; }

    /// <summary>Gets or sets the bound on every Redis command; a slower answer counts as a failure. Default 1 second.</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how often an instance renews its permits and republishes its sessions. Default 5 seconds.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets how long an instance's permits and session entries outlive its last heartbeat: a crashed instance's
    /// sessions stop counting against limits and leave the directory after this. Default 3 heartbeats (15 seconds).
    /// </summary>
    public TimeSpan? EntryTimeToLive { get; set; }

    /// <summary>Gets or sets how long LLM usage totals (per UTC day, client key and model) are kept. Default 35 days.</summary>
    public TimeSpan UsageRetention { get; set; } = TimeSpan.FromDays(35);

    internal TimeSpan EffectiveTimeToLive => EntryTimeToLive ?? (HeartbeatInterval * 3);
}
