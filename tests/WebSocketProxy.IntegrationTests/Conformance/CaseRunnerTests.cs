using System.Net.WebSockets;
using FluentAssertions;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Conformance;

/// <summary>The judge is not a rubber stamp: a server that breaks the rules gets FAILED where Kestrel gets OK.</summary>
public sealed class CaseRunnerTests
{
    [Fact]
    public async Task RunAsync_MisbehavingServer_Failed()
    {
        // echoes text as binary and answers every close with 1011
        await using var backend = await TestBackend.StartAsync(BackendHandlers.Accept(static async (_, socket, _) =>
        {
            var buffer = new byte[64 * 1024];
            try
            {
                while (true)
                {
                    var result = await socket.ReceiveAsync(buffer, TestContext.Current.CancellationToken);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.InternalServerError, "always 1011", TestContext.Current.CancellationToken);
                        return;
                    }

                    await socket.SendAsync(buffer.AsMemory(0, result.Count), WebSocketMessageType.Binary, result.EndOfMessage, TestContext.Current.CancellationToken);
                }
            }
            catch (WebSocketException)
            {
            }
        }));
        var target = new ConformanceTarget("misbehaving", backend.Port, "/ws", "/ws");
        var cases = Catalogue.All.Where(c => c.Id is "1.1.2" or "7.7.1" or "2.1").ToDictionary(c => c.Id);

        var echo = await CaseRunner.RunAsync(cases["1.1.2"], target, TestContext.Current.CancellationToken);
        var close = await CaseRunner.RunAsync(cases["7.7.1"], target, TestContext.Current.CancellationToken);
        var ping = await CaseRunner.RunAsync(cases["2.1"], target, TestContext.Current.CancellationToken);

        echo.Verdict.Should().Be(Verdict.Failed, "a text message came back binary: {0}", echo.Notes);
        close.Verdict.Should().Be(Verdict.Failed, "1011 is not the echoed 1000: {0}", close.Notes);
        close.CloseBehavior.Should().Be("WRONG CODE");
        ping.Verdict.Should().Be(Verdict.Failed, "the pong is right, but the close answer is 1011 instead of 1000: {0}", ping.Notes);
    }
}
