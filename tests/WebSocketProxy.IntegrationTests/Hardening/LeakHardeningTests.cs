using WebSocketProxy.Testing;
using System.Net;
using System.Net.Sockets;
using FluentAssertions;
using FluentAssertions.Execution;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using WebSocketProxy.IntegrationTests.Infrastructure;

namespace WebSocketProxy.IntegrationTests.Hardening;

/// <summary>
/// Issue 10, items 7 and 8: secrets a client puts in the query string (a browser access token, a signed session
/// parameter) never reach the backend when they are consumed, and never reach the proxy's logs.
/// </summary>
[Trait("Issue", "10")]
public sealed class LeakHardeningTests
{
    private static Dictionary<string, string?> TokenRoute(Uri backend)
    {
        var settings = ConfiguredGateway.OneRoute(backend);
        settings["WebSocketProxy:Routes:r:AuthorizationPolicy"] = "default";
        settings["WebSocketProxy:Routes:r:AccessToken:FromQuery"] = "true";
        return settings;
    }

    /// <summary>The proxy's own records (category <c>WebSocketProxy.*</c>) that mention <paramref name="secret"/> anywhere: message, exception or state.</summary>
    private static List<string> ProxyRecordsContaining(FakeLogCollector logs, string secret)
    {
        var leaks = new List<string>();
        foreach (var record in logs.GetSnapshot())
        {
            if (record.Category?.StartsWith("WebSocketProxy", StringComparison.Ordinal) != true)
            {
                continue; // ASP.NET Core's own request logging is the host's business, not the proxy's
            }

            var state = record.StructuredState is null ? string.Empty : string.Join(";", record.StructuredState.Select(p => p.Key + "=" + p.Value));
            var text = record.Message + "|" + record.Exception + "|" + state;
            if (text.Contains(secret, StringComparison.Ordinal))
            {
                leaks.Add($"{record.Level} {record.Id.Name}: {record.Message}");
            }
        }

        return leaks;
    }

    /// <summary>Item 7. <c>?Access_Token=</c> authenticates (the query is read case-insensitively) and must then be stripped whatever its case.</summary>
    [Fact]
    public async Task Item7_AccessTokenParameterInOtherCase_StrippedFromBackendQuery()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await ConfiguredGateway.StartAsync(TokenRoute(backend.WsUri()), ct, TestAuth.AddTo);
        var token = TestAuth.CreateToken("alice");

        var (status, _) = await Ws.TryConnectAsync(gateway.Ws($"/ws?room=42&Access_Token={token}&x=y"), ct);

        status.Should().Be(101, "the token is read whatever the parameter's case");
        var handshake = backend.Handshakes.Should().ContainSingle().Subject;
        handshake.Query.Should().NotContain(token).And.Be("?room=42&x=y");
    }

    /// <summary>Item 7. The same token never appears in a proxy log line, here on the path that logs the backend target (a refused backend handshake).</summary>
    [Fact]
    public async Task Item7_AccessTokenParameterInOtherCase_NeverLogged()
    {
        var ct = Ws.Timeout();
        await using var backend = await TestBackend.StartAsync(BackendHandlers.Refuse(403));
        await using var gateway = await ConfiguredGateway.StartAsync(TokenRoute(backend.WsUri()), ct, TestAuth.AddTo, captureLogs: true);
        var token = TestAuth.CreateToken("alice");

        var (status, _) = await Ws.TryConnectAsync(gateway.Ws($"/ws?room=42&ACCESS_TOKEN={token}"), ct);

        status.Should().Be(403, "the backend refuses; the proxy passes the status on");
        ProxyRecordsContaining(gateway.Logs, token).Should().BeEmpty();
    }

    /// <summary>
    /// Item 8. A failed backend connect logs the target with query values redacted, and an expected refusal (connection
    /// refused, a 4xx from the backend) is at most one line at Warning or above, without an exception attached (no stack trace).
    /// </summary>
    [Theory]
    [InlineData("unreachable")]
    [InlineData("refused403")]
    public async Task Item8_BackendConnectFails_LogRedactsQueryValuesAndCarriesNoStackTrace(string failure)
    {
        var ct = Ws.Timeout();
        const string secret = "SECRET-5f3a9c";
        await using var refusing = await TestBackend.StartAsync(BackendHandlers.Refuse(403));
        var address = failure == "unreachable" ? new Uri($"ws://127.0.0.1:{ClosedPort()}/ws") : refusing.WsUri();
        var settings = ConfiguredGateway.OneRoute(address);
        settings["WebSocketProxy:Clusters:c:ConnectAttempts"] = "1";
        await using var gateway = await ConfiguredGateway.StartAsync(settings, ct, captureLogs: true);

        var (status, _) = await Ws.TryConnectAsync(gateway.Ws($"/ws?room=7&session_sig={secret}"), ct);

        status.Should().Be(failure == "unreachable" ? 502 : 403);
        var records = gateway.Logs.GetSnapshot();
        using (new AssertionScope())
        {
            ProxyRecordsContaining(gateway.Logs, secret).Should().BeEmpty("query values are redacted");
            records.Where(r => r.Level >= LogLevel.Warning && r.Exception is not null && r.Category?.StartsWith("WebSocketProxy", StringComparison.Ordinal) == true)
                .Select(r => $"{r.Level} {r.Id.Name}: {r.Exception!.GetType().Name}")
                .Should().BeEmpty("an expected refusal is not an error with a stack trace");
            records.Count(r => r.Level >= LogLevel.Warning && r.Category?.StartsWith("WebSocketProxy", StringComparison.Ordinal) == true)
                .Should().BeLessThanOrEqualTo(1, "one refused handshake is one line");
        }
    }

    /// <summary>A loopback port nothing listens on (taken, then released).</summary>
    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
