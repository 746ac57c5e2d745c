using System.Diagnostics;
using System.Text.Json;

namespace WebSocketProxy.RealtimeTests.Infrastructure;

/// <summary>Runs a client script of tests/realtime-node to completion and parses the JSON object it prints last.</summary>
internal static class NodeScript
{
    public static async Task<JsonDocument> RunAsync(string script, string[] arguments, CancellationToken cancellationToken)
    {
        using var process = Process.Start(NodeRuntime.StartInfo(script, arguments)) ?? throw new InvalidOperationException("node did not start");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken).Within(cancellationToken, $"{script} to finish");
            var output = await stdout;
            var lastLine = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
            if (lastLine is null)
            {
                throw new InvalidOperationException($"{script} printed nothing (exit code {process.ExitCode}): {await stderr}");
            }

            try
            {
                return JsonDocument.Parse(lastLine);
            }
            catch (JsonException e)
            {
                throw new InvalidOperationException($"{script} printed no JSON (exit code {process.ExitCode}): {output} {await stderr}", e);
            }
        }
        finally
        {
            NodeRuntime.Kill(process);
        }
    }
}
