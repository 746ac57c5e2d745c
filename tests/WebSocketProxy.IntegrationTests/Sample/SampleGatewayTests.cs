using System.Net.WebSockets;
using FluentAssertions;
using WebSocketProxy.IntegrationTests.Infrastructure;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Sample;

/// <summary>Runs the sample gateway as a newcomer would (its own process, its own appsettings.json) and talks to it.</summary>
public sealed class SampleGatewayTests
{
    [Fact]
    public async Task Sample_EchoRouteAndCommandLineRoute_AreServed()
    {
        var ct = Ws.Timeout(60);
        await using var extra = await TestBackend.StartEchoAsync();
        await using var sample = await SampleProcess.StartAsync(
            ct,
            "--Sample:EchoBackendUrl=http://127.0.0.1:0",
            "--WebSocketProxy:Routes:r2:Path=/x/{**rest}",
            "--WebSocketProxy:Routes:r2:Cluster=c2",
            $"--WebSocketProxy:Clusters:c2:Backends:b:Address=ws://127.0.0.1:{extra.Port}");

        try
        {
            await ExerciseAsync(sample, extra, ct);
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException("The sample failed; its output:\n" + sample.Output, ex);
        }
    }

    private static async Task ExerciseAsync(SampleProcess sample, TestBackend extra, CancellationToken ct)
    {
        using var http = new HttpClient();
        var page = await http.GetStringAsync(new Uri(sample.BaseUri, "/"), ct);
        page.Should().Contain("/ws/echo", "the page at / lets a person try the echo");

        using var echo = await Ws.ConnectAsync(new Uri($"ws://{sample.BaseUri.Authority}/ws/echo"), ct);
        await echo.SendTextAsync("hello sample", ct);
        (await echo.ReceiveMessageAsync(ct)).Text.Should().Be("hello sample");

        using var added = await Ws.ConnectAsync(new Uri($"ws://{sample.BaseUri.Authority}/x/room/7?q=1"), ct);
        await added.SendTextAsync("to the command-line route", ct);
        (await added.ReceiveMessageAsync(ct)).Text.Should().Be("to the command-line route");
        extra.Handshakes.Single().Path.Should().Be("/room/7");
        extra.Handshakes.Single().Query.Should().Be("?q=1");
    }
}
