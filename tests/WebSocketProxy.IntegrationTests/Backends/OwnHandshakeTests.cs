using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using FluentAssertions;
using Microsoft.AspNetCore.Http;
using WebSocketProxy.IntegrationTests.Hardening;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Backends;

/// <summary>
/// Issue 16: the proxy's own HTTP/1.1 backend handshake (a socket it owns, no <c>ClientWebSocket</c>). A broken answer
/// ends the same way as it did over <c>ClientWebSocket</c>: no readable status → 502 <c>backend_unreachable</c>, a
/// broken 101 → 502 <c>backend_invalid_handshake</c>, no answer within the connect timeout → 504 <c>backend_timeout</c>.
/// </summary>
[Trait("Issue", "16")]
public sealed class OwnHandshakeTests
{
    [Theory]
    [InlineData("HTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")]
    [InlineData("HTTP/1.1 1O1 Switching Protocols\r\n\r\n")]
    [InlineData("hello\r\n\r\n")]
    public async Task BadStatusLine_502Unreachable(string answer)
    {
        var ct = Ws.Timeout();
        await using var backend = ScriptedBackend.Answering(_ => answer);
        await using var gateway = await StartAsync(backend.WsUri(), ct);

        var (status, _) = await Ws.TryConnectAsync(gateway.Ws("/ws"), ct);

        status.Should().Be(502);
        FailureReasons(gateway).Should().OnlyContain(reason => reason == "backend_unreachable (502)").And.NotBeEmpty();
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("incorrect")]
    public async Task SecWebSocketAcceptMissingOrIncorrect_502InvalidHandshake(string defect)
    {
        var ct = Ws.Timeout();
        await using var backend = ScriptedBackend.Answering(key => "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + (defect == "missing" ? string.Empty : $"Sec-WebSocket-Accept: {RawFrames.AcceptFor(key + "x")}\r\n") + "\r\n");
        await using var gateway = await StartAsync(backend.WsUri(), ct);

        var (status, _) = await Ws.TryConnectAsync(gateway.Ws("/ws"), ct);

        status.Should().Be(502);
        FailureReasons(gateway).Should().ContainSingle().Which.Should().Be("backend_invalid_handshake (502)", "a broken 101 is not retried");
    }

    [Fact]
    public async Task SubprotocolNotOffered_502InvalidHandshake()
    {
        var ct = Ws.Timeout();
        await using var backend = ScriptedBackend.Answering(key => Upgrade(key) + "Sec-WebSocket-Protocol: not-offered\r\n\r\n");
        await using var gateway = await StartAsync(backend.WsUri(), ct);

        var (status, _) = await Ws.TryConnectAsync(gateway.Ws("/ws"), ct, o => o.AddSubProtocol("chat"));

        status.Should().Be(502);
        FailureReasons(gateway).Should().ContainSingle().Which.Should().Be("backend_invalid_handshake (502)");
    }

    [Fact]
    public async Task RefusalWithBody_StatusAndSafeHeadersRelayed()
    {
        var ct = Ws.Timeout();
        await using var backend = ScriptedBackend.Answering(_ => "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 9\r\nSet-Cookie: a=b\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\nslow");
        await using var gateway = await StartAsync(backend.WsUri(), ct);

        using var client = await RawWebSocketClient.ConnectAsync(gateway.Port, "/ws", ct);

        client.Status.Should().Be(429, client.Head);
        RawFrames.HeaderValues(client.Head, "Retry-After").Should().Equal("9");
        RawFrames.HeaderValues(client.Head, "Set-Cookie").Should().BeEmpty();
    }

    [Fact]
    public async Task EndlessHeaders_ReadingBoundedAnd502Unreachable()
    {
        var ct = Ws.Timeout();
        var written = 0L;
        var closedByProxy = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = ScriptedBackend.Start(async (_, stream, token) =>
        {
            var line = Encoding.ASCII.GetBytes("X-Filler: " + new string('a', 1000) + "\r\n");
            try
            {
                await stream.WriteAsync("HTTP/1.1 101 Switching Protocols\r\n"u8.ToArray(), token);
                for (var i = 0; i < 10_000; i++)
                {
                    await stream.WriteAsync(line, token);
                    Interlocked.Add(ref written, line.Length);
                }
            }
            catch (IOException)
            {
            }

            await ScriptedBackend.UntilPeerClosesAsync(stream, token);
            closedByProxy.TrySetResult();
        });
        await using var gateway = await StartAsync(backend.WsUri(), ct, attempts: 1);

        var (status, _) = await Ws.TryConnectAsync(gateway.Ws("/ws"), ct);

        status.Should().Be(502);
        FailureReasons(gateway).Should().ContainSingle().Which.Should().Be("backend_unreachable (502)");
        await closedByProxy.Task.WaitAsync(ct);
        Interlocked.Read(ref written).Should().BeLessThan(10_000L * 1002, "the proxy stopped reading and closed the connection");
    }

    [Fact]
    public async Task BackendNeverAnswers_504AfterTheConnectTimeout()
    {
        var ct = Ws.Timeout();
        await using var backend = ScriptedBackend.Start((_, _, token) => Task.Delay(Timeout.Infinite, token));
        await using var gateway = await StartAsync(backend.WsUri(), ct, attempts: 1, connectTimeout: "00:00:00.500");
        var watch = Stopwatch.StartNew();

        var (status, _) = await Ws.TryConnectAsync(gateway.Ws("/ws"), ct);

        status.Should().Be(504);
        watch.Elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(450)).And.BeLessThan(TimeSpan.FromSeconds(10));
        FailureReasons(gateway).Should().ContainSingle().Which.Should().Be("backend_timeout (504)");
        backend.Requests.Should().ContainSingle().Which.Should().StartWith("GET /ws HTTP/1.1\r\n");
    }

