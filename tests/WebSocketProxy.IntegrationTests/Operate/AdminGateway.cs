using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Configuration;
using WebSocketProxy.Testing;
using WebSocketProxy.Security;

namespace WebSocketProxy.IntegrationTests.Operate;

/// <summary>
/// A gateway with the operator endpoints: API keys (<c>admin-key</c> is user <c>ops</c>, an admin; <c>alice-key</c> and
/// <c>bob-key</c> are plain users), the admin API under <c>/_proxy</c> behind the <c>admin</c> policy, the health probes,
/// and the status feed at <c>/status/live</c> every 100 ms.
/// </summary>
internal static class AdminGateway
{
    public const string AdminKey = "admin-key";
    public const string AliceKey = "alice-key";
    public const string BobKey = "bob-key";

    public static Task<TestGateway> StartAsync(Action<WebSocketProxyOptions> configure, Action<IServiceCollection>? services = null)
        => TestGateway.StartAsync(
            configure,
            s =>
            {
                s.AddAuthentication(ApiKeyAuthenticationDefaults.AuthenticationScheme);
                s.AddWebSocketProxy().AddApiKeyAuthentication(o =>
                {
                    o.Keys[AdminKey] = "ops";
                    o.Keys[AliceKey] = "alice";
                    o.Keys[BobKey] = "bob";
                });
                s.AddAuthorization(o => o.AddPolicy("admin", p => p.RequireAuthenticatedUser().RequireClaim("sub", "ops")));
                s.AddOpenApi();
                services?.Invoke(s);
            },
            app =>
            {
                app.MapWebSocketProxy();
                app.MapWebSocketProxyAdmin("/_proxy").RequireAuthorization("admin");
                app.MapWebSocketProxyHealthChecks();
                app.MapWebSocketProxyStatusFeed("/status/live", TimeSpan.FromMilliseconds(100));
                app.MapOpenApi();
            });

    /// <summary>One route <c>/ws/{**rest}</c> to the given backends of cluster <c>c</c>.</summary>
    public static Task<TestGateway> StartAsync(Func<ClusterConfig, ClusterConfig>? cluster, params Uri[] backends)
        => StartAsync(o =>
        {
            o.Routes["r"] = new RouteConfig { Path = "/ws/{**rest}", Cluster = "c" };
            o.Clusters["c"] = (cluster ?? (c => c))(new ClusterConfig
            {
                Backends = backends.Select((b, i) => (b, i)).ToDictionary(x => $"b{x.i + 1}", x => new BackendConfig { Address = x.b.ToString() }),
            });
        });

    public static HttpClient Client(TestGateway gateway, string? apiKey = AdminKey)
    {
        var http = new HttpClient { BaseAddress = gateway.Http("/") };
        if (apiKey is not null)
        {
            http.DefaultRequestHeaders.Add(ApiKeyAuthenticationDefaults.HeaderName, apiKey);
        }

        return http;
    }

    public static async Task<JsonElement> GetJsonAsync(this HttpClient http, string path, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(path, cancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
    }

    /// <summary>Waits until <paramref name="condition"/> holds, polling; bounded by the token.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, CancellationToken cancellationToken)
    {
        while (!await condition())
        {
            await Task.Delay(20, cancellationToken);
        }
    }

    public static void ConnectWithKey(this System.Net.WebSockets.ClientWebSocketOptions options, string key)
        => options.SetRequestHeader(ApiKeyAuthenticationDefaults.HeaderName, key);
}
