using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace WebSocketProxy.LoadTest.Runner;

/// <summary>
/// nginx as a reference proxy: started as its own foreground process (<c>daemon off; master_process off;</c>,
/// so the one process that serves is the one measured) with a generated configuration in a temporary folder,
/// listening on a free loopback port and proxying WebSockets to the echo backend. The tool installs nothing:
/// nginx comes from the Debian package <c>nginx-light</c> when it is installed, and is skipped otherwise.
/// </summary>
internal sealed class NginxProcess : IAsyncDisposable
{
    private static readonly string[] Candidates = ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"];

    private readonly Process _process;
    private readonly string _folder;

    private NginxProcess(Process process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    public int Pid => _process.Id;

    /// <summary>Gets the nginx executable, or null when nginx is not installed.</summary>
    public static string? Executable { get; } = Array.Find(Candidates, File.Exists);

    public static async Task<NginxProcess> StartAsync(int backendPort, string? cpuList, int maxConnections)
    {
        var executable = Executable ?? throw new InvalidOperationException("nginx is not installed (apt-get install nginx-light).");

        // A port the kernel just handed out and released; nginx binds it a moment later. Another process taking it in
        // between is unlikely on a loopback test machine, and is retried.
        for (var attempt = 1; ; attempt++)
        {
            var port = FreeLoopbackPort();
            var folder = Directory.CreateTempSubdirectory("wsp-loadtest-nginx-").FullName;
            await File.WriteAllTextAsync(Path.Combine(folder, "nginx.conf"), Config(folder, port, backendPort, maxConnections));
            var start = PinnedProcessStart.Create(executable, cpuList, ["-p", folder + "/", "-c", Path.Combine(folder, "nginx.conf"), "-e", "stderr"]);

            var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start nginx.");
            var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    errors.Enqueue(e.Data);
                    Console.Error.WriteLine("nginx: " + e.Data);
                }
            };
            process.OutputDataReceived += static (_, _) => { };
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();

            var nginx = new NginxProcess(process, folder, port);
            if (await nginx.WaitListeningAsync(TimeSpan.FromSeconds(10)))
            {
                return nginx;
            }

            await nginx.DisposeAsync();
            if (attempt >= 3)
            {
                throw new InvalidOperationException("nginx did not start listening: " + string.Join(" | ", errors));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(timeout.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The configuration: one process, no logs, HTTP/1.1 upstream with the Upgrade/Connection headers passed on, long idle timeouts.</summary>
    internal static string Config(string folder, int port, int backendPort, int maxConnections)
    {
        var connections = Math.Max(4096, maxConnections * 4 + 1024);
        return string.Create(CultureInfo.InvariantCulture, $$"""
            daemon off;
            master_process off;
            worker_processes 1;
            worker_rlimit_nofile {{connections + 64}};
            pid {{folder}}/nginx.pid;
            error_log stderr warn;

            events {
                worker_connections {{connections}};
                use epoll;
                multi_accept on;
            }

            http {
                access_log off;
                client_body_temp_path {{folder}}/client_body;
                proxy_temp_path {{folder}}/proxy;
                fastcgi_temp_path {{folder}}/fastcgi;
                uwsgi_temp_path {{folder}}/uwsgi;
                scgi_temp_path {{folder}}/scgi;

                map $http_upgrade $connection_upgrade {
                    default upgrade;
                    ''      close;
                }

                upstream echo {
                    server 127.0.0.1:{{backendPort}};
                    keepalive 32;
                }

                server {
                    listen 127.0.0.1:{{port}} backlog=4096;
                    location / {
                        proxy_pass http://echo;
                        proxy_http_version 1.1;
                        proxy_set_header Upgrade $http_upgrade;
                        proxy_set_header Connection $connection_upgrade;
                        proxy_set_header Host $host;
                        proxy_read_timeout 3600s;
                        proxy_send_timeout 3600s;
                    }
                }
            }

            """);
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task<bool> WaitListeningAsync(TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                return false;
            }

            using var client = new TcpClient();
            try
            {
                using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await client.ConnectAsync(IPAddress.Loopback, Port, attempt.Token);
                return true;
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                await Task.Delay(50);
            }
        }

        return false;
    }
}
