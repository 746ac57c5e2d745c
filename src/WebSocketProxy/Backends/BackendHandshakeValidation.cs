using System.Globalization;
using System.Net.WebSockets;

namespace WebSocketProxy.Backends;

/// <summary>
/// Checks a backend's 101 the way <c>ClientWebSocket</c> does (RFC 6455 §4.1): <c>Upgrade: websocket</c>, a
/// <c>Connection</c> naming <c>Upgrade</c>, the <c>Sec-WebSocket-Accept</c> of the request's key, a subprotocol only from
/// the offered ones and, when permessage-deflate was offered, the parameters the backend chose (RFC 7692 §7.1). A failed
/// check throws <see cref="WebSocketException"/>.
/// </summary>
internal static class BackendHandshakeValidation
{
    private const string PerMessageDeflate = "permessage-deflate";

    /// <summary>Validates the 101 and returns the negotiated subprotocol (the offered spelling) and compression settings.</summary>
    public static (string? SubProtocol, WebSocketDeflateOptions? Deflate) Validate(BackendHandshakeRequest request, BackendHandshakeResponse response)
    {
        if (response.Single("Upgrade") is not { } upgrade || !upgrade.Equals("websocket", StringComparison.OrdinalIgnoreCase))
        {
            throw new WebSocketException(WebSocketError.HeaderError, "The backend's 101 has no 'Upgrade: websocket' header.");
        }

        if (!NamesUpgrade(response))
        {
            throw new WebSocketException(WebSocketError.HeaderError, "The backend's 101 has no 'Connection: Upgrade' header.");
        }

        if (!string.Equals(response.Single("Sec-WebSocket-Accept"), BackendHandshakeRequest.AcceptFor(request.Key), StringComparison.Ordinal))
        {
            throw new WebSocketException(WebSocketError.HeaderError, "The backend's 101 has a missing or wrong Sec-WebSocket-Accept.");
        }

        string? subProtocol = null;
        if (response.Headers.TryGetValue("Sec-WebSocket-Protocol", out var protocols) && protocols.Count > 0 && protocols[0].Length > 0)
        {
            subProtocol = request.SubProtocols.Find(offered => offered.Equals(protocols[0], StringComparison.OrdinalIgnoreCase))
                ?? throw new WebSocketException(WebSocketError.UnsupportedProtocol, $"The backend chose the subprotocol '{protocols[0]}', which was not offered.");
        }

        WebSocketDeflateOptions? deflate = null;
        if (request.OfferDeflate && response.Headers.TryGetValue("Sec-WebSocket-Extensions", out var extensions))
        {
            foreach (var value in extensions)
            {
                foreach (var extension in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    if (extension.StartsWith(PerMessageDeflate, StringComparison.OrdinalIgnoreCase))
                    {
                        deflate = ParseDeflate(extension);
                        break;
                    }
                }
            }
        }

        return (subProtocol, deflate);
    }

    private static bool NamesUpgrade(BackendHandshakeResponse response)
    {
        if (!response.Headers.TryGetValue("Connection", out var values))
        {
            return false;
        }

        foreach (var value in values)
        {
            foreach (var token in value.Split(',', StringSplitOptions.TrimEntries))
            {
                if (token.Equals("Upgrade", StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The backend's permessage-deflate response parameters over the offer's defaults (15 window bits, context takeover).</summary>
    internal static WebSocketDeflateOptions ParseDeflate(string extension)
    {
        var options = new WebSocketDeflateOptions();
        var parameters = extension.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (!parameters[0].Equals(PerMessageDeflate, StringComparison.OrdinalIgnoreCase))
        {
            throw new WebSocketException(WebSocketError.HeaderError, $"The backend answered an extension that was not offered: '{parameters[0]}'.");
        }

        try
        {
            foreach (var parameter in parameters.AsSpan(1))
            {
                var equals = parameter.IndexOf('=', StringComparison.Ordinal);
                var name = (equals < 0 ? parameter : parameter[..equals]).Trim();
                var value = equals < 0 ? null : parameter[(equals + 1)..].Trim().Trim('"');
                switch (name.ToLowerInvariant())
                {
                    case "client_no_context_takeover":
                        options.ClientContextTakeover = false;
                        break;
                    case "server_no_context_takeover":
                        options.ServerContextTakeover = false;
                        break;
                    case "client_max_window_bits" when value is not null:
                        options.ClientMaxWindowBits = int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
                        break;
                    case "server_max_window_bits" when value is not null:
                        options.ServerMaxWindowBits = int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
                        break;
                    default:
                        throw new WebSocketException(WebSocketError.HeaderError, $"The backend answered an unknown permessage-deflate parameter '{parameter}'.");
                }
            }
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentOutOfRangeException)
        {
            throw new WebSocketException(WebSocketError.HeaderError, $"The backend answered invalid permessage-deflate parameters: '{extension}'.", ex);
        }

        return options;
    }
}
