using WebSocketProxy.Testing;
using FluentAssertions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WebSocketProxy.IntegrationTests.Infrastructure;
using WebSocketProxy.Management;

namespace WebSocketProxy.IntegrationTests.Configuration;

/// <summary>Route policy names (authorization, CORS, rate limiter) are checked on the first load and on every reload.</summary>
public sealed class PolicyNameValidationTests
{
    [Fact]
    public async Task Start_UnknownPolicyNames_FailWithEachKey()
    {
        var ct = Ws.Timeout();
        var builder = CreateBuilder(new Dictionary<string, string?>
        {
            ["WebSocketProxy:Routes:chat:Path"] = "/chat",
            ["WebSocketProxy:Routes:chat:Cluster"] = "c",
            ["WebSocketProxy:Routes:chat:AuthorizationPolicy"] = "admnis",
            ["WebSocketProxy:Routes:chat:CorsPolicy"] = "nope",
            ["WebSocketProxy:Routes:chat:RateLimiterPolicy"] = "per-ipp",
            ["WebSocketProxy:Clusters:c:Backends:a:Address"] = "ws://127.0.0.1:9/ws",
        });
        builder.Services.AddAuthorization(o => o.AddPolicy("admins", p => p.RequireAuthenticatedUser()));
        builder.Services.AddRateLimiter(o => o.AddFixedWindowLimiter("per-ip", w => { w.PermitLimit = 1; w.Window = TimeSpan.FromSeconds(1); }));
        await using var app = builder.Build();

        var start = async () =>
        {
            app.MapWebSocketProxy();
            await app.StartAsync(ct);
        };

        var error = (await start.Should().ThrowAsync<OptionsValidationException>()).Which;
        error.Failures.Should().Contain(f => f.StartsWith("WebSocketProxy:Routes:chat:AuthorizationPolicy refers to unknown authorization policy 'admnis'", StringComparison.Ordinal));
        error.Failures.Should().Contain(f => f.StartsWith("WebSocketProxy:Routes:chat:CorsPolicy refers to unknown CORS policy 'nope'", StringComparison.Ordinal));
        error.Failures.Should().Contain(f => f.StartsWith("WebSocketProxy:Routes:chat:RateLimiterPolicy refers to unknown rate limiter policy 'per-ipp'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_KnownPolicyNames_Accepted()
    {
        var ct = Ws.Timeout();
        var builder = CreateBuilder(new Dictionary<string, string?>
        {
            ["WebSocketProxy:Routes:chat:Path"] = "/chat",
            ["WebSocketProxy:Routes:chat:Cluster"] = "c",
            ["WebSocketProxy:Routes:chat:AuthorizationPolicy"] = "admins",
            ["WebSocketProxy:Routes:chat:CorsPolicy"] = "web",
            ["WebSocketProxy:Routes:chat:RateLimiterPolicy"] = "per-ip",
            ["WebSocketProxy:Clusters:c:Backends:a:Address"] = "ws://127.0.0.1:9/ws",
        });
        builder.Services.AddAuthorization(o => o.AddPolicy("admins", p => p.RequireAuthenticatedUser()));
        builder.Services.AddCors(o => o.AddPolicy("web", p => p.AllowAnyOrigin()));
        builder.Services.AddRateLimiter(o => o.AddFixedWindowLimiter("per-ip", w => { w.PermitLimit = 1; w.Window = TimeSpan.FromSeconds(1); }));
        await using var app = builder.Build();
        app.MapWebSocketProxy();

        await app.StartAsync(ct);

        app.Services.GetRequiredService<ProxyConfigManager>().Current.Routes.Should().ContainKey("chat");
        await app.StopAsync(ct);
    }

    [Fact]
    public async Task Reload_MisspelledAuthorizationPolicy_RejectedAndLastGoodKept()
    {
        var ct = Ws.Timeout();
        var source = new ReloadableSource();
        source.Set(Route("admins"));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        foreach (var json in builder.Configuration.Sources.OfType<Microsoft.Extensions.Configuration.Json.JsonConfigurationSource>().ToList())
        {
            builder.Configuration.Sources.Remove(json); // the sample's appsettings.json sits in the test output folder
        }

        builder.WebHost.UseUrls("http://127.0.0.1:0");
        ((IConfigurationBuilder)builder.Configuration).Add(source);
        builder.Services.AddWebSocketProxy(builder.Configuration.GetSection("WebSocketProxy"));
        builder.Services.AddAuthorization(o => o.AddPolicy("admins", p => p.RequireAuthenticatedUser()));
        await using var app = builder.Build();
        app.MapWebSocketProxy();
        await app.StartAsync(ct);
        var manager = app.Services.GetRequiredService<ProxyConfigManager>();
        var good = manager.Current;

        source.Set(Route("admnis"));

        manager.Current.Should().BeSameAs(good, "a reload naming an unknown policy is rejected");
        manager.Current.Routes["r"].Config.AuthorizationPolicy.Should().Be("admins");
        await app.StopAsync(ct);

        static Dictionary<string, string?> Route(string policy) => new()
        {
            ["WebSocketProxy:Routes:r:Path"] = "/ws",
            ["WebSocketProxy:Routes:r:Cluster"] = "c",
            ["WebSocketProxy:Routes:r:AuthorizationPolicy"] = policy,
            ["WebSocketProxy:Clusters:c:Backends:b:Address"] = "ws://127.0.0.1:9/ws",
        };
    }

    private static WebApplicationBuilder CreateBuilder(Dictionary<string, string?> values)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        foreach (var json in builder.Configuration.Sources.OfType<Microsoft.Extensions.Configuration.Json.JsonConfigurationSource>().ToList())
        {
            builder.Configuration.Sources.Remove(json); // the sample's appsettings.json sits in the test output folder
        }

        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(values);
        builder.Services.AddWebSocketProxy(builder.Configuration.GetSection("WebSocketProxy"));
        return builder;
    }

    private sealed class ReloadableSource : ConfigurationProvider, IConfigurationSource
    {
        public IConfigurationProvider Build(IConfigurationBuilder builder) => this;

        public void Set(IDictionary<string, string?> values)
        {
            Data = new Dictionary<string, string?>(values, StringComparer.OrdinalIgnoreCase);
            OnReload();
        }
    }
}
