using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace WebSocketProxy.Benchmarks;

/// <summary>
/// `alloc-setup` mode: how many bytes one proxied connection's set-up allocates in the gateway process, and which types
/// the GC's allocation sampling (one event per ~100 KB) saw. A real Kestrel gateway on loopback in this process; the
/// client and the echo backend are bare sockets with hand-made handshakes (few allocations of their own, counted too).
/// Each connection: upgrade, one 64 B round trip, then left open (the load tool's idle scenario).
/// </summary>
internal static class SetupAllocationTrace
{
    public static async Task RunAsync(int connections)
    {
        using var backend = new TcpListener(IPAddress.Loopback, 0);
        backend.Start();
        var backendPort = ((IPEndPoint)backend.LocalEndpoint).Port;
        using var stopping = new CancellationTokenSource();
        var held = new ConcurrentBag<Socket>();
        var accepting = AcceptLoopAsync(backend, held, stopping.Token);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["WebSocketProxy:Routes:r:Path"] = "/ws/{**rest}",
            ["WebSocketProxy:Routes:r:Cluster"] = "c",
            ["WebSocketProxy:Routes:r:ConcurrentConnections:PerIp"] = "0", // every client shares 127.0.0.1
            ["WebSocketProxy:Clusters:c:Backends:b1:Address"] = $"ws://127.0.0.1:{backendPort}/ws",
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddWebSocketProxy(builder.Configuration.GetSection("WebSocketProxy"));
        await using var app = builder.Build();
        app.MapWebSocketProxy();
        await app.StartAsync();
        var port = new Uri(app.Urls.First()).Port;

        var clients = new List<Socket>();
        for (var i = 0; i < 300; i++)
        {
            clients.Add(await ConnectAsync(port)); // warm-up: JIT, pools
        }

        var exceptions = new ConcurrentDictionary<string, int>();
        string? firstStack = null;
        AppDomain.CurrentDomain.FirstChanceException += (_, e) =>
        {
            exceptions.AddOrUpdate($"{e.Exception.GetType().Name}: {e.Exception.Message}", 1, static (_, c) => c + 1);
            firstStack ??= Environment.StackTrace;
        };
        var liveBefore = GC.GetTotalMemory(forceFullCollection: true);
        using var listener = new AllocationTickListener();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 0; i < connections; i++)
        {
            clients.Add(await ConnectAsync(port));
        }

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        var retained = GC.GetTotalMemory(forceFullCollection: true) - liveBefore;
        Console.WriteLine($"{connections} proxied connections set up (upgrade + one 64 B round trip): {allocated / (double)connections:F0} B allocated per connection in this process (gateway, plus the bare-socket client and backend); sampled allocations by type:");
        Console.WriteLine($"managed heap still live per open connection after a full collection: {retained / (double)connections:F0} B (gateway, plus the bare-socket client's and backend's own sockets)");
        foreach (var (type, count) in listener.Samples.OrderByDescending(p => p.Value).Take(40))
        {
            Console.WriteLine($"  {count,5}  {type}");
        }

        Console.WriteLine("first-chance exceptions while setting up:");
        foreach (var (text, count) in exceptions.OrderByDescending(p => p.Value).Take(10))
        {
            Console.WriteLine($"  {count,5}  {text}");
        }

        Console.WriteLine(firstStack);
        if (int.TryParse(Environment.GetEnvironmentVariable("WEBSOCKETPROXY_ALLOC_SETUP_HOLD_SECONDS"), out var hold) && hold > 0)
        {
            Console.WriteLine($"holding the {clients.Count} connections open for {hold} s (pid {Environment.ProcessId}): time for a heap dump");
            await Task.Delay(TimeSpan.FromSeconds(hold));
        }
        await stopping.CancelAsync();
        foreach (var socket in clients.Concat(held))
        {
            socket.Dispose();
        }

        backend.Stop();
        await app.StopAsync();
        await accepting.ContinueWith(static _ => { }, TaskScheduler.Default);
    }

    private static async Task<Socket> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, port);
        var request = $"GET /ws/echo HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(request));
        var head = await ReadHeadAsync(socket);
        if (!head.StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("The gateway refused the upgrade: " + head);
        }

        var frame = new byte[6 + 64];
        frame[0] = 0x82;
        frame[1] = 0x80 | 64; // masked, 64 B; the mask key is zero, so the payload is sent as is
        await socket.SendAsync(frame);
        await ReadExactlyAsync(socket, 2 + 64);
        return socket;
    }

    private static async Task AcceptLoopAsync(TcpListener listener, ConcurrentBag<Socket> held, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var socket = await listener.AcceptSocketAsync(cancellationToken);
            held.Add(socket);
            _ = ServeAsync(socket);
        }
    }

    private static async Task ServeAsync(Socket socket)
    {
        try
        {
            var head = await ReadHeadAsync(socket);
            var key = head.Split("\r\n").First(l => l.StartsWith("Sec-WebSocket-Key:", StringComparison.OrdinalIgnoreCase))[18..].Trim();
            var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
            await socket.SendAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"));
            var frame = await ReadExactlyAsync(socket, 6 + 64); // the proxy masks: 2 + 4 + 64
            var echo = new byte[2 + 64];
            echo[0] = frame[0];
            echo[1] = 64;
            for (var i = 0; i < 64; i++)
            {
                echo[2 + i] = (byte)(frame[6 + i] ^ frame[2 + (i % 4)]);
            }

            await socket.SendAsync(echo);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    private static async Task<string> ReadHeadAsync(Socket socket)
    {
        var head = new byte[1024];
        var length = 0;
        while (length < 4 || !head.AsSpan(length - 4, 4).SequenceEqual("\r\n\r\n"u8))
        {
            if (await socket.ReceiveAsync(head.AsMemory(length, 1)) == 0)
            {
                throw new InvalidOperationException("closed during the handshake");
            }

            length++;
        }

        return Encoding.ASCII.GetString(head, 0, length);
    }

    private static async Task<byte[]> ReadExactlyAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read));
            if (n == 0)
            {
                throw new InvalidOperationException("closed");
            }

            read += n;
        }

        return buffer;
    }
}
