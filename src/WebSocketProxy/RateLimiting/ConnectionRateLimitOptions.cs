namespace WebSocketProxy.RateLimiting;

/// <summary>Options of the ready-made handshake rate limiter policies registered by <c>AddHandshakeRateLimiterPolicies</c>.</summary>
/// <remarks>Each partition is a token bucket holding <c>PermitLimit</c> handshakes, refilled evenly over <c>Window</c>.</remarks>
public sealed class ConnectionRateLimitOptions
{
    /// <summary>Gets or sets how many handshakes one client IP address may make per <see cref="PerIpWindow"/>.</summary>
    /// <value>Defaults to 60.</value>
    public int PerIpPermitLimit { get; set; } = 60;

    /// <summary>Gets or sets the window of <see cref="PerIpPermitLimit"/>.</summary>
    /// <value>Defaults to 1 minute.</value>
    public TimeSpan PerIpWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Gets or sets how many handshakes one user (anonymous clients: one IP address) may make per <see cref="PerUserWindow"/>.</summary>
    /// <value>Defaults to 30.</value>
    public int PerUserPermitLimit { get; set; } = 30;

    /// <summary>Gets or sets the window of <see cref="PerUserPermitLimit"/>.</summary>
    /// <value>Defaults to 1 minute.</value>
    public TimeSpan PerUserWindow { get; set; } = TimeSpan.FromMinutes(1);
}
