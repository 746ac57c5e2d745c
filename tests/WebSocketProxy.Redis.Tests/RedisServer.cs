using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace WebSocketProxy.Redis.Tests;

/// <summary>
/// A real redis-server for one test: its own process on a free loopback port, without persistence, so a test may
/// stop and restart it. Skips the test when <c>redis-server</c> is not installed.
/// </summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private Process? _process;

    private RedisServer(string executable, int port)
    {
        Executable = executable;
        Port = port;
    }

    public string Executable { get; }

    public int Port { get; }

    /// <summary>Gets the StackExchange.Redis configuration string.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    /// <summary>
    /// The redis-server .ci/run started (<c>WEBSOCKETPROXY_TEST_REDIS</c>) when there is one — tests then share it under
    /// their own key prefix — else one of this test's own (disposed with the returned handle).
    /// </summary>
    public static async Task<(string Configuration, IAsyncDisposable? Owned)> SharedOrOwnAsync(CancellationToken cancellationToken)
    {
        if (Environment.GetEnvironmentVariable("WEBSOCKETPROXY_TEST_REDIS") is { Length: > 0 } shared)
        {
            return (shared, null);
        }

        var own = await StartAsync(cancellationToken);
        return (own.Configuration, own);
    }

    public static async Task<RedisServer> StartAsync(CancellationToken cancellationToken)
    {
        var executable = Find() ?? throw SkipException();
        var server = new RedisServer(executable, FreePort());
        await server.RestartAsync(cancellationToken);
        return server;
    }

    /// <summary>Starts the server (again, on the same port: empty, as after a crash without persistence).</summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        _process = Process.Start(new ProcessStartInfo(Executable)
        {
            ArgumentList = { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.OutputDataReceived += static (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port, cancellationToken);
                await using var stream = client.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray(), cancellationToken);
                var buffer = new byte[16];
                var read = await stream.ReadAsync(buffer, cancellationToken);
                if (read > 0 && buffer[0] == (byte)'+')
                {
                    return;
                }
            }
            catch (SocketException)
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"redis-server exited with {_process.ExitCode}.");
                }
            }

            await Task.Delay(20, cancellationToken); // polling for the port to open; bounded by the token
        }
    }

    /// <summary>Kills the server at once (a crash: connections reset).</summary>
    public async Task KillAsync(CancellationToken cancellationToken)
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await KillAsync(timeout.Token);
        _process?.Dispose();
    }

    private static string? Find()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Append("/usr/bin").Append("/usr/sbin"))
        {
            var candidate = Path.Combine(dir, "redis-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static Exception SkipException()
    {
        Assert.Skip("redis-server is not installed (Debian: apt-get install redis-server; .ci/run installs it): the Redis scale-out tests need a real server.");
        return new InvalidOperationException("unreachable");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
