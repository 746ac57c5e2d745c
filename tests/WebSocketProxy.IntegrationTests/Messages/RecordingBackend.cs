using System.Collections.Concurrent;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Messages;

/// <summary>A backend behaviour that records every whole message it receives (type and bytes) and echoes it; accepts the first offered subprotocol.</summary>
public sealed class RecordingBackend
{
    private readonly SemaphoreSlim _arrived = new(0);

    public ConcurrentQueue<Received> Messages { get; } = new();

    public Func<TestBackend, HttpContext, Task> Handler => async (backend, context) =>
    {
        var offered = context.WebSockets.WebSocketRequestedProtocols;
        using var socket = await context.WebSockets.AcceptWebSocketAsync(offered.Count > 0 ? offered[0] : null);
        await BackendHandlers.MessageLoopAsync(backend, socket, async received =>
        {
            Messages.Enqueue(received);
            _arrived.Release();
            await socket.SendAsync(received.Data, received.Type, true, CancellationToken.None);
        });
    };

    /// <summary>Waits until the backend has received <paramref name="count"/> more messages.</summary>
    public async Task WaitAsync(int count, CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
        {
            await _arrived.WaitAsync(cancellationToken);
        }
    }
}
