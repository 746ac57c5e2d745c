using System.Diagnostics;

namespace WebSocketProxy.RealtimeTests.Infrastructure;

/// <summary>Starts the scripts of tests/realtime-node with <c>node</c>.</summary>
internal static class NodeRuntime
{
    private static readonly string[] RequiredPackages = ["socket.io", "socket.io-client", "graphql", "graphql-ws", "ws"];

    public static ProcessStartInfo StartInfo(string script, params string[] arguments)
    {
        var directory = RepositoryPaths.RealtimeNode;
        foreach (var package in RequiredPackages)
        {
            if (!Directory.Exists(Path.Combine(directory, "node_modules", package)))
            {
                throw new InvalidOperationException(
                    $"tests/realtime-node/node_modules/{package} is missing: run `npm ci` in tests/realtime-node (.ci/run does it when npm is installed).");
            }
        }

        var info = new ProcessStartInfo("node")
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }

    public static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
