using System.Net.WebSockets;
using System.Text;

namespace WebSocketProxy.Admin;

/// <summary>The body of a close call: the close status and reason both legs get (JSON).</summary>
/// <param name="Code">The close status, 1000–1003, 1007–1014 or 3000–4999; 1000 (normal closure) when left out.</param>
/// <param name="Reason">The close reason, at most 123 UTF-8 bytes; <c>Closed by an operator</c> when left out.</param>
internal sealed record CloseSessionRequest(int? Code = null, string? Reason = null)
{
    public const string DefaultReason = "Closed by an operator";

    /// <summary>Checks the code and reason; returns the error to answer with 400, or <see langword="null"/>.</summary>
    public string? Validate(out WebSocketCloseStatus status, out string reason)
    {
        var code = Code ?? (int)WebSocketCloseStatus.NormalClosure;
        status = (WebSocketCloseStatus)code;
        reason = string.IsNullOrEmpty(Reason) ? DefaultReason : Reason;
        if (!IsSendable(code))
        {
            return $"Close code {code} cannot be sent: use 1000–1003, 1007–1014 or 3000–4999.";
        }

        return Encoding.UTF8.GetByteCount(reason) > 123 ? "The close reason is longer than 123 UTF-8 bytes." : null;
    }

    /// <summary>Whether a close frame may carry the code (RFC 6455 §7.4: 1004–1006 and 1015 are never sent, 1016–2999 are reserved).</summary>
    public static bool IsSendable(int code) => code is (>= 1000 and <= 1003) or (>= 1007 and <= 1014) or (>= 3000 and <= 4999);
}
