using FluentAssertions;
using WebSocketProxy.Backends;
using WebSocketProxy.Model;

namespace WebSocketProxy.Tests.Backends;

public sealed class ResolvedBackendsTests
{
    [Fact]
    public void Map_ConfiguredDescriptions_ReturnsTheClustersOwnStates()
    {
        var cluster = BackendTestContext.Cluster(BackendTestContext.Backends(3), new RoundRobinPolicy());

        var states = new ResolvedBackends().Map(cluster, cluster.BackendDescriptions);

        states.Should().BeSameAs(cluster.Backends);
    }

    [Fact]
    public void Map_NewDescriptionsEachCall_SameStateForEqualDescriptions()
    {
        var cluster = BackendTestContext.Cluster(BackendTestContext.Backends(1), new RoundRobinPolicy());
        var resolved = new ResolvedBackends();

        var first = resolved.Map(cluster, [new BackendDescription("x", new Uri("ws://10.1.1.1/ws"))]);
        first[0].TryAcquireSlot(10).Should().BeTrue();
        var second = resolved.Map(cluster, [new BackendDescription("x", new Uri("ws://10.1.1.1/ws"))]);

        second[0].Should().BeSameAs(first[0], "a resolver that builds new descriptions must not lose health and limits");
        second[0].ConnectionSlots.Should().Be(1);
    }

    [Fact]
    public void Map_DescriptionEqualToAConfiguredBackend_ReturnsTheConfiguredState()
    {
        var cluster = BackendTestContext.Cluster(BackendTestContext.Backends(2), new RoundRobinPolicy());
        var copy = cluster.Backends[1].Description with { };

        var states = new ResolvedBackends().Map(cluster, [copy]);

        states[0].Should().BeSameAs(cluster.Backends[1]);
    }
}
