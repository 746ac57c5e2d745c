using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Http.Connections.Features;
using Microsoft.AspNetCore.SignalR;

namespace WebSocketProxy.RealtimeTests.SignalR;

/// <summary>Which backend a hub connection landed on, and over which transport the backend sees it.</summary>
internal sealed record HubConnectionInfo(string Server, string Transport, string ConnectionId);

/// <summary>The name of one SignalR backend.</summary>
internal sealed record BackendName(string Value);

/// <summary>The test hub: invoke, broadcast to all clients of every backend, and a server-to-client stream.</summary>
internal sealed class RealtimeHub(BackendName name, SignalRBackplane backplane) : Hub
{
    public const string BroadcastMethod = "broadcast";

    public HubConnectionInfo WhoAmI()
    {
        var transport = Context.Features.Get<IHttpTransportFeature>()?.TransportType ?? HttpTransportType.None;
        return new HubConnectionInfo(name.Value, transport.ToString(), Context.ConnectionId);
    }

    public string Echo(string message) => $"{name.Value}:{message}";

    public Task Broadcast(string message) => backplane.PublishAsync(name.Value, message, Context.ConnectionAborted);

    public async IAsyncEnumerable<int> Counter(int count, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var i = 1; i <= count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return i;
            await Task.Yield();
        }
    }
}
