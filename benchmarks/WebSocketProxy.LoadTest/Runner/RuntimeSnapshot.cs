using System.Globalization;

namespace WebSocketProxy.LoadTest.Runner;

/// <summary>A .NET proxy's allocation and collection counters at one moment, read from its <c>/_loadtest/runtime</c> endpoint.</summary>
internal readonly record struct RuntimeSnapshot(long AllocatedBytes, int Gen0, int Gen1, int Gen2)
{
    /// <summary>Reads the target's counters; null for targets that are not .NET proxies of this tool (direct, nginx) or an older build without the endpoint.</summary>
    public static async Task<RuntimeSnapshot?> ReadAsync(HttpMessageInvoker invoker, Target target)
    {
        if (target.ProxyPid is null || target.Name == "nginx")
        {
            return null;
        }

        var uri = new UriBuilder(target.Uri) { Scheme = "http", Path = Hosts.HostCommon.RuntimeStatsPath, Query = string.Empty }.Uri;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            using var response = await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, uri), timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }

            var parts = (await response.Content.ReadAsStringAsync(timeout.Token)).Split(' ');
            return new RuntimeSnapshot(
                long.Parse(parts[0], CultureInfo.InvariantCulture),
                int.Parse(parts[1], CultureInfo.InvariantCulture),
                int.Parse(parts[2], CultureInfo.InvariantCulture),
                int.Parse(parts[3], CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>KB allocated per operation between two snapshots.</summary>
    public static double? KbPerOp(RuntimeSnapshot? before, RuntimeSnapshot? after, long operations)
        => before is { } a && after is { } b && operations > 0 ? (b.AllocatedBytes - a.AllocatedBytes) / 1000.0 / operations : null;

    /// <summary>Collections per generation between two snapshots, as "gen0/gen1/gen2".</summary>
    public static string? Collections(RuntimeSnapshot? before, RuntimeSnapshot? after)
        => before is { } a && after is { } b ? $"{b.Gen0 - a.Gen0}/{b.Gen1 - a.Gen1}/{b.Gen2 - a.Gen2}" : null;
}
