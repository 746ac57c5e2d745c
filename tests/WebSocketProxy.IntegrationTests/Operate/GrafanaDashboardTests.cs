using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using FluentAssertions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Operate;

/// <summary><c>deploy/grafana/websocketproxy.json</c> parses, queries only metrics the gateway exports, and shows every one of them.</summary>
public sealed partial class GrafanaDashboardTests
{
    private static readonly string DashboardPath = Path.Combine(RepositoryPaths.Root, "deploy", "grafana", "websocketproxy.json");

    [Fact]
    public void Dashboard_Parses_WithPanelsAndQueries()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(DashboardPath));
        var root = dashboard.RootElement;

        root.GetProperty("title").GetString().Should().Be("WebSocketProxy");
        root.GetProperty("uid").GetString().Should().NotBeNullOrEmpty();
        var panels = Panels(root).ToList();
        panels.Should().HaveCountGreaterThan(10);
        panels.Where(p => p.GetProperty("type").GetString() != "row").Should().AllSatisfy(p =>
            p.GetProperty("targets").EnumerateArray().Should().NotBeEmpty($"panel '{p.GetProperty("title").GetString()}' queries something"));
        var ids = panels.Select(p => p.GetProperty("id").GetInt32()).ToList();
        ids.Should().OnlyHaveUniqueItems();
    }

    [Fact]
    public void Dashboard_EveryQueryNamesAnExportedMetric_AndEveryInstrumentIsShown()
    {
        var instruments = ProxyInstruments();
        var exported = instruments.SelectMany(PrometheusNames.Series).ToHashSet(StringComparer.Ordinal);
        using var dashboard = JsonDocument.Parse(File.ReadAllText(DashboardPath));

        var queries = Queries(dashboard.RootElement).ToList();
        var named = queries.SelectMany(q => MetricName().Matches(q).Select(m => m.Value)).ToHashSet(StringComparer.Ordinal);

        queries.Should().NotBeEmpty();
        named.Should().NotBeEmpty();
        named.Where(n => !exported.Contains(n)).Should().BeEmpty("every metric a query names is one the gateway exports (exported: {0})", string.Join(", ", exported.Order()));
        instruments.Where(i => !PrometheusNames.Series(i).Any(named.Contains)).Select(i => i.Name)
            .Should().BeEmpty("every instrument of the WebSocketProxy meter has a panel");
    }

    [Fact]
    public async Task PrometheusNames_MatchWhatTheExporterServes()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(
            o =>
            {
                o.Routes["r"] = new WebSocketProxy.Configuration.RouteConfig { Path = "/ws/{**rest}", Cluster = "c" };
                o.Clusters["c"] = new WebSocketProxy.Configuration.ClusterConfig { Backends = new Dictionary<string, WebSocketProxy.Configuration.BackendConfig> { ["b1"] = new() { Address = backend.WsUri().ToString() } } };
            },
            s => s.AddOpenTelemetry().WithMetrics(m => m.AddMeter(WebSocketProxyDiagnostics.MeterName).AddPrometheusExporter()),
            app =>
            {
                app.MapWebSocketProxy();
                app.MapPrometheusScrapingEndpoint();
            });
        using (var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct))
        {
            await client.SendTextAsync("measured", ct);
            await client.ReceiveMessageAsync(ct);
            await client.CloseAsync(WebSocketCloseStatus.NormalClosure, null, ct);
        }

        using var http = new HttpClient();
        (await http.GetAsync(gateway.Http("/ws"), ct)).IsSuccessStatusCode.Should().BeFalse("a plain GET is a rejection to count");
        var families = new Dictionary<string, string>(StringComparer.Ordinal);
        await AdminGateway.WaitUntilAsync(
            async () =>
            {
                families = TypeLine().Matches(await http.GetStringAsync(gateway.Http("/metrics"), ct)).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
                return families.ContainsKey("websocket_proxy_closes_total") && families.ContainsKey("websocket_proxy_connections_rejected_total");
            },
            ct);

        var measured = ProxyInstruments().Where(i => !i.Name.StartsWith("websocket_proxy.llm.", StringComparison.Ordinal) && i.Name != "websocket_proxy.messages.dropped").ToList();
        measured.Should().HaveCountGreaterThan(8);
        foreach (var instrument in measured)
        {
            families.Should().ContainKey(PrometheusNames.Family(instrument), instrument.Name);
            families[PrometheusNames.Family(instrument)].Should().Be(PrometheusNames.Type(instrument), instrument.Name);
        }
    }

    /// <summary>Every instrument of the WebSocketProxy meter, as created by the library's one metrics class.</summary>
    private static List<Instrument> ProxyInstruments()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new ProxyMetrics(services.GetRequiredService<IMeterFactory>());
        var found = new Dictionary<string, Instrument>(StringComparer.Ordinal);
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == WebSocketProxyDiagnostics.MeterName)
                {
                    lock (found)
                    {
                        found[instrument.Name] = instrument;
                    }
                }
            },
        };
        listener.Start();
        GC.KeepAlive(metrics);
        lock (found)
        {
            return [.. found.Values.OrderBy(i => i.Name, StringComparer.Ordinal)];
        }
    }

    private static IEnumerable<JsonElement> Panels(JsonElement root)
    {
        foreach (var panel in root.GetProperty("panels").EnumerateArray())
        {
            yield return panel;
            if (panel.TryGetProperty("panels", out var nested))
            {
                foreach (var inner in nested.EnumerateArray())
                {
                    yield return inner;
                }
            }
        }
    }

    private static IEnumerable<string> Queries(JsonElement root)
    {
        foreach (var panel in Panels(root))
        {
            if (panel.TryGetProperty("targets", out var targets))
            {
                foreach (var target in targets.EnumerateArray())
                {
                    yield return target.GetProperty("expr").GetString()!;
                }
            }
        }

        foreach (var variable in root.GetProperty("templating").GetProperty("list").EnumerateArray())
        {
            if (variable.GetProperty("type").GetString() == "query")
            {
                var query = variable.GetProperty("query");
                yield return query.ValueKind == JsonValueKind.String ? query.GetString()! : query.GetProperty("query").GetString()!;
            }
        }
    }

    [GeneratedRegex(@"\bwebsocket_proxy_[a-z0-9_]+")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"^# TYPE (\S+) (\S+)$", RegexOptions.Multiline)]
    private static partial Regex TypeLine();
}
