using System.Collections.Concurrent;
using System.Net.WebSockets;

namespace WebSocketProxy.Model;

/// <summary>Every live session of this process, through its control surface: for drains, operators and counts.</summary>
internal sealed class SessionRegistry
{
    private readonly ConcurrentDictionary<ISessionControl, LiveSession> _sessions = new();
    private volatile bool _draining;

    /// <summary>Gets the number of live sessions.</summary>
    public int Count => _sessions.Count;

    /// <summary>Gets whether the host is shutting down: new upgrades are refused with 503.</summary>
    public bool IsDraining => _draining;

    public void Add(ISessionControl session, Task running) => _sessions[session] = new LiveSession(running, DateTimeOffset.UtcNow);

    public void Remove(ISessionControl session) => _sessions.TryRemove(session, out _);

    public ICollection<ISessionControl> Snapshot() => _sessions.Keys;

    /// <summary>Gets every live session with when it was registered (for session directories).</summary>
    public IEnumerable<(ISessionControl Session, DateTimeOffset Started)> WithStartTimes()
    {
        foreach (var (session, live) in _sessions)
        {
            yield return (session, live.Started);
        }
    }

    /// <summary>
    /// Refuses new sessions, closes every live one with 1001 — the client first, whose answer closes the backend, so no
    /// client message in flight is lost — waits up to <paramref name="timeout"/>, then aborts the rest.
    /// </summary>
    public async Task DrainAsync(TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        _draining = true;
        var started = timeProvider.GetTimestamp();
        var told = new HashSet<ISessionControl>();
        var running = new List<Task>(_sessions.Count);
        try
        {
            // Sessions whose upgrade was admitted just before the drain began register after it: each round takes them in.
            while (true)
            {
                running.Clear();
                var toldNow = false;
                foreach (var (session, live) in _sessions)
                {
                    if (told.Add(session))
                    {
                        session.CloseClientFirst(WebSocketCloseStatus.EndpointUnavailable, "Server shutting down");
                        toldNow = true;
                    }

                    if (!live.Running.IsCompleted) // an ended session may still be listed for a moment
                    {
                        running.Add(live.Running);
                    }
                }

                if (running.Count == 0)
                {
                    if (!toldNow)
                    {
                        return; // a round that found nobody new and nothing running
                    }

                    continue;
                }

                var left = timeout - timeProvider.GetElapsedTime(started);
                if (left <= TimeSpan.Zero)
                {
                    throw new TimeoutException();
                }

                await Task.WhenAll(running).WaitAsync(left, timeProvider, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            foreach (var session in _sessions.Keys)
            {
                session.Abort();
            }
        }
    }

    private sealed record LiveSession(Task Running, DateTimeOffset Started); // a class: see docs/architecture.md, "what crosses an await on the set-up path is a class"
}
