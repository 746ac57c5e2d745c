using FluentAssertions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using WebSocketProxy.Configuration;
using WebSocketProxy.Llm;

namespace WebSocketProxy.Tests.Llm;

public sealed class LlmOptionsBindingTests
{
    [Fact]
    public void Bind_LlmSection_EverySettingRead()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["WebSocketProxy:Llm:Providers:openai:Type"] = "openai",
            ["WebSocketProxy:Llm:Providers:openai:ApiKey"] = "sk-1",
            ["WebSocketProxy:Llm:Providers:openai:Models:0"] = "gpt-4o-mini",
            ["WebSocketProxy:Llm:Providers:openai:Timeout"] = "00:00:30",
            ["WebSocketProxy:Llm:Routes:chat:Targets:0"] = "openai",
            ["WebSocketProxy:Llm:Routes:chat:Targets:1"] = "local/llama3.2",
            ["WebSocketProxy:Llm:Routes:chat:AllowedModels:0"] = "gpt-4o-mini",
            ["WebSocketProxy:Llm:Routes:chat:Templates:t"] = "Say {{x}}",
            ["WebSocketProxy:Llm:Routes:chat:MaxTokensCap"] = "256",
            ["WebSocketProxy:Llm:Routes:chat:AllowClientSystemMessages"] = "false",
            ["WebSocketProxy:Llm:Budgets:TokensPerMinute"] = "1000",
            ["WebSocketProxy:Llm:Budgets:ApiKeyHeader"] = "X-Key",
            ["WebSocketProxy:Llm:Cache:Enabled"] = "false",
            ["WebSocketProxy:Llm:Prices:gpt-4o-mini:InputPerMillion"] = "0.15",
            ["WebSocketProxy:Llm:MaxConcurrentRequests"] = "4",
            ["WebSocketProxy:Llm:MaxModelsPerRequest"] = "2",
            ["WebSocketProxy:Llm:SendTimeout"] = "00:00:05",
            ["WebSocketProxy:Llm:Budgets:CostPerDay"] = "2.5",
            ["WebSocketProxy:Llm:ApiKeys:team-a:Sha256"] = new string('a', 64),
            ["WebSocketProxy:Llm:ApiKeys:team-a:AllowedModels:0"] = "gpt-4o-mini",
            ["WebSocketProxy:Llm:ApiKeys:team-a:Budgets:TokensPerDay"] = "5000",
        }).Build();
        using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration)
            .AddWebSocketProxy(configuration.GetSection("WebSocketProxy")).AddLlm().Services.BuildServiceProvider();

        var llm = services.GetRequiredService<IOptions<LlmOptions>>().Value;

        llm.Providers["OPENAI"].Should().BeEquivalentTo(new LlmProviderConfig { Type = "openai", ApiKey = "sk-1", Models = ["gpt-4o-mini"], Timeout = TimeSpan.FromSeconds(30) });
        var route = llm.Routes["chat"];
        route.Targets.Should().Equal("openai", "local/llama3.2");
        route.AllowedModels.Should().Equal("gpt-4o-mini");
        route.Templates["t"].Should().Be("Say {{x}}");
        route.MaxTokensCap.Should().Be(256);
        route.AllowClientSystemMessages.Should().BeFalse();
        llm.Budgets.TokensPerMinute.Should().Be(1000);
        llm.Budgets.ApiKeyHeader.Should().Be("X-Key");
        llm.Cache.Enabled.Should().BeFalse();
        llm.Prices["gpt-4o-mini"].InputPerMillion.Should().Be(0.15m);
        llm.MaxConcurrentRequests.Should().Be(4);
        llm.MaxModelsPerRequest.Should().Be(2);
        llm.SendTimeout.Should().Be(TimeSpan.FromSeconds(5));
        llm.Budgets.CostPerDay.Should().Be(2.5m);
        llm.ApiKeys["TEAM-A"].Should().BeEquivalentTo(new LlmApiKeyConfig { Sha256 = new string('a', 64), AllowedModels = ["gpt-4o-mini"], Budgets = new LlmBudgetConfig { TokensPerDay = 5000 } });
    }

    [Fact]
    public void Reload_InvalidKeepsLastGood_ValidApplies()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["WebSocketProxy:Llm:Providers:openai:Type"] = "openai",
            ["WebSocketProxy:Llm:Budgets:TokensPerMinute"] = "1000",
        }).Build();
        using var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration)
            .AddWebSocketProxy(configuration.GetSection("WebSocketProxy")).AddLlm().Services.BuildServiceProvider();
        var source = services.GetRequiredService<LlmOptionsSource>();
        source.AddRoute(new LlmRouteBuilder("/llm"));

        configuration["WebSocketProxy:Llm:Budgets:WarnBelow"] = "5"; // out of range
        configuration["WebSocketProxy:Llm:Budgets:TokensPerMinute"] = "2000";
        configuration.Reload();
        var afterBad = source.Current;
        configuration["WebSocketProxy:Llm:Budgets:WarnBelow"] = "0.5";
        configuration.Reload();

        afterBad.Budgets.TokensPerMinute.Should().Be(1000, "a reload with an error is rejected as a whole");
        source.Current.Budgets.TokensPerMinute.Should().Be(2000);
        source.Current.Budgets.WarnBelow.Should().Be(0.5);
    }

    [Fact]
    public void AddWebSocketProxy_WithoutAddLlm_NoLlmServices()
    {
        using var services = new ServiceCollection().AddWebSocketProxy(o => { }).Services.BuildServiceProvider();

        services.GetService<LlmEndpointHandler>().Should().BeNull("LLM mode is opt-in");
        services.GetService<LlmChatProcessor>().Should().BeNull();
    }
}
