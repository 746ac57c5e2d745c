using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Configuration;
using WebSocketProxy.Redis;
using WebSocketProxy.Security;
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
                o.OperationTimeout = TimeSpan.FromSeconds(2); // a first call on a loaded machine can take over 500 ms; outage tests set their own
                redis?.Invoke(o);
            }));

    public const string ApiKeyHeader = "X-Api-Key";
    public const string AliceKey = "alice-key";
    public const string BobKey = "bob-key";

    /// <summary>
    /// An instance with API-key users (<c>alice-key</c>, <c>bob-key</c>), the admin API under <c>/_proxy</c> (no
    /// authorization: the tests are the operator), route <c>r</c> to cluster <c>c</c> with backend <c>b1</c>, a
    /// 200 ms drain grace period and a 5 s operation timeout (outage tests set a short one).
    /// </summary>
    public static Task<TestGateway> StartWithAdminAsync(Uri backend, string configuration, string prefix, Action<RedisOptions>? redis = null, Action<IServiceCollection>? services = null)
        => TestGateway.StartAsync(
            o =>
            {
                o.Routes["r"] = new RouteConfig { Path = "/ws/{**rest}", Cluster = "c" };
                o.Clusters["c"] = new ClusterConfig
                {
                    Backends = new Dictionary<string, BackendConfig> { ["b1"] = new() { Address = backend.ToString() } },
                    DrainGracePeriod = TimeSpan.FromMilliseconds(200),
                };
            },
            s =>
            {
                s.AddAuthentication(ApiKeyAuthenticationDefaults.AuthenticationScheme);
                s.AddWebSocketProxy().AddApiKeyAuthentication(o =>
                {
                    o.Keys[AliceKey] = "alice";
                    o.Keys[BobKey] = "bob";
                }).AddRedis(o =>
                {
                    o.Configuration = configuration;
                    o.KeyPrefix = prefix;
                    o.HeartbeatInterval = TimeSpan.FromMilliseconds(200);
                    o.OperationTimeout = TimeSpan.FromSeconds(5); // on a loaded machine a pub/sub round trip can take over a second
                    redis?.Invoke(o);
                });
                services?.Invoke(s);
            },
            app =>
            {
                app.MapWebSocketProxy();
                app.MapWebSocketProxyAdmin("/_proxy");
            });

    /// <summary>
    /// Waits until every gateway's Redis connection is up: until then a feature degrades as documented (fail open to
    /// its local state), which a test of the shared behaviour must not race with on a loaded machine.
    /// </summary>
    public static Task ConnectedAsync(CancellationToken cancellationToken, params TestGateway[] gateways)
        => Eventually.HoldsAsync(() => gateways.All(g => g.Services.GetRequiredService<RedisConnection>().IsConnected), cancellationToken);

    public static string NewPrefix() => "wsptest:" + Guid.NewGuid().ToString("N")[..12] + ":";
}
