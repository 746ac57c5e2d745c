using System.Net.Sockets;
using System.Net;
using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using WebSocketProxy.Backends;
using WebSocketProxy.Configuration;
using WebSocketProxy.Model;

namespace WebSocketProxy.Tests.Backends;

public sealed class DnsBackendResolverTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UnixEpoch);
    private IPAddress[] _answer = [IPAddress.Parse("10.0.0.1"), IPAddress.Parse("fd00::1")];
    private Exception? _failure;
    private int _lookups;

    private DnsBackendResolver CreateResolver() => new(
        (host, _) =>
        {
            _lookups++;
            host.Should().Be("chat.internal");
            return _failure is null ? Task.FromResult(_answer) : Task.FromException<IPAddress[]>(_failure);
        },
        _time,
        NullLogger<DnsBackendResolver>.Instance);

    private static ProxyConnectionContext Connection()
    {
        var backends = new List<BackendState> { BackendTestContext.Backend("chat", "ws://chat.internal:8080/ws"), BackendTestContext.Backend("fixed", "ws://10.9.9.9:8080/ws") };
        var cluster = BackendTestContext.Cluster(backends, new RoundRobinPolicy(), new ClusterConfig { ResolverRefreshInterval = TimeSpan.FromSeconds(30) });
        return BackendTestContext.Connection(cluster);
    }

    [Fact]
    public async Task ResolveAsync_HostName_ExpandedToEveryAddress_IpLiteralsKept()
    {
        var resolver = CreateResolver();

        var backends = await resolver.ResolveAsync(Connection(), TestContext.Current.CancellationToken);

        backends.Select(b => b.Address.ToString()).Should().BeEquivalentTo("ws://10.0.0.1:8080/ws", "ws://[fd00::1]:8080/ws", "ws://10.9.9.9:8080/ws");
        backends.Select(b => b.Id).Should().Contain(["chat/10.0.0.1", "chat/fd00::1", "fixed"]);
        backends.Single(b => b.Id == "chat/10.0.0.1").HostHeader.Should().Be("chat.internal:8080");
        backends.Single(b => b.Id == "fixed").HostHeader.Should().BeNull();
    }

    [Fact]
    public async Task ResolveAsync_WithinInterval_Cached_AfterInterval_Refreshed_BackendsReused()
    {
        var resolver = CreateResolver();
        var connection = Connection();
        var first = await resolver.ResolveAsync(connection, TestContext.Current.CancellationToken);
        _time.Advance(TimeSpan.FromSeconds(29));
        await resolver.ResolveAsync(connection, TestContext.Current.CancellationToken);
        _lookups.Should().Be(1);

        _answer = [IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.2")];
        _time.Advance(TimeSpan.FromSeconds(2));
        var served = await resolver.ResolveAsync(connection, TestContext.Current.CancellationToken);
        var refreshed = await resolver.ResolveAsync(connection, TestContext.Current.CancellationToken);

        served.Should().Equal(first, "an expired list is served at once while the refresh runs in the background");
        _lookups.Should().Be(2);
        refreshed.Select(b => b.Id).Should().Contain("chat/10.0.0.2").And.NotContain("chat/fd00::1");
        refreshed.Single(b => b.Id == "chat/10.0.0.1").Should().Be(first.Single(b => b.Id == "chat/10.0.0.1"), "an unchanged address is described the same, so ResolvedBackends maps it to the same state");
    }

    [Fact]
    public async Task ResolveAsync_RefreshFails_KeepsLastGoodList()
    {
        var resolver = CreateResolver();
        var connection = Connection();
        var first = await resolver.ResolveAsync(connection, TestContext.Current.CancellationToken);
        _failure = new SocketException((int)SocketError.HostNotFound);
        _time.Advance(TimeSpan.FromMinutes(1));

        var stale = await resolver.ResolveAsync(connection, TestContext.Current.CancellationToken);

        stale.Should().Equal(first);
    }

    [Fact]
    public async Task ResolveAsync_FirstResolutionOfEveryHostFails_Throws()
    {
        var resolver = CreateResolver();
        _failure = new SocketException((int)SocketError.HostNotFound);
        var cluster = BackendTestContext.Cluster([BackendTestContext.Backend("chat", "ws://chat.internal:8080/ws")], new RoundRobinPolicy());

        var act = async () => await resolver.ResolveAsync(BackendTestContext.Connection(cluster), TestContext.Current.CancellationToken);

        await act.Should().ThrowAsync<SocketException>();
    }

    [Fact]
    public async Task ResolveAsync_OneHostUnresolvable_OtherBackendsServed()
    {
        var resolver = CreateResolver();
        _failure = new SocketException((int)SocketError.HostNotFound);

        var backends = await resolver.ResolveAsync(Connection(), TestContext.Current.CancellationToken);

        backends.Select(b => b.Id).Should().Equal(["fixed"], "one unresolvable host does not fail the cluster");
    }

    [Fact]
    public async Task ResolveAsync_SlowRefresh_CallersServedTheLastGoodListWithoutWaiting()
    {
        var slow = new TaskCompletionSource<IPAddress[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        var resolver = new DnsBackendResolver(
            (_, _) => Interlocked.Increment(ref calls) == 1 ? Task.FromResult(_answer) : slow.Task,
            _time,
            NullLogger<DnsBackendResolver>.Instance);
        var connection = Connection();
        var first = await resolver.ResolveAsync(connection, TestContext.Current.CancellationToken);
        _time.Advance(TimeSpan.FromMinutes(1));

        var waiting = new List<Task<IReadOnlyList<WebSocketProxy.Model.BackendDescription>>>();
        for (var i = 0; i < 5; i++)
        {
            waiting.Add(resolver.ResolveAsync(connection, TestContext.Current.CancellationToken).AsTask());
        }

        waiting.Should().OnlyContain(t => t.IsCompletedSuccessfully, "nobody waits for a slow DNS server when a last good list exists");
        foreach (var task in waiting)
        {
            (await task).Should().Equal(first);
        }

        calls.Should().Be(2, "one background refresh, not one per caller");
        slow.SetResult([IPAddress.Parse("10.0.0.9")]);
    }
}
