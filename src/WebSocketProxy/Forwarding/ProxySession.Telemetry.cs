using System.Net.WebSockets;
using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using WebSocketProxy.Model;

namespace WebSocketProxy.Forwarding;

/// <summary>What operators see of a session: its snapshot, who ended it, and the close status of each leg.</summary>
internal sealed partial class ProxySession
{
    private readonly DateTimeOffset _startedAt;
    private readonly SessionIdentity _identity;
    private string? _initiator;
    private int _clientCloseStatus;
    private int _backendCloseStatus;

    /// <summary>Gets when the session was accepted.</summary>
    public DateTimeOffset StartedAt => _startedAt;

    /// <inheritdoc />
    public SessionSnapshot GetSnapshot()
    {
        // Nothing here reads the HTTP context: once the session has ended, the request (and its context) is gone.
        var ended = Volatile.Read(ref _finished) != 0;
        return new SessionSnapshot
        {
            ConnectionId = _identity.ConnectionId,
            RouteId = Connection.RouteId,
            ClusterId = Connection.ClusterId,
            BackendId = Connection.Backend?.Id,
            User = _identity.User,
            RemoteAddress = _identity.RemoteAddress,
            StartedAt = _startedAt,
            SubProtocol = _identity.SubProtocol,
            ClientToBackend = _client.Forwarded,
            BackendToClient = _backend.Forwarded,
            ClientCloseStatus = ended ? Volatile.Read(ref _clientCloseStatus) : null,
            BackendCloseStatus = ended ? Volatile.Read(ref _backendCloseStatus) : null,
            CloseInitiator = ended ? Volatile.Read(ref _initiator) ?? "proxy" : null,
        };
    }

    /// <summary>Remembers who ended the session first; later calls change nothing.</summary>
    private void NoteInitiator(string side) => Interlocked.CompareExchange(ref _initiator, side, null);

    /// <summary>The side a pump's outcome points at: the source closed or vanished, the destination vanished, or the proxy enforced a rule.</summary>
    private void NoteInitiator(SessionLeg source, SessionLeg destination, PumpOutcome outcome) => NoteInitiator(outcome.Kind switch
    {
        PumpOutcomeKind.SourceClosed or PumpOutcomeKind.SourceFailed => source.Name,
        PumpOutcomeKind.DestinationFailed when !destination.CloseSent => destination.Name,
        _ => "proxy",
    });

    /// <summary>Records each leg's close status while the sockets still hold it: the first close frame on that leg (the proxy's when it closed first, else the peer's), else 1006.</summary>
    private void RecordCloseStatuses()
    {
        Volatile.Write(ref _clientCloseStatus, CloseStatusOf(_client));
        Volatile.Write(ref _backendCloseStatus, CloseStatusOf(_backend));
    }

    private static int CloseStatusOf(SessionLeg leg)
        => leg.ClosedFirst ? leg.SentCloseStatus!.Value : leg.Socket.CloseStatus is { } received ? (int)received : leg.SentCloseStatus ?? 1006; // ClosedFirst implies a sent status

    /// <summary>What the snapshot needs of the handshake request, read once while the request is live.</summary>
    private static SessionIdentity Identify(HttpContext context, WebSocket client)
    {
        var ip = context.Connection.RemoteIpAddress;
        return new SessionIdentity(
            context.TraceIdentifier,
            UserOf(context.User),
            ip is null ? null : (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString(),
            client.SubProtocol);
    }

    private static string? UserOf(ClaimsPrincipal user)
    {
        if (user.Identity?.IsAuthenticated != true)
        {
            return null;
        }

        var id = user.FindFirst("sub")?.Value ?? user.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? user.Identity.Name;
        return string.IsNullOrEmpty(id) ? null : id;
    }

    private sealed record SessionIdentity(string ConnectionId, string? User, string? RemoteAddress, string? SubProtocol);
}
