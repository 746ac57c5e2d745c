using System.Globalization;
using System.Net;
using System.Text;

namespace WebSocketProxy.LoadTest.Runner;

/// <summary>Draws throughput and p99 latency against connection count, one line per target, as plain SVG.</summary>
internal static class SvgChart
{
    private const int PanelWidth = 420;
    private const int PanelHeight = 280;
    private const int Left = 70;
    private const int Top = 50;
    private const int Gap = 90;

    private static readonly Dictionary<string, string> Colors = new()
    {
        ["direct"] = "#7f7f7f",
        ["yarp"] = "#1f77b4",
        ["nginx"] = "#2ca02c",
        ["wsp"] = "#d62728",
        ["wsp-before"] = "#ff9896",
    };

    public static string Render(IReadOnlyList<Measurement> sweep, IReadOnlyList<Target> targets)
    {
        var counts = sweep.Select(m => m.Connections).Distinct().Order().ToArray();
        var width = Left + PanelWidth + Gap + PanelWidth + 40;
        var height = Top + PanelHeight + 90;
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">""");
        sb.AppendLine(CultureInfo.InvariantCulture, $"""<rect width="{width}" height="{height}" fill="white"/>""");
        sb.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">Ping-pong 64 B: direct vs YARP vs WebSocketProxy</text>""");

        Panel(sb, Left, "Throughput (round trips/s)", counts, targets, sweep, m => m.Rate, zeroBased: true);
        Panel(sb, Left + PanelWidth + Gap, "p99 latency (µs)", counts, targets, sweep, m => m.P99Us ?? 0, zeroBased: true);

        var legendX = Left;
        var legendY = Top + PanelHeight + 60;
        foreach (var target in targets)
        {
            var color = Colors.GetValueOrDefault(target.Name, "#2ca02c");
            sb.AppendLine(CultureInfo.InvariantCulture, $"""<line x1="{legendX}" y1="{legendY}" x2="{legendX + 24}" y2="{legendY}" stroke="{color}" stroke-width="3"/>""");
            sb.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{legendX + 30}" y="{legendY + 4}">{WebUtility.HtmlEncode(target.DisplayName)}</text>""");
            legendX += 160;
        }

        sb.AppendLine("</svg>");
        return sb.ToString();
    }

    private static void Panel(StringBuilder sb, int x0, string title, int[] counts, IReadOnlyList<Target> targets, IReadOnlyList<Measurement> sweep, Func<Measurement, double> value, bool zeroBased)
    {
        var max = sweep.Count == 0 ? 1 : sweep.Max(value);
        var top = NiceCeiling(max);
        var min = zeroBased ? 0 : sweep.Min(value);
        sb.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{x0 + (PanelWidth / 2)}" y="{Top - 12}" text-anchor="middle" font-weight="bold">{WebUtility.HtmlEncode(title)}</text>""");
        sb.AppendLine(CultureInfo.InvariantCulture, $"""<rect x="{x0}" y="{Top}" width="{PanelWidth}" height="{PanelHeight}" fill="none" stroke="#333"/>""");

        for (var i = 0; i <= 5; i++)
        {
            var v = min + ((top - min) * i / 5);
            var y = Top + PanelHeight - (PanelHeight * i / 5.0);
            sb.AppendLine(CultureInfo.InvariantCulture, $"""<line x1="{x0}" y1="{y:F1}" x2="{x0 + PanelWidth}" y2="{y:F1}" stroke="#ddd"/>""");
            sb.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{x0 - 6}" y="{y + 4:F1}" text-anchor="end">{Short(v)}</text>""");
        }

        for (var i = 0; i < counts.Length; i++)
        {
            var x = X(x0, i, counts.Length);
            sb.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{x:F1}" y="{Top + PanelHeight + 18}" text-anchor="middle">{counts[i]}</text>""");
        }

        sb.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{x0 + (PanelWidth / 2)}" y="{Top + PanelHeight + 36}" text-anchor="middle">connections</text>""");

        foreach (var target in targets)
        {
            var points = new StringBuilder();
            var color = Colors.GetValueOrDefault(target.Name, "#2ca02c");
            for (var i = 0; i < counts.Length; i++)
            {
                var m = sweep.FirstOrDefault(s => s.Target == target.Name && s.Connections == counts[i]);
                if (m is null)
                {
                    continue;
                }

                var x = X(x0, i, counts.Length);
                var y = Top + PanelHeight - (PanelHeight * (value(m) - min) / (top - min));
                points.Append(CultureInfo.InvariantCulture, $"{x:F1},{y:F1} ");
                sb.AppendLine(CultureInfo.InvariantCulture, $"""<circle cx="{x:F1}" cy="{y:F1}" r="3.5" fill="{color}"/>""");
            }

            sb.AppendLine(CultureInfo.InvariantCulture, $"""<polyline points="{points.ToString().TrimEnd()}" fill="none" stroke="{color}" stroke-width="2"/>""");
        }
    }

    // Connection counts are spaced evenly (they are usually powers of two or so): a categorical axis.
    private static double X(int x0, int index, int count) => x0 + 30 + ((PanelWidth - 60) * (count == 1 ? 0.5 : index / (double)(count - 1)));

    private static double NiceCeiling(double value)
    {
        if (value <= 0)
        {
            return 1;
        }

        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in new[] { 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10 })
        {
            if (step * magnitude >= value)
            {
                return step * magnitude;
            }
        }

        return 10 * magnitude;
    }

    private static string Short(double v) => v switch
    {
        >= 1_000_000 => (v / 1_000_000).ToString("0.#", CultureInfo.InvariantCulture) + "M",
        >= 10_000 => (v / 1_000).ToString("0", CultureInfo.InvariantCulture) + "k",
        >= 1_000 => (v / 1_000).ToString("0.#", CultureInfo.InvariantCulture) + "k",
        _ => v.ToString("0", CultureInfo.InvariantCulture),
    };
}
