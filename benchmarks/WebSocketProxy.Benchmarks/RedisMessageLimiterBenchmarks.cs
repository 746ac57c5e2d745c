using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WebSocketProxy.Configuration;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.RateLimiting;
using WebSocketProxy.Redis;

namespace WebSocketProxy.Benchmarks;

/// <summary>
/// Cost per message of a per-user message limit: the in-memory bucket, the Redis-shared bucket (leased slices spent
/// locally), and — for scale — one Redis script round trip per message, which is what leasing avoids. Needs
/// <c>redis-server</c> on PATH (started on a free loopback port) or <c>WEBSOCKETPROXY_BENCH_REDIS</c>.
/// </summary>
[MemoryDiagnoser]
public class RedisMessageLimiterBenchmarks
{
    // High enough that the benchmark never runs the bucket dry: the allowed path is measured, with a lease every
    // half slice (100 ms of the rate / 2 = 5,000,000 messages).
    private const double PerSecond = 100_000_000;

    private Process? _redisServer;
    private ServiceProvider _services = null!;
    private RedisConnection _connection = null!;
    private MessageLimiter _inMemory = null!;
    private MessageLimiter _redisLeased = null!;
    private IDatabase _database = null!;
    private RedisKey _roundTripKey;

    [GlobalSetup]
    public void Setup()
    {
        var configuration = Environment.GetEnvironmentVariable("WEBSOCKETPROXY_BENCH_REDIS");
        if (string.IsNullOrEmpty(configuration))
        {
            var port = FreePort();
            _redisServer = Process.Start(new ProcessStartInfo("redis-server") { ArgumentList = { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" }, RedirectStandardOutput = true, UseShellExecute = false })
                ?? throw new InvalidOperationException("redis-server did not start.");
            configuration = $"127.0.0.1:{port}";
        }

        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new ProxyMetrics(_services.GetRequiredService<IMeterFactory>());
        _connection = new RedisConnection(Options.Create(new RedisOptions { Configuration = configuration, KeyPrefix = "wspbench:" }), NullLogger<RedisConnection>.Instance);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!_connection.IsConnected && DateTime.UtcNow < deadline)
        {
            _connection.GetAsync().GetAwaiter().GetResult();
            Thread.Sleep(50); // setup only: waits for the server to accept connections
        }

        var config = new MessageRateLimitConfig { PermitsPerSecond = PerSecond, Burst = (int)PerSecond, OnExceeded = ViolationAction.Drop };
        _inMemory = new MessageLimiter(null, MessageLimitRule.Create(config, TimeProvider.System), TimeProvider.System);
        var shared = new RedisSharedTokenBuckets(_connection, metrics, TimeProvider.System, NullLogger<RedisSharedTokenBuckets>.Instance);
        _redisLeased = new MessageLimiter(null, MessageLimitRule.Create(config, TimeProvider.System, shared, "bench:user"), TimeProvider.System);
        _database = _connection.GetAsync().GetAwaiter().GetResult().GetDatabase();
        _roundTripKey = "wspbench:roundtrip";
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _services.Dispose();
        if (_redisServer is { HasExited: false })
        {
            _redisServer.Kill();
            _redisServer.WaitForExit();
        }
    }

    [Benchmark(Baseline = true, Description = "per-user limit, in memory")]
    public bool InMemory() => _inMemory.AcquireAsync(messageStart: true, bytes: 64, CancellationToken.None).Result == RateLimitVerdict.Allowed;

    [Benchmark(Description = "per-user limit, Redis (leased)")]
    public bool RedisLeased() => _redisLeased.AcquireAsync(messageStart: true, bytes: 64, CancellationToken.None).Result == RateLimitVerdict.Allowed;

    [Benchmark(Description = "Redis script round trip per message")]
    public async Task<RedisResult> RedisRoundTrip()
        => await _database.ScriptEvaluateAsync(RedisLeasedTokenBucket.LeaseScript, [_roundTripKey], [PerSecond, PerSecond, 1]);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
