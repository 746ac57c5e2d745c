using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace WebSocketProxy.RealtimeTests.SignalR;

/// <summary>
/// The in-process stand-in for a SignalR backplane (Redis, Azure SignalR): the test's backends live in one process,
/// so a broadcast on one backend is sent to all clients of every live backend.
/// </summary>
internal sealed class SignalRBackplane
{
    private readonly ConcurrentDictionary<string, IHubContext<RealtimeHub>> _hubs = new(StringComparer.Ordinal);

    public void Register(string backend, IHubContext<RealtimeHub> hub) => _hubs[backend] = hub;

    public void Unregister(string backend) => _hubs.TryRemove(backend, out _);

    public async Task PublishAsync(string from, string message, CancellationToken cancellationToken)
    {
        foreach (var hub in _hubs.Values)
        {
            await hub.Clients.All.SendAsync(RealtimeHub.BroadcastMethod, from, message, cancellationToken);
        }
    }
}
