using System.Collections.Concurrent;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;

namespace WebSocketProxy.Testing;

/// <summary>A backend behaviour that counts the messages it receives (and optionally echoes them), and records its close.</summary>
public sealed class CountingBackend
{
    /// <summary>The number of data messages received; a field so tests can read it with <c>Volatile.Read</c> or <c>Interlocked</c>.</summary>
    public int Messages;

    /// <summary>Gets the text messages received, in order.</summary>
    public ConcurrentQueue<string> Texts { get; } = new();

    /// <summary>A <see cref="TestBackend"/> handler that counts into <paramref name="counter"/>.</summary>
    /// <param name="counter">Receives the counts and texts.</param>
    /// <param name="echo">Whether every message is sent back.</param>
    /// <returns>The handler.</returns>
    public static Func<TestBackend, HttpContext, Task> Create(CountingBackend counter, bool echo) => BackendHandlers.Accept((backend, socket, _) =>
        BackendHandlers.MessageLoopAsync(backend, socket, async received =>
        {
            Interlocked.Increment(ref counter.Messages);
            if (received.Type == WebSocketMessageType.Text)
            {
                counter.Texts.Enqueue(received.Text);
            }

            if (echo)
            {
                await socket.SendAsync(received.Data, received.Type, true, CancellationToken.None);
            }
        }));
}
