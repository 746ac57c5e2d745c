using System.Net.Sockets;
using System.Net;
using FluentAssertions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using WebSocketProxy.Backends;
using WebSocketProxy.Configuration;
using WebSocketProxy.Model;
using WebSocketProxy.Tests.Backends;

namespace WebSocketProxy.Tests.Hardening;

/// <summary>
/// Issue 10, item 16: the <c>Dns</c> resolver isolates failures per host and never makes a connection wait for a
/// refresh while a last good list exists. Driven through the resolver's lookup seam (no real DNS: the network stays on loopback).
/// </summary>
[Trait("Issue", "10")]
public sealed class DnsResolverHardeningTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UnixEpoch);

    private static ProxyConnectionContext Connection(params string[] hosts)
    {
        var backends = hosts.Select(h => BackendTestContext.Backend(h, $"ws://{h}:8080/ws")).ToList();
        var cluster = BackendTestContext.Cluster(backends, new RoundRobinPolicy(), new ClusterConfig { Resolver = BackendResolvers.Dns, ResolverRefreshInterval = TimeSpan.FromSeconds(30) });
        return BackendTestContext.Connection(cluster);
    }

    /// <summary>Item 16. One host of the cluster does not resolve: the other host's addresses are still served (the first resolution does not fail the whole cluster).</summary>
    [Fact]
    public async Task Item16_OneHostUnresolvable_OtherHostsServed()
    {
        var resolver = new DnsBackendResolver(
            (host, _) => host == "good.internal"
                ? Task.FromResult(new[] { IPAddress.Parse("10.0.0.1") })
                : Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound)),
            _time,
            NullLogger<DnsBackendResolver>.Instance);

        IReadOnlyList<BackendDescription>? backends = null;
        Exception? failure = null;
        try
        {
            backends = await resolver.ResolveAsync(Connection("good.internal", "gone.internal"), TestContext.Current.CancellationToken);
        }
        catch (Exception ex)
        {
            failure = ex;
        }

        failure.Should().BeNull("one unresolvable host must not fail the cluster");
        backends!.Select(b => b.Address.ToString()).Should().Equal("ws://10.0.0.1:8080/ws");
    }

    /// <summary>
    /// Item 16. When the list is due for a refresh and the lookup is slow, connections are served the last good list at
    /// once (the refresh happens in the background) instead of queueing behind the lookup.
    /// </summary>
    [Fact]
    public async Task Item16_SlowRefreshWithLastGoodList_CallersServedWithoutWaiting()
    {
        var slow = new TaskCompletionSource<IPAddress[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var lookups = 0;
        var resolver = new DnsBackendResolver(
            (_, _) => Interlocked.Increment(ref lookups) == 1 ? Task.FromResult(new[] { IPAddress.Parse("10.0.0.1") }) : slow.Task,
            _time,
            NullLogger<DnsBackendResolver>.Instance);
        var connection = Connection("chat.internal");
        var first = await resolver.ResolveAsync(connection, TestContext.Current.CancellationToken);
        _time.Advance(TimeSpan.FromMinutes(1)); // the list is stale: the next call triggers a refresh, whose lookup hangs

        var callers = Enumerable.Range(0, 5).Select(_ => resolver.ResolveAsync(connection, TestContext.Current.CancellationToken).AsTask()).ToArray();
        var all = Task.WhenAll(callers);
        await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken));

        try
        {
            all.IsCompleted.Should().BeTrue("{0} of 5 callers were still waiting for the slow refresh after 2 s although a last good list existed", callers.Count(c => !c.IsCompleted));
            foreach (var caller in callers)
            {
                (await caller).Should().Equal(first);
            }
        }
        finally
        {
            slow.TrySetResult([IPAddress.Parse("10.0.0.1")]); // let the refresh (and any waiting caller) finish
            await all.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        }
    }
}
