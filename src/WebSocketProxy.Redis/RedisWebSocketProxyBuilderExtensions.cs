using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using WebSocketProxy.Llm;
using WebSocketProxy.Model;
using WebSocketProxy.RateLimiting;
using WebSocketProxy.Redis;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Scale-out on Redis: <c>AddWebSocketProxy().AddRedis()</c>.</summary>
public static class RedisWebSocketProxyBuilderExtensions
{
    /// <summary>
    /// Shares state between gateway instances through Redis: concurrent-session limits per IP address / user, the
    /// handshake rate limiter policies (<c>AddHandshakeRateLimiterPolicies</c>), the
    /// session directory (list and close sessions on any instance), LLM budgets (with reservations that expire when
    /// their instance dies), LLM usage totals, and the LLM response cache's second level.
    /// Options are bound from <c>WebSocketProxy:Redis</c> (<c>Configuration</c> is the StackExchange.Redis connection string).
    /// </summary>
    /// <param name="builder">The proxy builder.</param>
    /// <param name="configure">Changes the options after they are bound from configuration.</param>
    /// <returns>The builder.</returns>
    public static IWebSocketProxyBuilder AddRedis(this IWebSocketProxyBuilder builder, Action<RedisOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.SectionName);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.Validate(static o => !string.IsNullOrWhiteSpace(o.Configuration), $"{RedisOptions.SectionName}:Configuration is required.")
            .Validate(static o => o.OperationTimeout > TimeSpan.Zero && o.HeartbeatInterval > TimeSpan.Zero && o.EffectiveTimeToLive > o.HeartbeatInterval, $"{RedisOptions.SectionName}: OperationTimeout and HeartbeatInterval must be positive and EntryTimeToLive longer than HeartbeatInterval.")
            .ValidateOnStart();

        if (services.Any(static d => d.ServiceType == typeof(RedisConnection)))
        {
            return builder;
        }

        services.TryAddSingleton<RedisConnection>();
        services.TryAddSingleton<RedisConcurrentSessionLimiter>();
        services.Replace(ServiceDescriptor.Singleton<IConcurrentSessionLimiter>(static sp => sp.GetRequiredService<RedisConcurrentSessionLimiter>()));
        services.TryAddSingleton<RedisSharedTokenBuckets>();
        services.Replace(ServiceDescriptor.Singleton<ISharedTokenBuckets>(static sp => sp.GetRequiredService<RedisSharedTokenBuckets>()));
        services.TryAddSingleton<RedisHandshakeRateLimiterPartitions>();
        services.Replace(ServiceDescriptor.Singleton<IHandshakeRateLimiterPartitions>(static sp => sp.GetRequiredService<RedisHandshakeRateLimiterPartitions>()));
        services.TryAddSingleton<RedisSessionDirectory>();
        services.Replace(ServiceDescriptor.Singleton<ISessionDirectory>(static sp => sp.GetRequiredService<RedisSessionDirectory>()));
        services.TryAddSingleton<RedisLlmBudgetStore>();
        services.Replace(ServiceDescriptor.Singleton<ILlmBudgetStore>(static sp => sp.GetRequiredService<RedisLlmBudgetStore>()));
        services.TryAddSingleton<RedisUsageTotals>();
        services.Replace(ServiceDescriptor.Singleton<IUsageTotals>(static sp => sp.GetRequiredService<RedisUsageTotals>()));
        services.AddSingleton<IHostedService, RedisHeartbeatService>();

        // HybridCache (the LLM response cache) uses a registered IDistributedCache as its second level.
        services.AddOptions<RedisCacheOptions>().Configure<RedisConnection>(static (cache, redis) =>
        {
            cache.ConnectionMultiplexerFactory = redis.GetAsync;
            cache.InstanceName = redis.Options.KeyPrefix + "cache:";
        });
        services.Replace(ServiceDescriptor.Singleton<IDistributedCache>(static sp => ActivatorUtilities.CreateInstance<RedisGuardedCache>(sp, new RedisCache(sp.GetRequiredService<IOptions<RedisCacheOptions>>()))));
        return builder;
    }
}
