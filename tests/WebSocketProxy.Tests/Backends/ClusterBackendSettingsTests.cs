using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Backends;
using WebSocketProxy.Configuration;
using WebSocketProxy.Management;

namespace WebSocketProxy.Tests.Backends;

public sealed class ClusterBackendSettingsTests
{
    [Fact]
    public void Build_BadBackendSettings_EveryErrorNamesItsKey()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddWebSocketProxy();
        var builder = services.BuildServiceProvider().GetRequiredService<ProxyConfigBuilder>();
        var options = new WebSocketProxyOptions();
        options.Clusters["c"] = new ClusterConfig
        {
            Backends = new Dictionary<string, BackendConfig> { ["b1"] = new() { Address = "ws://10.0.0.1/ws", MaxConnections = 0 } },
            LoadBalancing = "ConsistentHash",
            HashKey = "cookie:session",
            ConnectDeadline = TimeSpan.FromMilliseconds(1),
            ConnectRetryDelay = TimeSpan.FromSeconds(-1),
            MaxConnectionsPerBackend = 0,
            DrainGracePeriod = TimeSpan.FromSeconds(-1),
            ResolverRefreshInterval = TimeSpan.Zero,
            HealthCheck = new HealthCheckConfig
            {
                RetryAfter = TimeSpan.FromSeconds(-1),
                Passive = new PassiveHealthConfig { FailureRatio = 1.5, MinimumThroughput = 1, SamplingDuration = TimeSpan.FromMilliseconds(10), BreakDuration = TimeSpan.FromMilliseconds(10) },
                Active = new ActiveHealthConfig { Enabled = true, Interval = TimeSpan.FromMilliseconds(1), Timeout = TimeSpan.Zero, HealthyThreshold = 0, UnhealthyThreshold = 0, Path = "health" },
            },
            Tls = new BackendTlsConfig { CaCertificatePath = "/nonexistent/ca.pem", ClientCertificatePath = "/nonexistent/client.pfx", Thumbprints = ["not-hex"] },
        };
        var errors = new List<string>();

        builder.Build(options, null, errors);

        const string Key = "WebSocketProxy:Clusters:c";
        errors.Should().BeEquivalentTo(
            $"{Key}:ConnectDeadline must be at least 10 milliseconds.",
            $"{Key}:ConnectRetryDelay must be between 0 and 1 minute.",
            $"{Key}:HashKey 'cookie:session' must be 'header:NAME', 'query:NAME', 'claim:TYPE', 'route:NAME' or 'ip'.",
            $"{Key}:MaxConnectionsPerBackend must be at least 1.",
            $"{Key}:DrainGracePeriod must not be negative.",
            $"{Key}:ResolverRefreshInterval must be positive.",
            $"{Key}:Backends:b1:MaxConnections must be at least 1.",
            $"{Key}:HealthCheck:RetryAfter must not be negative.",
            $"{Key}:HealthCheck:Passive:FailureRatio must be greater than 0 and at most 1.",
            $"{Key}:HealthCheck:Passive:MinimumThroughput must be at least 2.",
            $"{Key}:HealthCheck:Passive:SamplingDuration must be at least 500 milliseconds.",
            $"{Key}:HealthCheck:Passive:BreakDuration must be at least 500 milliseconds.",
            $"{Key}:HealthCheck:Active:Interval must be at least 50 milliseconds.",
            $"{Key}:HealthCheck:Active:Timeout must be positive.",
            $"{Key}:HealthCheck:Active:HealthyThreshold must be at least 1.",
            $"{Key}:HealthCheck:Active:UnhealthyThreshold must be at least 1.",
            $"{Key}:HealthCheck:Active:Path 'health' must start with '/'.",
            $"{Key}:Tls:CaCertificatePath '/nonexistent/ca.pem' does not exist.",
            $"{Key}:Tls:ClientCertificatePath '/nonexistent/client.pfx' does not exist.",
            $"{Key}:Tls:Thumbprints:0 must be a SHA-1 (40) or SHA-256 (64) hex thumbprint.");
    }

    [Fact]
    public void Defaults_AreDocumentedValues()
    {
        var options = new ClusterBackendSettings(new ClusterConfig(), new ConfigBackendResolver(), new RoundRobinPolicy());

        options.ConnectAttempts.Should().Be(3);
        options.ConnectDeadline.Should().Be(TimeSpan.FromSeconds(10));
        options.ConnectRetryDelay.Should().Be(TimeSpan.Zero);
        options.HashKey.Kind.Should().Be(HashKeyKind.Ip);
        options.Passive.Enabled.Should().BeTrue();
        options.Passive.FailureRatio.Should().Be(0.5);
        options.Passive.MinimumThroughput.Should().Be(5);
        options.Passive.BreakDuration.Should().Be(TimeSpan.FromSeconds(30));
        options.Active.Should().BeNull();
        options.PanicMode.Should().BeTrue();
        options.RetryAfter.Should().Be(TimeSpan.FromSeconds(5));
        options.DrainGracePeriod.Should().Be(TimeSpan.FromSeconds(30));
        options.DefaultConnectionLimit.Should().Be(int.MaxValue);
    }

    [Fact]
    public void ActiveDefaults_HttpProbeOnHealthPath()
    {
        var active = new ActiveHealthSettings(new ActiveHealthConfig { Enabled = true });

        active.Kind.Should().Be(HealthProbeKind.Http);
        active.Path.Should().Be("/health");
        active.Interval.Should().Be(TimeSpan.FromSeconds(10));
        active.Timeout.Should().Be(TimeSpan.FromSeconds(2));
        active.HealthyThreshold.Should().Be(1);
        active.UnhealthyThreshold.Should().Be(2);
        BackendHealthProbeService.ProbeUri(new Uri("wss://10.0.0.1:8443/ws/chat?x=1"), "/health", websocket: false).ToString().Should().Be("https://10.0.0.1:8443/health");
        BackendHealthProbeService.ProbeUri(new Uri("ws://10.0.0.1/ws"), null, websocket: true).ToString().Should().Be("ws://10.0.0.1/ws");
    }
}
