using Microsoft.AspNetCore.Routing;
using WebSocketProxy.Model;

namespace WebSocketProxy.Backends;

/// <summary>Where the <c>ConsistentHash</c> policy takes its key from, parsed from <c>ClusterConfig.HashKey</c>.</summary>
internal sealed class HashKeySource
{
    public static readonly HashKeySource ClientIp = new(HashKeyKind.Ip, string.Empty);

    private HashKeySource(HashKeyKind kind, string name)
    {
        Kind = kind;
        Name = name;
    }

    public HashKeyKind Kind { get; }

    public string Name { get; }

    /// <summary>Parses <c>header:NAME</c>, <c>query:NAME</c>, <c>claim:TYPE</c>, <c>route:NAME</c> or <c>ip</c>.</summary>
    public static bool TryParse(string? value, out HashKeySource source)
    {
        source = ClientIp;
        if (string.IsNullOrWhiteSpace(value) || string.Equals(value.Trim(), "ip", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == value.Length - 1)
        {
            return false;
        }

        var name = value[(colon + 1)..].Trim();
        HashKeyKind? kind = value[..colon].Trim().ToLowerInvariant() switch
        {
            "header" => HashKeyKind.Header,
            "query" => HashKeyKind.Query,
            "claim" => HashKeyKind.Claim,
            "route" => HashKeyKind.Route,
            _ => null,
        };
        if (kind is null || name.Length == 0)
        {
            return false;
        }

        source = new HashKeySource(kind.Value, name);
        return true;
    }

    /// <summary>Reads the key of one connection, or null when the connection does not carry it.</summary>
    public string? GetKey(ProxyConnectionContext connection)
    {
        var http = connection.HttpContext;
        var key = Kind switch
        {
            HashKeyKind.Header => http.Request.Headers[Name].ToString(),
            HashKeyKind.Query => http.Request.Query[Name].ToString(),
            HashKeyKind.Claim => http.User.FindFirst(Name)?.Value,
            HashKeyKind.Route => http.GetRouteValue(Name)?.ToString(),
            _ => http.Connection.RemoteIpAddress?.ToString(),
        };
        return string.IsNullOrEmpty(key) ? null : key;
    }
}

/// <summary>The kinds of <see cref="HashKeySource"/>.</summary>
internal enum HashKeyKind
{
    Ip,
    Header,
    Query,
    Claim,
    Route,
}
