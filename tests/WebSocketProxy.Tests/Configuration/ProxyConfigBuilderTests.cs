using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Backends;
using WebSocketProxy.Configuration;
using WebSocketProxy.Management;

namespace WebSocketProxy.Tests.Configuration;

public sealed class ProxyConfigBuilderTests
{
    private static ProxyConfigBuilder CreateBuilder()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddWebSocketProxy();
        var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<ProxyConfigBuilder>();
    }

    [Fact]
    public void Build_ManyErrors_AllReportedWithTheirKeys()
    {
        var options = new WebSocketProxyOptions();
        options.Routes["chat"] = new RouteConfig { Path = "/chat", Cluster = "chats", MaxMessageBytes = 0, ForwardHeaders = ["Connection"], Transformers = ["nope"] };
        options.Routes["nopath"] = new RouteConfig { Cluster = "c" };
        options.Clusters["c"] = new ClusterConfig
        {
            LoadBalancing = "Whatever",
            ConnectAttempts = 0,
            Backends = new Dictionary<string, BackendConfig> { ["b"] = new() { Address = "ftp://x" }, ["e"] = new() },
        };
        var errors = new List<string>();

        CreateBuilder().Build(options, null, errors);

        errors.Should().Contain("WebSocketProxy:Routes:chat:Cluster refers to unknown cluster 'chats'.");
        errors.Should().Contain("WebSocketProxy:Routes:chat:MaxMessageBytes must be positive.");
        errors.Should().Contain(e => e.StartsWith("WebSocketProxy:Routes:chat:ForwardHeaders:0 'Connection'", StringComparison.Ordinal));
        errors.Should().Contain(e => e.StartsWith("WebSocketProxy:Routes:chat:Transformers:0 refers to unknown transformer 'nope'", StringComparison.Ordinal));
        errors.Should().Contain("WebSocketProxy:Routes:nopath:Path is required.");
        errors.Should().Contain(e => e.StartsWith("WebSocketProxy:Clusters:c:LoadBalancing refers to unknown policy 'Whatever'", StringComparison.Ordinal));
        errors.Should().Contain("WebSocketProxy:Clusters:c:ConnectAttempts must be at least 1.");
        errors.Should().Contain("WebSocketProxy:Clusters:c:Backends:b:Address 'ftp://x' must use ws, wss, http or https.");
        errors.Should().Contain("WebSocketProxy:Clusters:c:Backends:e:Address is required.");
    }

    [Fact]
    public void Build_ValidOptions_AppliesDefaults()
    {
        var options = new WebSocketProxyOptions();
        options.Routes["r"] = new RouteConfig { Path = "/ws/{**rest}", Cluster = "c" };
        options.Clusters["c"] = new ClusterConfig { Backends = new Dictionary<string, BackendConfig> { ["b"] = new() { Address = "https://example.test:8443/ws" } } };
        var errors = new List<string>();

        var snapshot = CreateBuilder().Build(options, null, errors);

        errors.Should().BeEmpty();
        var route = snapshot.Routes["r"];
        route.CatchAllParameter.Should().Be("rest");
        route.MaxMessageBytes.Should().Be(1024 * 1024);
        route.IdleTimeout.Should().Be(TimeSpan.FromMinutes(5));
        route.HandshakePolicy().XForwarded.Should().Be(ForwardedHeadersMode.Set);
        route.KeepAliveTimeout.Should().Be(TimeSpan.FromSeconds(20));
        route.SendTimeout.Should().Be(TimeSpan.FromSeconds(30));
        route.MaxFramesPerMessage.Should().Be(1024);
        var cluster = snapshot.Clusters["c"];
        cluster.BackendSettings().LoadBalancing.Name.Should().Be(LoadBalancingPolicies.PowerOfTwoChoices);
        cluster.Backends.Single().Address.Should().Be(new Uri("wss://example.test:8443/ws"));
        cluster.BackendSettings().ConnectTimeout.Should().Be(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Build_Reload_KeepsRuntimeBackendWhenUnchanged()
    {
        var builder = CreateBuilder();
        var options = new WebSocketProxyOptions();
        options.Clusters["c"] = new ClusterConfig { Backends = new Dictionary<string, BackendConfig> { ["a"] = new() { Address = "ws://a/ws" }, ["b"] = new() { Address = "ws://b/ws" } } };
        var first = builder.Build(options, null, []);
        var reloaded = new WebSocketProxyOptions();
        reloaded.Clusters["c"] = new ClusterConfig { Backends = new Dictionary<string, BackendConfig> { ["a"] = new() { Address = "ws://a/ws" }, ["b"] = new() { Address = "ws://b2/ws" } } };

        var second = builder.Build(reloaded, first, []);

        second.Clusters["c"].Backends[0].Should().BeSameAs(first.Clusters["c"].Backends[0]);
        second.Clusters["c"].Backends[1].Should().NotBeSameAs(first.Clusters["c"].Backends[1]);
    }
}
