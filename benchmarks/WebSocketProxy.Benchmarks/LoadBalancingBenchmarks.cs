using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing.Patterns;
using WebSocketProxy.Backends;
using WebSocketProxy.Benchmarks.Infrastructure;
using WebSocketProxy.Configuration;
using WebSocketProxy.Forwarding;
using WebSocketProxy.Model;

namespace WebSocketProxy.Benchmarks;

/// <summary>One load-balancing pick among 4 or 64 backends.</summary>
[MemoryDiagnoser]
public class LoadBalancingBenchmarks
{
    private ProxyConnectionContext _context = null!;
    private IReadOnlyList<BackendState> _backends = null!;
    private readonly PowerOfTwoChoicesPolicy _powerOfTwo = new();
    private readonly RoundRobinPolicy _roundRobin = new();

    /// <summary>Gets or sets the number of candidate backends.</summary>
    [Params(4, 64)]
    public int Backends { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var cluster = ProxiedPair.CreateCluster(Backends);
        var route = new RouteModel("bench", new RouteConfig { Path = "/ws", Cluster = "bench" }, RoutePatternFactory.Parse("/ws"), FeatureSet.Empty);
        _context = new ProxyConnectionContext(new DefaultHttpContext(), route, cluster);
        _backends = cluster.Backends;
        for (var i = 0; i < _backends.Count; i++)
        {
            for (var c = 0; c < i % 7; c++)
            {
                _backends[i].OnSessionStarted();
            }
        }
    }

    [Benchmark(Description = "PowerOfTwoChoices")]
    public BackendState? PowerOfTwoChoices() => _powerOfTwo.PickBackend(_context, _backends);

    [Benchmark(Description = "RoundRobin")]
    public BackendState? RoundRobin() => _roundRobin.PickBackend(_context, _backends);
}
