using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Configuration;
using WebSocketProxy.Redis;
using WebSocketProxy.Testing;

namespace WebSocketProxy.Redis.Tests;

/// <summary>Starts gateway instances that share one Redis under a key prefix of their own test.</summary>
internal static class RedisGateways
{
    public static Task<TestGateway> StartAsync(Uri backend, string configuration, string prefix, Action<RedisOptions>? redis = null, Func<RouteConfig, RouteConfig>? route = null)
        => TestGateway.StartAsync(
            backend,
            route: route,
            services: services => services.AddWebSocketProxy().AddLlm().AddRedis(o =>
            {
                o.Configuration = configuration;
                o.KeyPrefix = prefix;
                o.HeartbeatInterval = TimeSpan.FromMilliseconds(200);
                o.OperationTimeout = TimeSpan.FromMilliseconds(500);
                redis?.Invoke(o);
            }));

    public static string NewPrefix() => "wsptest:" + Guid.NewGuid().ToString("N")[..12] + ":";
}
