using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Backends;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Backends;

/// <summary>
/// Affinity on a <c>ForwardHttp</c> route: a connection key handed out by negotiate ties the later requests and the upgrade to
/// the backend that issued it (skipping round robin), across a configuration reload; a dead backend's tie is dropped and the
/// client is served by another backend.
/// </summary>
public sealed class AffinityTests
{
    [Fact]
    public async Task NegotiateToken_ConfigurationReloaded_LaterRequestsAndUpgradesStayOnTheIssuer()
    {
        var ct = Ws.Timeout(30);
        await using var a = await RealtimeBackend.StartAsync("a");
        await using var b = await RealtimeBackend.StartAsync("b");
        await using var c = await RealtimeBackend.StartAsync("c");
        await using var gateway = await ReloadableGateway.StartAsync(Settings(("a", a), ("b", b)));
        using var http = NewClient();

        var token = await NegotiateAsync(http, gateway, ct);
        var issuer = RealtimeBackend.IssuerOf(token);
        gateway.Reload(Settings(("a", a), ("b", b), ("c", c)));
        await Eventually.HoldsAsync(() => HasBackend(gateway, "c"), ct);

        var answers = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            answers.Add(await FirstMessageAsync(gateway.Ws($"/ws?id={token}"), ct));
            answers.Add(await http.GetStringAsync(new Uri($"http://127.0.0.1:{gateway.Port}/ws/poll?id={token}"), ct));
        }

        answers.Should().OnlyContain(name => name == issuer, "the token's backend serves every request carrying it, before and after the reload");
        var untied = new HashSet<string>();
        for (var i = 0; i < 6; i++)
        {
            untied.Add(await FirstMessageAsync(gateway.Ws("/ws"), ct));
        }

        untied.Should().HaveCount(3, "connections without a key are still balanced over every backend");
    }

    [Fact]
    public async Task TiedBackendDies_RequestAndUpgrade_GoToAnotherBackendAndTheTieIsDropped()
    {
        var ct = Ws.Timeout(30);
        await using var a = await RealtimeBackend.StartAsync("a");
        await using var b = await RealtimeBackend.StartAsync("b");
        var backends = new Dictionary<string, TestBackend> { ["a"] = a, ["b"] = b };
        await using var gateway = await ReloadableGateway.StartAsync(Settings(("a", a), ("b", b)));
        var affinity = gateway.App.Services.GetRequiredService<BackendAffinity>();
        using var http = NewClient();

        var first = await NegotiateAsync(http, gateway, ct);
        var second = await NegotiateAsync(http, gateway, ct);
        var third = await NegotiateAsync(http, gateway, ct);
        var dead = RealtimeBackend.IssuerOf(first);
        var alive = dead == "a" ? "b" : "a";
        var deadTokens = new[] { first, second, third }.Where(t => RealtimeBackend.IssuerOf(t) == dead).ToList();
        deadTokens.Should().HaveCount(2, "round robin spread three negotiates as a, b, a");
        affinity.KeyCount("r").Should().Be(3);
        await backends[dead].DisposeAsync();

        var poll = await http.GetAsync(new Uri($"http://127.0.0.1:{gateway.Port}/ws/poll?id={deadTokens[0]}"), ct);
        var upgrade = await FirstMessageAsync(gateway.Ws($"/ws?id={deadTokens[1]}"), ct);

        poll.StatusCode.Should().Be(HttpStatusCode.OK, "a backend that refuses connections is skipped for the next one");
        (await poll.Content.ReadAsStringAsync(ct)).Should().Be(alive);
        upgrade.Should().Be(alive);
        affinity.KeyCount("r").Should().Be(1, "the ties to the dead backend were dropped; the live backend's stays");
    }

    [Fact]
    public async Task AffinityCookie_SetOnFirstResponse_LaterRequestsWithItStayOnThatBackend()
    {
        var ct = Ws.Timeout(30);
        await using var a = await RealtimeBackend.StartAsync("a");
        await using var b = await RealtimeBackend.StartAsync("b");
        await using var gateway = await ReloadableGateway.StartAsync(Settings(("a", a), ("b", b)));
        using var http = NewClient();
        var uri = new Uri($"http://127.0.0.1:{gateway.Port}/ws/poll");

        using var firstResponse = await http.GetAsync(uri, ct);
        var first = await firstResponse.Content.ReadAsStringAsync(ct);
        var cookie = firstResponse.Headers.GetValues("Set-Cookie").Single();
        cookie.Should().StartWith(".WebSocketProxy.Affinity=").And.Contain("httponly").And.NotContain(first + ";", "the cookie names a hash, not the backend");
        var pair = cookie[..cookie.IndexOf(';', StringComparison.Ordinal)];

        var answers = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.Add("Cookie", pair);
            using var response = await http.SendAsync(request, ct);
            answers.Add(await response.Content.ReadAsStringAsync(ct));
            response.Headers.Contains("Set-Cookie").Should().BeFalse("the request already names its backend");
        }

        var upgrade = await FirstMessageAsync(gateway.Ws("/ws"), ct, o => o.SetRequestHeader("Cookie", pair));

        answers.Should().OnlyContain(name => name == first);
        upgrade.Should().Be(first);
    }

    private static Dictionary<string, string?> Settings(params (string Name, TestBackend Backend)[] backends)
    {
        var settings = new Dictionary<string, string?>
        {
            ["WebSocketProxy:Routes:r:Path"] = "/ws/{**rest}",
            ["WebSocketProxy:Routes:r:Cluster"] = "c",
            ["WebSocketProxy:Routes:r:ForwardHttp"] = "true",
            ["WebSocketProxy:Clusters:c:LoadBalancing"] = "RoundRobin",
        };
        foreach (var (name, backend) in backends)
        {
            settings[$"WebSocketProxy:Clusters:c:Backends:{name}:Address"] = backend.WsUri().ToString();
        }

        return settings;
    }

    private static bool HasBackend(ReloadableGateway gateway, string id)
    {
        try
        {
            gateway.RuntimeBackend(id);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static HttpClient NewClient() => new(new SocketsHttpHandler { UseCookies = false });

    private static async Task<string> NegotiateAsync(HttpClient http, ReloadableGateway gateway, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsync(new Uri($"http://127.0.0.1:{gateway.Port}/ws/negotiate?negotiateVersion=1"), content: null, cancellationToken);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return json.RootElement.GetProperty("connectionToken").GetString()!;
    }

    private static async Task<string> FirstMessageAsync(Uri uri, CancellationToken cancellationToken, Action<ClientWebSocketOptions>? configure = null)
    {
        using var socket = await Ws.ConnectAsync(uri, cancellationToken, configure);
        var message = await socket.ReceiveMessageAsync(cancellationToken);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
        return message.Text;
    }
}
