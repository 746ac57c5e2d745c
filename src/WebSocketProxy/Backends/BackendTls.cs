using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using WebSocketProxy.Configuration;

namespace WebSocketProxy.Backends;

/// <summary>Turns a <see cref="BackendTlsConfig"/> into the TLS options of a backend handler: certificate validation and client certificates.</summary>
internal static class BackendTls
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");

    public static string NormalizeThumbprint(string? value)
        => (value ?? string.Empty).Replace(":", string.Empty, StringComparison.Ordinal).Replace(" ", string.Empty, StringComparison.Ordinal).ToUpperInvariant();

    /// <summary>A key that is equal for equal settings, so an unchanged reload keeps its handler and pooled connections.</summary>
    public static string Key(BackendTlsConfig tls)
        => string.Join(
            '\u0001',
            tls.CaCertificatePath,
            tls.Thumbprints is null ? string.Empty : string.Join(',', tls.Thumbprints),
            tls.DangerousAcceptAnyCertificate == true,
            tls.ClientCertificatePath,
            tls.ClientCertificateKeyPath,
            tls.ClientCertificatePassword);

    public static void Apply(SslClientAuthenticationOptions ssl, BackendTlsConfig tls)
    {
        var callback = CreateValidator(tls);
        if (callback is not null)
        {
            ssl.RemoteCertificateValidationCallback = callback;
        }

        if (tls.ClientCertificatePath is { } certificatePath)
        {
            ssl.ClientCertificates = [LoadClientCertificate(certificatePath, tls.ClientCertificateKeyPath, tls.ClientCertificatePassword)];
        }
    }

    private static RemoteCertificateValidationCallback? CreateValidator(BackendTlsConfig tls)
    {
        if (tls.DangerousAcceptAnyCertificate == true)
        {
            return static (_, _, _, _) => true;
        }

        var pins = new HashSet<string>(StringComparer.Ordinal);
        if (tls.Thumbprints is not null)
        {
            foreach (var thumbprint in tls.Thumbprints)
            {
                pins.Add(NormalizeThumbprint(thumbprint));
            }
        }

        var authorities = tls.CaCertificatePath is { } caPath ? LoadAuthorities(caPath) : null;

        if (pins.Count == 0 && authorities is null)
        {
            return null;
        }

        return (_, certificate, presentedChain, errors) =>
        {
            if (certificate is null)
            {
                return false;
            }

            if (pins.Count > 0)
            {
                using var leaf = new X509Certificate2(certificate);
                if (pins.Contains(leaf.GetCertHashString(HashAlgorithmName.SHA256)) || pins.Contains(leaf.GetCertHashString(HashAlgorithmName.SHA1)))
                {
                    return true;
                }
            }

            if (authorities is not null)
            {
                if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                chain.ChainPolicy.ApplicationPolicy.Add(ServerAuthentication); // a clientAuth-only certificate is no server
                if (presentedChain is not null)
                {
                    // The intermediates the server presented: the chain to the custom root runs through them.
                    foreach (var element in presentedChain.ChainElements)
                    {
                        chain.ChainPolicy.ExtraStore.Add(element.Certificate);
                    }
                }

                using var presented = new X509Certificate2(certificate);
                return chain.Build(presented);
            }

            return errors == SslPolicyErrors.None;
        };
    }

    /// <summary>Loads the custom authorities of a cluster (PEM bundle or one DER certificate); throws <see cref="CryptographicException"/> when the file holds none.</summary>
    public static X509Certificate2Collection LoadAuthorities(string path)
    {
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(path);
        if (authorities.Count == 0)
        {
            authorities.Add(X509CertificateLoader.LoadCertificateFromFile(path));
        }

        return authorities;
    }

    private static X509Certificate2 LoadClientCertificate(string path, string? keyPath, string? password)
    {
        var extension = Path.GetExtension(path);
        if (extension.Equals(".pfx", StringComparison.OrdinalIgnoreCase) || extension.Equals(".p12", StringComparison.OrdinalIgnoreCase))
        {
            return X509CertificateLoader.LoadPkcs12FromFile(path, password);
        }

        using var pem = password is null
            ? X509Certificate2.CreateFromPemFile(path, keyPath)
            : X509Certificate2.CreateFromEncryptedPemFile(path, password, keyPath);

        // Round-trip through PKCS#12 so the key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}
