using System.Net;
using FluentAssertions;
using WebSocketProxy.RealtimeTests.Infrastructure;

namespace WebSocketProxy.RealtimeTests.Routing;

/// <summary><c>ForwardHttp</c> is off by default: a proxy route answers anything but a WebSocket upgrade with 400.</summary>
public sealed class ForwardHttpTests
{
    [Theory(Timeout = 60_000)]
    [InlineData(null)]
    [InlineData(false)]
    public async Task PlainGet_ForwardHttpOff_Answers400(bool? forwardHttp)
    {
        var ct = Bounded.Token(30);
        await using var backend = await NameBackend.StartAsync("backend", ct);
        var settings = new GatewaySettings()
            .Route("r", "/ws/{**rest}", "c", forwardHttp)
            .Cluster("c", [(backend.Name, backend.Address)]);
        await using var gateway = await RealtimeGateway.StartAsync(settings, ct);
        using var http = new HttpClient();

        using var response = await http.GetAsync(gateway.Http("/ws/anything"), ct);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync(ct)).Should().NotContain("backend", "the request never reached the backend");
    }
}
