using System.Globalization;

namespace WebSocketProxy.LoadTest.Runner;

/// <summary>A process's own CPU and memory accounting, read from /proc (Linux).</summary>
internal static class ProcStats
{
    private static readonly double TicksPerSecond = 100; // USER_HZ: 100 on every Linux architecture .NET runs on.

    /// <summary>User + system CPU time the process has used, in seconds.</summary>
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name (field 2) may contain spaces: fields are counted after its closing parenthesis.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var utime = long.Parse(fields[11], CultureInfo.InvariantCulture); // field 14
        var stime = long.Parse(fields[12], CultureInfo.InvariantCulture); // field 15
        return (utime + stime) / TicksPerSecond;
    }

    /// <summary>Peak resident set size (VmHWM), in KiB.</summary>
    public static long PeakWorkingSetKb(int pid) => ReadStatusKb(pid, "VmHWM:");

    /// <summary>Current resident set size (VmRSS), in KiB.</summary>
    public static long WorkingSetKb(int pid) => ReadStatusKb(pid, "VmRSS:");

    private static long ReadStatusKb(int pid, string key)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                var value = line[key.Length..].Trim();
                return long.Parse(value[..value.IndexOf(' ', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
