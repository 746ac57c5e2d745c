using WebSocketProxy.IntegrationTests.Infrastructure;
using System.Diagnostics;
using System.Text.Json;
using FluentAssertions;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Interop;

/// <summary>A third-party client (Node's <c>ws</c> package in tests/interop, restored with npm when missing) through the gateway.</summary>
public sealed class NodeWsClientTests
{
    [Fact]
    public async Task NodeWs_TextBinaryLargeCompressedPingAndClose_AllWork()
    {
        var ct = Ws.Timeout(240);
        Assert.SkipUnless(InteropPackages.IsOnPath("node") && InteropPackages.IsOnPath("npm"), "Node.js and npm are not installed: the Node interop test needs them.");
        var interop = InteropPackages.Directory;
        var install = await InteropPackages.EnsureInstalledAsync(interop, "ws", TimeSpan.FromMinutes(3), ct); // a fresh clone has no node_modules
        install.Installed.Should().BeTrue(install.Detail);
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(backend.WsUri(), route: r => r with { AllowCompression = true });

        var info = new ProcessStartInfo("node") { WorkingDirectory = interop, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("ws-client.mjs");
        info.ArgumentList.Add(gateway.Ws("/ws").ToString());
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);

        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        root.TryGetProperty("error", out var error).Should().BeFalse(error.ToString());
        root.GetProperty("protocol").GetString().Should().Be("chat.v1");
        root.GetProperty("pong").GetBoolean().Should().BeTrue();
        var messages = root.GetProperty("messages");
        messages[0].GetProperty("text").GetString().Should().Be("hello from ws");
        messages[1].GetProperty("binary").EnumerateArray().Select(e => e.GetInt32()).Should().Equal(1, 2, 3, 250);
        messages[2].GetProperty("text").GetString().Should().Be("len:200000");
        root.GetProperty("close").GetProperty("code").GetInt32().Should().Be(4321);
        root.GetProperty("close").GetProperty("reason").GetString().Should().Be("ws says bye");
        (await backend.FirstClose.Task.WaitAsync(ct))!.Value.Status.Should().Be((System.Net.WebSockets.WebSocketCloseStatus)4321);
    }
}
