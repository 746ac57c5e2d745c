using System.Net.WebSockets;
using FluentAssertions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WebSocketProxy.IntegrationTests.Infrastructure;

namespace WebSocketProxy.IntegrationTests.Configuration;

public sealed class ConfigurationTests
{
    [Fact]
    public async Task Start_InvalidConfiguration_FailsWithEveryErrorNamingItsKey()
    {
        var ct = Ws.Timeout();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        foreach (var json in builder.Configuration.Sources.OfType<Microsoft.Extensions.Configuration.Json.JsonConfigurationSource>().ToList())
        {
            builder.Configuration.Sources.Remove(json); // the sample's appsettings.json sits in the test output folder
        }

        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["WebSocketProxy:Routes:chat:Path"] = "/chat",
            ["WebSocketProxy:Routes:chat:Cluster"] = "chats",
            ["WebSocketProxy:Clusters:chat:Backends:a:Address"] = "not a uri",
        });
        builder.Services.AddWebSocketProxy(builder.Configuration.GetSection("WebSocketProxy"));
        await using var app = builder.Build();

        var start = async () =>
        {
            app.MapWebSocketProxy();
            await app.StartAsync(ct);
        };

        var error = (await start.Should().ThrowAsync<OptionsValidationException>()).Which;
        error.Failures.Should().Contain("WebSocketProxy:Routes:chat:Cluster refers to unknown cluster 'chats'.");
        error.Failures.Should().Contain("WebSocketProxy:Clusters:chat:Backends:a:Address 'not a uri' is not an absolute URI.");
        error.Message.Should().Contain("chats").And.Contain("not a uri");
    }

    [Fact]
    public async Task Map_WithoutAdd_ThrowsNamingTheMissingCall()
    {
        var builder = WebApplication.CreateSlimBuilder();
        await using var app = builder.Build();

        var map = () => app.MapWebSocketProxy();

        map.Should().Throw<InvalidOperationException>().WithMessage("*AddWebSocketProxy*");
    }

    [Fact]
    public async Task Reload_NewBackend_NewConnectionsMoveLiveOnesStay()
    {
        var ct = Ws.Timeout();
        await using var first = await TestBackend.StartEchoAsync();
        await using var second = await TestBackend.StartEchoAsync();
        var source = new ReloadableSource();
        source.Set(new Dictionary<string, string?>
        {
            ["WebSocketProxy:Routes:r:Path"] = "/ws",
            ["WebSocketProxy:Routes:r:Cluster"] = "c",
            ["WebSocketProxy:Clusters:c:Backends:b:Address"] = first.WsUri().ToString(),
        });
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        foreach (var json in builder.Configuration.Sources.OfType<Microsoft.Extensions.Configuration.Json.JsonConfigurationSource>().ToList())
        {
            builder.Configuration.Sources.Remove(json); // the sample's appsettings.json sits in the test output folder
        }

        builder.WebHost.UseUrls("http://127.0.0.1:0");
        ((IConfigurationBuilder)builder.Configuration).Add(source);
        builder.Services.AddWebSocketProxy(builder.Configuration.GetSection("WebSocketProxy"));
        await using var app = builder.Build();
        app.MapWebSocketProxy();
        await app.StartAsync(ct);
        var port = new Uri(app.Urls.First()).Port;
        using var live = await Ws.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/ws"), ct);

        source.Set(new Dictionary<string, string?>
        {
            ["WebSocketProxy:Routes:r:Path"] = "/ws",
            ["WebSocketProxy:Routes:r:Cluster"] = "c",
            ["WebSocketProxy:Routes:r2:Path"] = "/added",
            ["WebSocketProxy:Routes:r2:Cluster"] = "c",
            ["WebSocketProxy:Clusters:c:Backends:b:Address"] = second.WsUri().ToString(),
        });
        using var fresh = await Ws.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/ws"), ct);
        using var added = await Ws.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/added"), ct);

        await live.SendTextAsync("still alive", ct);
        (await live.ReceiveMessageAsync(ct)).Text.Should().Be("still alive");
        first.Handshakes.Should().HaveCount(1);
        second.Handshakes.Should().HaveCount(2);

        source.Set(new Dictionary<string, string?> { ["WebSocketProxy:Routes:r:Path"] = "/ws", ["WebSocketProxy:Routes:r:Cluster"] = "missing" });
        using var afterBadReload = await Ws.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/ws"), ct);
        second.Handshakes.Should().HaveCount(3, "a bad reload is ignored and the last good configuration stays");
        await app.StopAsync(ct);
    }

    /// <summary>An in-memory configuration source whose data can be replaced, firing a reload.</summary>
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
