using WebSocketProxy.Backends;
using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Testing;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FluentAssertions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using WebSocketProxy.IntegrationTests.Infrastructure;

namespace WebSocketProxy.IntegrationTests.Hardening;

/// <summary>
/// Issue 10, items 15 and 17: the backend leg. TLS to a backend behind a private CA validates the chain the backend
/// presents (intermediates included) and requires a server certificate; a single backend that restarts is used again
/// as soon as it is reachable.
/// </summary>
[Trait("Issue", "10")]
public sealed class BackendHardeningTests : IAsyncLifetime
{
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "wsp-hardening-tls-" + Guid.NewGuid().ToString("N"));

    private string CaPath => Path.Combine(_directory, "root-ca.pem");

    public ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Item 15. The CA file holds only the root; the backend presents leaf + intermediate (as any real PKI does). The chain is
    /// valid (checked directly below, as OpenSSL would), so the proxy must build it with the presented intermediate: 101, not 502.
    /// </summary>
    [Fact]
    public async Task Item15_LeafPlusIntermediateFromCustomCa_Accepted()
    {
        var ct = Ws.Timeout();
        using var root = CreateCertificate("CN=wsp-test-root", issuer: null, ca: true, eku: null);
        using var intermediate = CreateCertificate("CN=wsp-test-intermediate", root, ca: true, eku: null);
        using var leaf = CreateCertificate("CN=wsp-test-leaf", intermediate, ca: false, eku: ServerAuth);
        await File.WriteAllTextAsync(CaPath, root.ExportCertificatePem(), ct);
        await using var backend = await StartTlsEchoAsync(leaf, [intermediate], ct);
        (await ValidatesDirectlyAsync(PortOf(backend), root, ct)).Should().Be("valid chain of 3 (1 presented intermediate)", "precondition: the backend's chain is valid against the root alone");

        var status = await ConnectThroughProxyAsync(PortOf(backend), ct);

        status.Should().Be(101, "the presented intermediate completes the chain to the configured root");
    }

    /// <summary>Item 15. A certificate that chains to the custom CA but carries only the clientAuth EKU is not a server certificate: refused (502).</summary>
    [Fact]
    public async Task Item15_ClientAuthOnlyLeafFromCustomCa_Refused()
    {
        var ct = Ws.Timeout();
        using var root = CreateCertificate("CN=wsp-test-root", issuer: null, ca: true, eku: null);
        using var leaf = CreateCertificate("CN=wsp-test-client-only", root, ca: false, eku: ClientAuth);
        await File.WriteAllTextAsync(CaPath, root.ExportCertificatePem(), ct);
        await using var backend = await StartTlsEchoAsync(leaf, [], ct);

        var status = await ConnectThroughProxyAsync(PortOf(backend), ct);

        status.Should().Be(502, "a certificate without the serverAuth EKU must not authenticate a server");
    }

    /// <summary>Item 15. A CA file that holds no certificate is rejected when the configuration loads (an error naming the key), not by a 500 on every handshake.</summary>
    [Fact]
    public async Task Item15_MalformedCaFile_RejectedAtConfigurationLoad()
    {
        var ct = Ws.Timeout();
        await File.WriteAllTextAsync(CaPath, "this is not a certificate\n", ct);
        var settings = TlsSettings(new Uri("wss://127.0.0.1:9/ws"));

        Exception? error = null;
        var observed = "the gateway started";
        try
        {
            await using var gateway = await ConfiguredGateway.StartAsync(settings, ct);
            observed += $" and a handshake was answered {(await Ws.TryConnectAsync(gateway.Ws("/ws"), ct)).Status}";
        }
        catch (Exception ex)
        {
            error = ex;
        }

        error.Should().BeOfType<OptionsValidationException>(observed)
            .Which.Message.Should().Contain("WebSocketProxy:Clusters:c:Tls:CaCertificatePath");
    }

    /// <summary>
    /// Item 17. The only backend of a cluster crashes (its breaker opens: 503) and comes back on the same address: a
    /// connection succeeds as soon as it is reachable again (within 5 s), not after the 30 s break duration.
    /// </summary>
    [Fact]
    public async Task Item17_SingleBackendCrashesAndReturns_ConnectsAgainAsSoonAsReachable()
    {
        var ct = Ws.Timeout(40);
        var first = await StartEchoOnPortAsync(0, ct);
        var port = PortOf(first);
        await using var gateway = await ConfiguredGateway.StartAsync(ConfiguredGateway.OneRoute(new Uri($"ws://127.0.0.1:{port}/ws")), ct);
        (await Ws.TryConnectAsync(gateway.Ws("/ws"), ct)).Status.Should().Be(101);

        await first.StopAsync(ct); // the crash
        await first.DisposeAsync();
        var whileDown = new List<int>();
        var backend = gateway.Services.GetRequiredService<WebSocketProxy.Management.ProxyConfigManager>().Current.Clusters["c"].Backends[0];
        for (var i = 0; i < 20 && backend.HealthState().IsBreakerClosed(TimeProvider.System); i++)
        {
            whileDown.Add((await Ws.TryConnectAsync(gateway.Ws("/ws"), ct)).Status);
        }

        backend.HealthState().IsBreakerClosed(TimeProvider.System).Should().BeFalse("precondition: failed connects open the backend's breaker ({0})", Summary(whileDown));
        (await Ws.TryConnectAsync(gateway.Ws("/ws"), ct)).Status.Should().Be(502, "panic mode (the default) keeps trying the only backend while it is down, instead of 503 for the rest of the break");
        await using var restarted = await StartEchoOnPortAsync(port, ct);
        var afterRestart = new List<int>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (!afterRestart.Contains(101) && DateTime.UtcNow < deadline)
        {
            afterRestart.Add((await Ws.TryConnectAsync(gateway.Ws("/ws"), ct)).Status);
            if (!afterRestart.Contains(101))
            {
                await Task.Delay(100, ct); // a new attempt every 100 ms, bounded by the deadline
            }
        }

        afterRestart.Contains(101).Should().BeTrue("the backend is reachable again; observed {0}", Summary(afterRestart));
    }

    private Dictionary<string, string?> TlsSettings(Uri backend)
    {
        var settings = ConfiguredGateway.OneRoute(backend);
        settings["WebSocketProxy:Clusters:c:Tls:CaCertificatePath"] = CaPath;
        settings["WebSocketProxy:Clusters:c:ConnectAttempts"] = "1";
        return settings;
    }

    private async Task<int> ConnectThroughProxyAsync(int backendPort, CancellationToken ct)
    {
        await using var gateway = await ConfiguredGateway.StartAsync(TlsSettings(new Uri($"wss://127.0.0.1:{backendPort}/ws")), ct);
        using var client = new ClientWebSocket();
        client.Options.CollectHttpResponseDetails = true;
        try
        {
            await client.ConnectAsync(gateway.Ws("/ws"), ct);
            await client.SendTextAsync("over tls", ct);
            (await client.ReceiveMessageAsync(ct)).Text.Should().Be("over tls");
            await client.CloseAsync(WebSocketCloseStatus.NormalClosure, null, ct);
            return 101;
        }
        catch (WebSocketException)
        {
            return (int)client.HttpStatusCode;
        }
    }

    /// <summary>Connects to the backend with a plain <see cref="SslStream"/> and validates what it presents against <paramref name="root"/> only, with the presented certificates as intermediates.</summary>
    private static async Task<string> ValidatesDirectlyAsync(int port, X509Certificate2 root, CancellationToken ct)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port, ct);
        var verdict = "not validated";
        await using var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false, (_, certificate, presented, _) =>
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(root);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.ApplicationPolicy.Add(new Oid(ServerAuth));
            var intermediates = 0;
            foreach (var extra in presented!.ChainPolicy.ExtraStore)
            {
                if (!extra.Equals(certificate))
                {
                    chain.ChainPolicy.ExtraStore.Add(extra);
                    intermediates++;
                }
            }

            using var leaf = new X509Certificate2(certificate!); // the callback always gets the server's certificate here
            verdict = chain.Build(leaf)
                ? $"valid chain of {chain.ChainElements.Count} ({intermediates} presented intermediate)"
                : "invalid: " + string.Join(", ", chain.ChainStatus.Select(s => s.Status));
            return true;
        });
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "127.0.0.1" }, ct);
        return verdict;
    }

    private static string Summary(List<int> statuses)
        => statuses.Count + " attempts: " + string.Join(", ", statuses.GroupBy(s => s).Select(g => $"{g.Count()} × {g.Key}"));

    private static int PortOf(WebApplication app) => new Uri(app.Urls.First()).Port;

    private static async Task<WebApplication> StartEchoOnPortAsync(int port, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.UseWebSockets();
        app.Run(EchoAsync);
        await app.StartAsync(ct);
        return app;
    }

    private static async Task<WebApplication> StartTlsEchoAsync(X509Certificate2 leaf, X509Certificate2[] chain, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();

        // The TLS callback hands SslStream the certificate as is: Kestrel's own ServerCertificate setting refuses a
        // certificate without the serverAuth EKU, and such a misissued backend is exactly what one test needs.
        var context = SslStreamCertificateContext.Create(leaf, [.. chain], offline: true);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(new TlsHandshakeCallbackOptions
        {
            OnConnection = _ => ValueTask.FromResult(new SslServerAuthenticationOptions { ServerCertificateContext = context }),
        })));
        var app = builder.Build();
        app.UseWebSockets();
        app.Run(EchoAsync);
        await app.StartAsync(ct);
        return app;
    }

    private static async Task EchoAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), context.RequestAborted);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
                    return;
                }

                await socket.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, context.RequestAborted);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException)
        {
            // The proxy went away.
        }
    }

    /// <summary>An ECDSA P-256 certificate: self-signed when <paramref name="issuer"/> is null, else signed by it; leaves get 127.0.0.1 and localhost as names.</summary>
    private static X509Certificate2 CreateCertificate(string subject, X509Certificate2? issuer, bool ca, string? eku)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(ca ? X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign : X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        if (eku is not null)
        {
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(eku)], critical: false));
        }

        if (!ca)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
        }

        var now = DateTimeOffset.UtcNow;
        X509Certificate2 certificate;
        if (issuer is null)
        {
            certificate = request.CreateSelfSigned(now.AddMinutes(-10), now.AddHours(2));
        }
        else
        {
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, includeKeyIdentifier: true, includeIssuerAndSerial: false));
            using var signed = request.Create(issuer, now.AddMinutes(-5), now.AddHours(1), RandomNumberGenerator.GetBytes(16));
            certificate = signed.CopyWithPrivateKey(key);
        }

        // Round-trip through PKCS#12 so the private key is usable by SslStream on every platform.
        using (certificate)
        {
            return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
        }
    }
}
