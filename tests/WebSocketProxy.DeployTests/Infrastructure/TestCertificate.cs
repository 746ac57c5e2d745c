using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace WebSocketProxy.DeployTests.Infrastructure;

/// <summary>A self-signed server certificate for 127.0.0.1/localhost, written as a password-protected .pfx for Kestrel's configuration.</summary>
public sealed class TestCertificate : IDisposable
{
    private TestCertificate(X509Certificate2 certificate, string path, string password)
    {
        Certificate = certificate;
        PfxPath = path;
        Password = password;
    }

    public X509Certificate2 Certificate { get; }

    public string PfxPath { get; }

    public string Password { get; }

    public static TestCertificate Create()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=websocketproxy-deploy-tests", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var path = Path.Combine(Directory.CreateTempSubdirectory("websocketproxy-cert-").FullName, "server.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, password));
        return new TestCertificate(certificate, path, password);
    }

    public void Dispose()
    {
        Certificate.Dispose();
        try
        {
            Directory.Delete(Path.GetDirectoryName(PfxPath)!, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