    [Fact]
    public async Task FrameSentWithThe101_ReachesTheClient()
    {
        var ct = Ws.Timeout();
        await using var backend = ScriptedBackend.Start(async (head, stream, token) =>
        {
            var key = RawFrames.HeaderValues(head, "Sec-WebSocket-Key").Single();
            var bytes = Encoding.ASCII.GetBytes(Upgrade(key) + "\r\n").Concat(RawFrames.Encode(Opcode.Text, "hello first"u8, mask: false)).ToArray();
            await stream.WriteAsync(bytes, token); // one write: the frame arrives in the same segment as the head
            await ScriptedBackend.UntilPeerClosesAsync(stream, token);
        });
        await using var gateway = await StartAsync(backend.WsUri(), ct);
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);

        (await client.ReceiveMessageAsync(ct)).Text.Should().Be("hello first");
    }

    [Fact]
    public async Task ClusterCompression_BackendDeflates_MessagesRoundTrip()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartAsync(async (test, context) =>
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { DangerousEnableCompression = true });
            await BackendHandlers.EchoLoopAsync(test, socket);
        });
        var settings = ConfiguredGateway.OneRoute(backend.WsUri());
        settings["WebSocketProxy:Clusters:c:Compression"] = "true";
        await using var gateway = await ConfiguredGateway.StartAsync(settings, ct);
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);

        for (var i = 0; i < 5; i++)
        {
            var text = string.Concat(Enumerable.Repeat($"compress me {i} ", 500));
            await client.SendTextAsync(text, ct);
            (await client.ReceiveMessageAsync(ct)).Text.Should().Be(text);
        }

        backend.Handshakes.Single().Headers["Sec-WebSocket-Extensions"].Should().StartWith("permessage-deflate");
    }

    [Fact]
    public async Task BackendAddressedByName_ResolvedAndHostHeaderNamesIt()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await StartAsync(new Uri($"ws://localhost:{backend.Port}/ws"), ct);
        using var client = await Ws.ConnectAsync(gateway.Ws("/ws?room=7"), ct, o => o.AddSubProtocol("chat"));

        await client.SendTextAsync("by name", ct);

        (await client.ReceiveMessageAsync(ct)).Text.Should().Be("by name");
        client.SubProtocol.Should().Be("chat");
        var handshake = backend.Handshakes.Single();
        handshake.Headers["Host"].Should().Be($"localhost:{backend.Port}");
        handshake.Query.Should().Contain("room=7");
    }

    private static string Upgrade(string key)
        => $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {RawFrames.AcceptFor(key)}\r\n";

    private static Task<ConfiguredGateway> StartAsync(Uri backend, CancellationToken ct, int? attempts = null, string? connectTimeout = null)
    {
        var settings = ConfiguredGateway.OneRoute(backend);
        if (attempts is { } count)
        {
            settings["WebSocketProxy:Clusters:c:ConnectAttempts"] = count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (connectTimeout is not null)
        {
            settings["WebSocketProxy:Clusters:c:ConnectTimeout"] = connectTimeout;
        }

        return ConfiguredGateway.StartAsync(settings, ct, captureLogs: true);
    }

    /// <summary>The "{ErrorType} ({StatusCode})" of every failed backend handshake the gateway logged.</summary>
    private static List<string> FailureReasons(ConfiguredGateway gateway)
        => [.. gateway.Logs.GetSnapshot()
            .Where(r => r.Id.Name == "BackendConnectFailed")
            .Select(r => r.Message[(r.Message.LastIndexOf(": ", StringComparison.Ordinal) + 2)..].TrimEnd('.'))];
}
