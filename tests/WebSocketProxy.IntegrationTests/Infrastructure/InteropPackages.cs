using WebSocketProxy.Testing;
using System.Diagnostics;
using System.Text;

namespace WebSocketProxy.IntegrationTests.Infrastructure;

/// <summary>What <see cref="InteropPackages.EnsureInstalledAsync"/> did.</summary>
/// <param name="Installed">Whether the package is present now.</param>
/// <param name="Detail">What was run and what it printed, for a failure message.</param>
public sealed record InteropInstall(bool Installed, string Detail);

/// <summary>
/// The Node packages the interop tests drive (tests/interop), restored on demand: a fresh clone has no
/// <c>node_modules</c>, and the README's <c>dotnet test</c> command must pass without a manual <c>npm install</c>.
/// </summary>
public static class InteropPackages
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>Gets tests/interop of this repository.</summary>
    public static string Directory => Path.Combine(RepositoryPaths.Root, "tests", "interop");

    /// <summary>Whether an executable is on the PATH (Node and npm are optional on a developer machine).</summary>
    public static bool IsOnPath(string executable)
    {
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (File.Exists(Path.Combine(folder, executable)) || (OperatingSystem.IsWindows() && File.Exists(Path.Combine(folder, executable + ".cmd"))))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Makes sure <c>node_modules/<paramref name="package"/></c> exists in <paramref name="directory"/>: when it is missing, runs
    /// <c>npm ci</c> (the lock file's exact versions; <c>npm install</c> if that fails), preferring the local npm cache, for at most
    /// <paramref name="timeout"/>. One install at a time per test run.
    /// </summary>
    public static async Task<InteropInstall> EnsureInstalledAsync(string directory, string package, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var marker = Path.Combine(directory, "node_modules", package, "package.json");
        if (File.Exists(marker))
        {
            return new InteropInstall(true, "already installed");
        }

        if (!IsOnPath("npm"))
        {
            return new InteropInstall(false, "npm is not on the PATH");
        }

        await Gate.WaitAsync(cancellationToken);
        try
        {
            if (File.Exists(marker))
            {
                return new InteropInstall(true, "installed meanwhile");
            }

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            var log = new StringBuilder();
            foreach (var command in new[] { "ci", "install" })
            {
                var exitCode = await RunNpmAsync(directory, command, log, deadline.Token);
                if (File.Exists(marker))
                {
                    return new InteropInstall(true, log.ToString());
                }

                if (exitCode is null)
                {
                    break; // out of time: don't start another attempt
                }
            }

            return new InteropInstall(false, log.ToString());
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Runs one npm command; returns its exit code, or null when the deadline killed it.</summary>
    private static async Task<int?> RunNpmAsync(string directory, string command, StringBuilder log, CancellationToken deadline)
    {
        var info = new ProcessStartInfo(OperatingSystem.IsWindows() ? "npm.cmd" : "npm")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { command, "--no-audit", "--no-fund", "--prefer-offline" })
        {
            info.ArgumentList.Add(argument);
        }

        log.Append("npm ").Append(string.Join(' ', info.ArgumentList)).Append(" in ").AppendLine(directory);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("npm did not start");
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(deadline);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            log.AppendLine("  killed: out of time");
            return null;
        }

        log.Append("  exit ").Append(process.ExitCode).AppendLine();
        log.AppendLine(Tail(await output)).AppendLine(Tail(await errors));
        return process.ExitCode;
    }

    private static string Tail(string text) => text.Length <= 2000 ? text.Trim() : "…" + text[^2000..].Trim();
}
