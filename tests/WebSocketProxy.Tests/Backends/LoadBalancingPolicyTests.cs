using System.Net;
using System.Security.Claims;
using FluentAssertions;
using Microsoft.AspNetCore.Http;
using WebSocketProxy.Backends;
using WebSocketProxy.Configuration;
using WebSocketProxy.Model;

namespace WebSocketProxy.Tests.Backends;

public sealed class LoadBalancingPolicyTests
{
    private readonly ITestOutputHelper _output;

    public LoadBalancingPolicyTests(ITestOutputHelper output)
    {
        _output = output;
    }

    public static TheoryData<string> Policies =>
    [
        LoadBalancingPolicies.PowerOfTwoChoices,
        LoadBalancingPolicies.RoundRobin,
        LoadBalancingPolicies.LeastConnections,
        LoadBalancingPolicies.Random,
        LoadBalancingPolicies.ConsistentHash,
    ];

    private static ILoadBalancingPolicy Create(string name) => name switch
    {
        LoadBalancingPolicies.PowerOfTwoChoices => new PowerOfTwoChoicesPolicy(),
        LoadBalancingPolicies.RoundRobin => new RoundRobinPolicy(),
        LoadBalancingPolicies.LeastConnections => new LeastConnectionsPolicy(),
        LoadBalancingPolicies.Random => new RandomPolicy(),
        _ => new ConsistentHashPolicy(),
    };

    [Theory]
    [MemberData(nameof(Policies))]
    public void PickBackend_TenThousandConnectionsOverFour_SpreadsEvenly(string name)
    {
        var policy = Create(name);
        policy.Name.Should().Be(name);
        var backends = BackendTestContext.Backends(4);
        var cluster = BackendTestContext.Cluster(backends, policy, new ClusterConfig { HashKey = "header:X-User" });
        var counts = new Dictionary<BackendState, int>();
        for (var i = 0; i < 10_000; i++)
        {
            var connection = BackendTestContext.Connection(cluster, h => h.Request.Headers["X-User"] = $"user-{i}");
            var picked = policy.PickBackend(connection, backends)!;

            // Each pick becomes a live session that stays open, so load-aware policies see the load grow.
            picked.TryAcquireSlot(int.MaxValue).Should().BeTrue();
            picked.OnSessionStarted();
            counts[picked] = counts.GetValueOrDefault(picked) + 1;
        }

        _output.WriteLine($"{name}: {string.Join(", ", backends.Select(b => $"{b.Id}={counts.GetValueOrDefault(b)}"))}");
        counts.Values.Sum().Should().Be(10_000);
        foreach (var backend in backends)
        {
            // 2,500 each when even; random and hashing stay well within ±12%.
            counts.GetValueOrDefault(backend).Should().BeInRange(2_200, 2_800, $"{name} should spread evenly");
        }
    }

    [Fact]
    public void LeastConnections_PicksTheBackendWithFewestSessions()
    {
        var backends = BackendTestContext.Backends(3);
        Hold(backends[0], 3);
        Hold(backends[1], 1);
        Hold(backends[2], 2);
        var policy = new LeastConnectionsPolicy();
        var connection = BackendTestContext.Connection(BackendTestContext.Cluster(backends, policy));

        policy.PickBackend(connection, backends).Should().BeSameAs(backends[1]);
    }

    [Fact]
    public void LeastConnections_EndedSessionsAreReleased_CountsExact()
    {
        var backend = BackendTestContext.Backends(1)[0];
        Hold(backend, 2);
        backend.OnSessionEnded();

        backend.ActiveConnections.Should().Be(1);
        backend.ConnectionSlots.Should().Be(1);
    }

    [Fact]
    public void PowerOfTwoChoices_NeverPicksTheMostLoadedOfThree()
    {
        var backends = BackendTestContext.Backends(3);
        Hold(backends[2], 10);
        var policy = new PowerOfTwoChoicesPolicy();
        var connection = BackendTestContext.Connection(BackendTestContext.Cluster(backends, policy));

        for (var i = 0; i < 200; i++)
        {
            policy.PickBackend(connection, backends).Should().NotBeSameAs(backends[2]);
        }
    }

    [Fact]
    public void RoundRobin_CyclesInOrder()
    {
        var backends = BackendTestContext.Backends(3);
        var policy = new RoundRobinPolicy();
        var connection = BackendTestContext.Connection(BackendTestContext.Cluster(backends, policy));

        var picks = Enumerable.Range(0, 6).Select(_ => policy.PickBackend(connection, backends)!.Id).ToList();

        picks.Should().Equal("b0", "b1", "b2", "b0", "b1", "b2");
    }

    [Theory]
    [InlineData("header:X-User")]
    [InlineData("query:room")]
    [InlineData("claim:sub")]
    [InlineData("route:room")]
    [InlineData("ip")]
    public void ConsistentHash_SameKey_SameBackendEveryTime(string hashKey)
    {
        var backends = BackendTestContext.Backends(5);
        var policy = new ConsistentHashPolicy();
        var cluster = BackendTestContext.Cluster(backends, policy, new ClusterConfig { HashKey = hashKey });
        var firstPicks = new HashSet<string>();
        for (var user = 0; user < 50; user++)
        {
            var key = $"key-{user}";
            var picked = Enumerable.Range(0, 5)
                .Select(_ => policy.PickBackend(BackendTestContext.Connection(cluster, h => WithKey(h, key)), backends)!.Id)
                .Distinct()
                .ToList();
            picked.Should().ContainSingle($"key {key} from {hashKey} must stick to one backend");
            firstPicks.Add(picked[0]);
        }

        firstPicks.Should().HaveCountGreaterThan(1, "different keys spread over the backends");
    }

    [Fact]
    public void ConsistentHash_UnhealthyBackendRemoved_OnlyItsKeysMove()
    {
        var backends = BackendTestContext.Backends(4);
        var policy = new ConsistentHashPolicy();
        var cluster = BackendTestContext.Cluster(backends, policy, new ClusterConfig { HashKey = "header:X-User" });
        var healthy = backends.Where(b => b.Id != "b2").ToList();
        for (var i = 0; i < 2_000; i++)
        {
            var connection = BackendTestContext.Connection(cluster, h => h.Request.Headers["X-User"] = $"u{i}");
            var before = policy.PickBackend(connection, backends)!;
            var after = policy.PickBackend(connection, healthy)!;
            if (before.Id != "b2")
            {
                after.Should().BeSameAs(before);
            }
        }
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("ip", true)]
    [InlineData("header:X-User", true)]
    [InlineData("Query: room", true)]
    [InlineData("claim:sub", true)]
    [InlineData("route:room", true)]
    [InlineData("cookie:x", false)]
    [InlineData("header:", false)]
    [InlineData("header", false)]
    public void HashKeySource_TryParse(string? value, bool valid)
    {
        HashKeySource.TryParse(value, out _).Should().Be(valid);
    }

    private static void WithKey(HttpContext http, string key)
    {
        http.Request.Headers["X-User"] = key;
        http.Request.QueryString = new QueryString($"?room={key}");
        http.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", key)], "test"));
        http.Request.RouteValues["room"] = key;
        http.Connection.RemoteIpAddress = IPAddress.Parse($"10.1.{key.Length}.{int.Parse(key.AsSpan(4), System.Globalization.CultureInfo.InvariantCulture)}");
    }

    private static void Hold(BackendState backend, int sessions)
    {
        for (var i = 0; i < sessions; i++)
        {
            backend.TryAcquireSlot(int.MaxValue);
            backend.OnSessionStarted();
        }
    }
}
