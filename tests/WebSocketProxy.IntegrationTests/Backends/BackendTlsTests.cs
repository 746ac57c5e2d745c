using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FluentAssertions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using WebSocketProxy.Configuration;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Backends;

public sealed class BackendTlsTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "wsp-tls-" + Guid.NewGuid().ToString("N"));
    private X509Certificate2 _serverCertificate = null!;
    private X509Certificate2 _clientCertificate = null!;
    private LoopbackHost _backend = null!;
    private string? _presentedClientThumbprint;

    private Uri BackendUri { get; set; } = null!;

    private string CaPath => Path.Combine(_directory, "ca.pem");

    private string ClientPfxPath => Path.Combine(_directory, "client.pfx");

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _serverCertificate = CreateCertificate("CN=wsp-test-backend", server: true);
        _clientCertificate = CreateCertificate("CN=wsp-test-gateway", server: false);
        await File.WriteAllTextAsync(CaPath, _serverCertificate.ExportCertificatePem());
        await File.WriteAllBytesAsync(ClientPfxPath, _clientCertificate.Export(X509ContentType.Pkcs12, "secret"));

        _backend = await LoopbackHost.StartAsync(
            builder =>
            {
                // An HTTPS endpoint on 127.0.0.1:0 replaces the host's plain-HTTP one.
                builder.WebHost.UseKestrelHttpsConfiguration();
                builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(https =>
                {
                    https.ServerCertificate = _serverCertificate;
                    https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                    https.AllowAnyClientCertificate();
                })));
            },
            app =>
            {
                app.UseWebSockets();
                app.Run(async context =>
                {
                    var client = await context.Connection.GetClientCertificateAsync();
                    _presentedClientThumbprint = client?.GetCertHashString(HashAlgorithmName.SHA256);
                    using var socket = await context.WebSockets.AcceptWebSocketAsync();
                    var buffer = new byte[4096];
                    while (true)
                    {
                        var result = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                        if (result.MessageType == System.Net.WebSockets.WebSocketMessageType.Close)
                        {
                            await socket.CloseOutputAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                            return;
                        }

                        await socket.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, CancellationToken.None);
                    }
                });
            });
        BackendUri = _backend.Ws("/ws");
    }

    public async ValueTask DisposeAsync()
    {
        await _backend.DisposeAsync();
        _serverCertificate.Dispose();
        _clientCertificate.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Connect_SelfSignedWithoutTlsSettings_Returns502()
    {
        (await ConnectAsync(null)).Should().Be(502);
    }

    [Fact]
    public async Task Connect_PinnedSha256Thumbprint_Succeeds()
    {
        var thumbprint = _serverCertificate.GetCertHashString(HashAlgorithmName.SHA256);

        (await ConnectAsync(new BackendTlsConfig { Thumbprints = [thumbprint.ToLowerInvariant()] })).Should().Be(101);
    }

    [Fact]
    public async Task Connect_WrongThumbprint_Returns502()
    {
        (await ConnectAsync(new BackendTlsConfig { Thumbprints = [new string('A', 64)] })).Should().Be(502);
    }

    [Fact]
    public async Task Connect_CustomCaFile_Succeeds()
    {
        (await ConnectAsync(new BackendTlsConfig { CaCertificatePath = CaPath })).Should().Be(101);
    }

    [Fact]
    public async Task Connect_DangerousAcceptAny_Succeeds()
    {
        (await ConnectAsync(new BackendTlsConfig { DangerousAcceptAnyCertificate = true })).Should().Be(101);
    }

    [Fact]
    public async Task Connect_ClientCertificate_PresentedToBackend()
    {
        var status = await ConnectAsync(new BackendTlsConfig { CaCertificatePath = CaPath, ClientCertificatePath = ClientPfxPath, ClientCertificatePassword = "secret" });

        status.Should().Be(101);
        _presentedClientThumbprint.Should().Be(_clientCertificate.GetCertHashString(HashAlgorithmName.SHA256));
    }

    private async Task<int> ConnectAsync(BackendTlsConfig? tls)
    {
        var ct = Ws.Timeout();
        await using var gateway = await TestGateway.StartAsync(BackendUri, cluster: c => c with { Tls = tls, ConnectAttempts = 1 });
        using var client = new System.Net.WebSockets.ClientWebSocket();
        client.Options.CollectHttpResponseDetails = true;
        try
        {
            await client.ConnectAsync(gateway.Ws("/ws"), ct);
            await client.SendTextAsync("over tls", ct);
            (await client.ReceiveMessageAsync(ct)).Text.Should().Be("over tls");
            await client.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, ct);
            return 101;
        }
        catch (System.Net.WebSockets.WebSocketException)
        {
            return (int)client.HttpStatusCode;
        }
    }

    private static X509Certificate2 CreateCertificate(string subject, bool server)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: server, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment | (server ? X509KeyUsageFlags.KeyCertSign : 0), critical: false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], critical: false));
        if (server)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            san.AddDnsName("localhost");
            request.CertificateExtensions.Add(san.Build());
        }

        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));

        // Round-trip through PKCS#12 so the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}
