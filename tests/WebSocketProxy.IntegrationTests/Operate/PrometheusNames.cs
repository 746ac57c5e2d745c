using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;

namespace WebSocketProxy.IntegrationTests.Operate;

/// <summary>
/// What the OpenTelemetry Prometheus exporter calls an instrument: dots become underscores, the unit is appended
/// (<c>s</c> → <c>_seconds</c>, <c>By</c> → <c>_bytes</c>; <c>{annotation}</c> units add nothing), counters end in
/// <c>_total</c>, histograms are series <c>_bucket</c>, <c>_sum</c> and <c>_count</c>, up/down counters and gauges are
/// gauges. <see cref="GrafanaDashboardTests"/> checks this against a real scrape.
/// </summary>
internal static partial class PrometheusNames
{
    public static string Type(Instrument instrument) => instrument switch
    {
        Counter<long> or Counter<double> or ObservableCounter<long> or ObservableCounter<double> => "counter",
        Histogram<long> or Histogram<double> => "histogram",
        _ => "gauge",
    };

    /// <summary>The metric family name (the <c># TYPE</c> line).</summary>
    public static string Family(Instrument instrument)
    {
        var name = Sanitize().Replace(instrument.Name, "_");
        var unit = Unit(instrument.Unit);
        if (unit.Length > 0 && !name.EndsWith("_" + unit, StringComparison.Ordinal))
        {
            name += "_" + unit;
        }

        return Type(instrument) == "counter" ? name + "_total" : name;
    }

    /// <summary>The series names a query may use for the instrument.</summary>
    public static IEnumerable<string> Series(Instrument instrument)
    {
        var family = Family(instrument);
        return Type(instrument) == "histogram" ? [family + "_bucket", family + "_sum", family + "_count"] : [family];
    }

    private static string Unit(string? unit)
    {
        var stripped = Annotation().Replace(unit ?? string.Empty, string.Empty);
        return stripped switch
        {
            "" => string.Empty,
            "s" => "seconds",
            "ms" => "milliseconds",
            "By" => "bytes",
            "1" => "ratio",
            _ => Sanitize().Replace(stripped, "_"),
        };
    }

    [GeneratedRegex(@"[^a-zA-Z0-9_:]+")]
    private static partial Regex Sanitize();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Annotation();
}
