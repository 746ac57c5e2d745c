namespace WebSocketProxy.Configuration;

/// <summary>TLS settings for a cluster's <c>wss://</c> backends.</summary>
/// <remarks>Without any of these settings the operating system's trust store validates the backend certificate.</remarks>
public sealed record BackendTlsConfig
{
    /// <summary>Gets the path of a PEM or DER file with the certificate authority (or authorities) that backend certificates must chain to, instead of the system trust store.</summary>
    /// <value>Not set by default.</value>
    public string? CaCertificatePath { get; init; }

    /// <summary>Gets pinned backend certificate thumbprints (SHA-256 or SHA-1, hex); a certificate whose thumbprint is listed is accepted without chain validation.</summary>
    /// <value>Not set by default.</value>
    public IReadOnlyList<string>? Thumbprints { get; init; }

    /// <summary>Gets whether any backend certificate is accepted. For development only: it turns off server authentication.</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool? DangerousAcceptAnyCertificate { get; init; }

    /// <summary>Gets the path of a client certificate presented to the backends: a PKCS#12 (<c>.pfx</c>/<c>.p12</c>) file, or a PEM file (with <see cref="ClientCertificateKeyPath"/>).</summary>
    /// <value>Not set by default.</value>
    public string? ClientCertificatePath { get; init; }

    /// <summary>Gets the path of the PEM private key of the client certificate, when it is not in the certificate file.</summary>
    /// <value>Not set by default.</value>
    public string? ClientCertificateKeyPath { get; init; }

    /// <summary>Gets the password of the client certificate file or key.</summary>
    /// <value>Not set by default.</value>
    public string? ClientCertificatePassword { get; init; }
}
