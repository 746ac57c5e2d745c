using WebSocketProxy.Configuration;

namespace WebSocketProxy.Backends;

/// <summary>A route's affinity settings with defaults applied (see <see cref="SessionAffinityConfig"/>); attached to routes with <c>ForwardHttp</c> and affinity on.</summary>
internal sealed class AffinityPolicy
{
    public const string DefaultCookieName = ".WebSocketProxy.Affinity";
    public const int DefaultMaxKeys = 100_000;
    public static readonly TimeSpan DefaultKeyLifetime = TimeSpan.FromMinutes(10);

    public AffinityPolicy(string routeId, SessionAffinityConfig? config)
    {
        RouteId = routeId;
        CookieName = config?.CookieName is { } name ? (name.Length == 0 ? null : name) : DefaultCookieName;
        KeyLifetime = config?.KeyLifetime ?? DefaultKeyLifetime;
        MaxKeys = config?.MaxKeys ?? DefaultMaxKeys;
    }

    public string RouteId { get; }

    /// <summary>Gets the affinity cookie's name, or null when the cookie is off.</summary>
    public string? CookieName { get; }

    public TimeSpan KeyLifetime { get; }

    public int MaxKeys { get; }
}
