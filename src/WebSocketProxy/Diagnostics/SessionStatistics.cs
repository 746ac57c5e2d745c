using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using WebSocketProxy.Model;

namespace WebSocketProxy.Diagnostics;

/// <summary>
/// Running totals of ended sessions — traffic each way and close statuses by side — for the live status feed, which
/// adds the live sessions' own counters. Updated once per session end, never per message.
/// </summary>
/// <remarks>Thread-safe.</remarks>
internal sealed class SessionStatistics
{
    private readonly ConcurrentDictionary<(string Side, int Status), StrongBox<long>> _closes = new();
    private long _ended;
    private long _clientMessages;
    private long _clientBytes;
    private long _backendMessages;
    private long _backendBytes;

    /// <summary>Gets the number of sessions that have ended since the start.</summary>
    public long SessionsEnded => Interlocked.Read(ref _ended);

    /// <summary>Gets what ended sessions forwarded from clients to backends.</summary>
    public SessionTraffic ClientToBackend => new(Interlocked.Read(ref _clientMessages), Interlocked.Read(ref _clientBytes));

    /// <summary>Gets what ended sessions forwarded from backends to clients.</summary>
    public SessionTraffic BackendToClient => new(Interlocked.Read(ref _backendMessages), Interlocked.Read(ref _backendBytes));

    public void SessionEnded(SessionTraffic clientToBackend, SessionTraffic backendToClient, int clientCloseStatus, int backendCloseStatus)
    {
        Interlocked.Add(ref _clientMessages, clientToBackend.Messages);
        Interlocked.Add(ref _clientBytes, clientToBackend.Bytes);
        Interlocked.Add(ref _backendMessages, backendToClient.Messages);
        Interlocked.Add(ref _backendBytes, backendToClient.Bytes);
        Interlocked.Increment(ref _closes.GetOrAdd(("client", clientCloseStatus), static _ => new StrongBox<long>()).Value);
        Interlocked.Increment(ref _closes.GetOrAdd(("backend", backendCloseStatus), static _ => new StrongBox<long>()).Value);
        Interlocked.Increment(ref _ended);
    }

    /// <summary>Gets how many legs ended with each close status, by side (<c>client</c>, <c>backend</c>), ordered by side and status.</summary>
    public IReadOnlyList<(string Side, int Status, long Count)> CloseStatuses()
    {
        var list = new List<(string Side, int Status, long Count)>(_closes.Count);
        foreach (var ((side, status), count) in _closes)
        {
            list.Add((side, status, Interlocked.Read(ref count.Value)));
        }

        list.Sort(static (a, b) => a.Side != b.Side ? string.CompareOrdinal(a.Side, b.Side) : a.Status.CompareTo(b.Status));
        return list;
    }
}
