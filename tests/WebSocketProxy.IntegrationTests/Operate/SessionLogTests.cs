using System.Net.WebSockets;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Operate;

/// <summary>One Information line per session end, with everything an operator asks first.</summary>
public sealed class SessionLogTests
{
    [Fact]
    public async Task SessionEnd_OneInformationLine_RouteBackendDurationClosesAndTrafficEachWay()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartAsync(BackendHandlers.Accept(async (_, socket, _) =>
        {
            var buffer = new byte[64];
            var received = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
            await socket.SendAsync(buffer.AsMemory(0, received.Count), WebSocketMessageType.Text, true, CancellationToken.None);
            await socket.SendAsync("and more"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
            await socket.CloseOutputAsync((WebSocketCloseStatus)4100, "backend finished", CancellationToken.None);
            await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
        }));
        await using var gateway = await TestGateway.StartAsync(backend.WsUri(), services: s => s.AddLogging(b => b.AddFakeLogging()));
        var logs = gateway.Services.GetFakeLogCollector();

        using (var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct))
        {
            await client.SendTextAsync("abc", ct);
            var close = await client.ReceiveCloseAsync(ct);
            await client.CloseOutputAsync(close.CloseStatus!.Value, close.CloseDescription, ct);
        }

        await AdminGateway.WaitUntilAsync(() => Task.FromResult(logs.GetSnapshot().Any(r => r.Id.Name == "SessionEnded")), ct);
        var line = logs.GetSnapshot().Should().ContainSingle(r => r.Id.Name == "SessionEnded").Subject;
        line.Level.Should().Be(LogLevel.Information);
        line.Id.Id.Should().Be(103);
        line.GetStructuredStateValue("Route").Should().Be("r");
        line.GetStructuredStateValue("Backend").Should().Be("b1");
        double.Parse(line.GetStructuredStateValue("DurationMs")!, System.Globalization.CultureInfo.InvariantCulture).Should().BePositive();
        line.GetStructuredStateValue("CloseInitiator").Should().Be("backend");
        line.GetStructuredStateValue("ClientCloseStatus").Should().Be("4100");
        line.GetStructuredStateValue("BackendCloseStatus").Should().Be("4100");
        line.GetStructuredStateValue("ClientMessages").Should().Be("1");
        line.GetStructuredStateValue("ClientBytes").Should().Be("3");
        line.GetStructuredStateValue("BackendMessages").Should().Be("2");
        line.GetStructuredStateValue("BackendBytes").Should().Be("11");
        line.Message.Should().Contain("closed by backend");
    }
}
