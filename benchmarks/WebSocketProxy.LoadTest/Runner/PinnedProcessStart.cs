using System.Diagnostics;

namespace WebSocketProxy.LoadTest.Runner;

/// <summary>How every process the tool starts is started: redirected standard streams, optionally pinned with taskset.</summary>
internal static class PinnedProcessStart
{
    /// <summary>Creates the start information for <paramref name="fileName"/> with <paramref name="arguments"/>, under <c>taskset -c cpuList</c> when a CPU list is given.</summary>
    public static ProcessStartInfo Create(string fileName, string? cpuList, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (cpuList is not null)
        {
            start.FileName = "taskset";
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(cpuList);
            start.ArgumentList.Add(fileName);
        }
        else
        {
            start.FileName = fileName;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }
}
