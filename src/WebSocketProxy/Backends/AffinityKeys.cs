using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace WebSocketProxy.Backends;

/// <summary>
/// The connection keys real-time frameworks hand out and carry: SignalR's negotiate answer (<c>connectionToken</c> in
/// protocol v1, <c>connectionId</c> in v0) carried later as the <c>id</c> query value, and the engine.io open packet of
/// Socket.IO (<c>0{"sid":…}</c>) carried later as <c>sid</c>.
/// </summary>
internal static class AffinityKeys
{
    /// <summary>The largest negotiate or open response read for its key; larger ones are passed on unread.</summary>
    private const long MaxBodyBytes = 16 * 1024;

    /// <summary>The key a request carries, or null.</summary>
    public static string? FromRequest(HttpRequest request)
    {
        if (!request.QueryString.HasValue)
        {
            return null;
        }

        var query = request.Query;
        if (query.TryGetValue("sid", out var sid) && sid.Count == 1 && !string.IsNullOrEmpty(sid[0]))
        {
            return "sid:" + sid[0];
        }

        if (query.TryGetValue("id", out var id) && id.Count == 1 && !string.IsNullOrEmpty(id[0]))
        {
            return "id:" + id[0];
        }

        return null;
    }

    /// <summary>Whether the response to <paramref name="request"/> may hand out a key (a SignalR negotiate or an engine.io open request).</summary>
    public static bool MayIssueKey(HttpRequest request) => IsSignalRNegotiate(request) || IsEngineIoOpen(request);

    /// <summary>Reads the key a negotiate or open response hands out (buffering at most a small body), or null.</summary>
    public static async ValueTask<string?> FromResponseAsync(HttpRequest request, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var negotiate = IsSignalRNegotiate(request);
        if (!response.IsSuccessStatusCode || (!negotiate && !IsEngineIoOpen(request)) || response.Content.Headers.ContentLength is not (> 0 and <= MaxBodyBytes))
        {
            return null;
        }

        await response.Content.LoadIntoBufferAsync(cancellationToken); // the forwarder then copies the buffered body
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        try
        {
            return negotiate ? FromNegotiate(body) : FromEngineIoOpen(body);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool IsSignalRNegotiate(HttpRequest request)
        => HttpMethods.IsPost(request.Method) && request.Path.Value is { } path && path.TrimEnd('/').EndsWith("/negotiate", StringComparison.OrdinalIgnoreCase);

    private static bool IsEngineIoOpen(HttpRequest request)
    {
        if (!HttpMethods.IsGet(request.Method) || !request.QueryString.HasValue)
        {
            return false;
        }

        var query = request.Query;
        return query.ContainsKey("EIO") && !query.ContainsKey("sid") && string.Equals(query["transport"], "polling", StringComparison.Ordinal);
    }

    private static string? FromNegotiate(byte[] body)
    {
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var token = root.TryGetProperty("connectionToken", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()
            : root.TryGetProperty("connectionId", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()
            : null;
        return string.IsNullOrEmpty(token) ? null : "id:" + token;
    }

    private static string? FromEngineIoOpen(byte[] body)
    {
        // EIO 4: "0{...}"; EIO 3: "<length>:0{...}" possibly followed by more packets.
        var text = body.AsSpan();
        var open = text.IndexOf("0{"u8);
        if (open < 0)
        {
            return null;
        }

        var reader = new Utf8JsonReader(text[(open + 1)..]);
        using var json = JsonDocument.ParseValue(ref reader);
        return json.RootElement.TryGetProperty("sid", out var sid) && sid.ValueKind == JsonValueKind.String && sid.GetString() is { Length: > 0 } value
            ? "sid:" + value
            : null;
    }

    /// <summary>The affinity cookie's value for a backend: a hash of its id, so the cookie does not reveal backend names.</summary>
    public static string CookieValue(string backendId)
    {
        Span<byte> hash = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(backendId.ToUpperInvariant()), hash);
        return Convert.ToHexStringLower(hash[..8]);
    }
}
