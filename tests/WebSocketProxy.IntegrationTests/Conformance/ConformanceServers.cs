using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Configuration;
using WebSocketProxy.Messages;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Conformance;

/// <summary>One case's verdicts on the three targets.</summary>
internal sealed record ConformanceRow(ConformanceCase Case, CaseResult Direct, CaseResult Plain, CaseResult Transformer);

/// <summary>One family's rows and how long each target took in total.</summary>
internal sealed record FamilyRun(string Family, IReadOnlyList<ConformanceRow> Rows, TimeSpan Elapsed);

/// <summary>
/// The servers every conformance case runs against: a Kestrel echo backend (ASP.NET Core's WebSocket middleware,
/// permessage-deflate accepted when offered) and one gateway with a plain route and a route with a pass-through
/// transformer, each with a permessage-deflate twin. Each family runs once; its results are kept for the report.
/// </summary>
public sealed class ConformanceServers : IAsyncLifetime
{
    /// <summary>The transformer on the assembled-path routes: forwards every message unchanged.</summary>
    public const string PassThrough = "conformance-pass";

    /// <summary>How many cases run at once (each on its own connection).</summary>
    private const int Parallelism = 4;

    private readonly ConcurrentDictionary<string, Lazy<Task<FamilyRun>>> _families = new();
    private TestBackend? _backend;
    private TestGateway? _gateway;

    internal ConformanceTarget Direct { get; private set; } = null!; // set in InitializeAsync, before any test runs

    internal ConformanceTarget Plain { get; private set; } = null!;

    internal ConformanceTarget Transformer { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        _backend = await TestBackend.StartAsync(EchoAsync);
        var backendAddress = _backend.WsUri("/echo").ToString();
        _gateway = await TestGateway.StartAsync(
            o =>
            {
                o.RelayFrames = true; // the default, said here because the report is about the relay: the plain route runs it
                o.Clusters["echo"] = new ClusterConfig { Backends = new Dictionary<string, BackendConfig> { ["b1"] = new() { Address = backendAddress } } };
                o.Clusters["echo-deflate"] = new ClusterConfig { Backends = new Dictionary<string, BackendConfig> { ["b1"] = new() { Address = backendAddress } }, Compression = true };
                o.Routes["plain"] = Route("/plain/{**rest}", "echo", compression: false, transformer: false);
                o.Routes["plain-deflate"] = Route("/plain-deflate/{**rest}", "echo-deflate", compression: true, transformer: false);
                o.Routes["transformer"] = Route("/transformer/{**rest}", "echo", compression: false, transformer: true);
                o.Routes["transformer-deflate"] = Route("/transformer-deflate/{**rest}", "echo-deflate", compression: true, transformer: true);
            },
            s => s.AddWebSocketProxy().AddMessageTransformer(PassThrough, static (_, _) => ValueTask.FromResult(MessageTransformResult.Forward())));
        Direct = new ConformanceTarget("direct", _backend.Port, "/echo", "/echo");
        Plain = new ConformanceTarget("proxy (plain route)", _gateway.Port, "/plain", "/plain-deflate");
        Transformer = new ConformanceTarget("proxy (transformer route)", _gateway.Port, "/transformer", "/transformer-deflate");
    }

    public async ValueTask DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        if (_backend is not null)
        {
            await _backend.DisposeAsync();
        }
    }

    /// <summary>Runs every case of <paramref name="family"/> on the three targets (once per fixture; later calls get the same run).</summary>
    /// <param name="family">The family, e.g. <c>5</c>.</param>
    /// <param name="cancellationToken">Bounds the run.</param>
    /// <returns>The family's rows.</returns>
    internal Task<FamilyRun> RunFamilyAsync(string family, CancellationToken cancellationToken) =>
        _families.GetOrAdd(family, f => new Lazy<Task<FamilyRun>>(() => RunAsync(f, cancellationToken))).Value;

    /// <summary>
    /// The conformance routes keep every default except the frame count per message: 9.3.1/9.4.1 send 4,096 fragments of
    /// 64 octets, over the 1,024 the proxy allows by default (a limit of the product, not of RFC 6455).
    /// </summary>
    private static RouteConfig Route(string path, string cluster, bool compression, bool transformer) => new()
    {
        Path = path,
        Cluster = cluster,
        AllowCompression = compression,
        MaxFramesPerMessage = 1 << 16,
        Transformers = transformer ? [PassThrough] : null,
    };

    private static async Task EchoAsync(TestBackend backend, HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { DangerousEnableCompression = true, KeepAliveInterval = TimeSpan.Zero });
        await BackendHandlers.EchoLoopAsync(backend, socket);
    }

    private async Task<FamilyRun> RunAsync(string family, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var cases = Catalogue.All.Where(c => c.Family == family).ToArray();
        var targets = new[] { Direct, Plain, Transformer };
        var results = new CaseResult[cases.Length, targets.Length];
        var work = Enumerable.Range(0, cases.Length).SelectMany(c => Enumerable.Range(0, targets.Length).Select(t => (c, t)));
        await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken }, async (item, ct) =>
            results[item.c, item.t] = await CaseRunner.RunAsync(cases[item.c], targets[item.t], ct));
        var rows = cases.Select((c, i) => new ConformanceRow(c, results[i, 0], results[i, 1], results[i, 2])).ToArray();
        return new FamilyRun(family, rows, watch.Elapsed);
    }
}
