using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using WebSocketProxy.Model;

namespace WebSocketProxy.Backends;

/// <summary>
/// Keeps real-time clients on the backend that serves them: connection keys learned from negotiate/open responses,
/// mapped to backend ids per route (bounded by a lifetime and a count), and the affinity cookie. Keyed by route and
/// backend id, not by state objects, so the ties survive a configuration reload.
/// </summary>
/// <remarks>Thread-safe.</remarks>
internal sealed class BackendAffinity
{
    private readonly ConcurrentDictionary<string, KeyMap> _routes = new(StringComparer.OrdinalIgnoreCase);
    private readonly TimeProvider _timeProvider;

    public BackendAffinity(TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
    }

    /// <summary>Gets the number of keys a route keeps (for tests and diagnostics).</summary>
    public int KeyCount(string routeId) => _routes.TryGetValue(routeId, out var map) ? map.Count : 0;

    /// <summary>What ties the request to a backend on a route with affinity; null when the route has none.</summary>
    public AffinityTie? Find(HttpContext context, RouteModel route)
    {
        if (route.Features.Get<AffinityPolicy>() is not { } policy)
        {
            return null;
        }

        var request = context.Request;
        var key = AffinityKeys.FromRequest(request);
        string? backendId = null;
        if (key is not null && _routes.TryGetValue(policy.RouteId, out var map))
        {
            backendId = map.Get(key, _timeProvider.GetUtcNow(), policy.KeyLifetime);
        }

        var cookie = policy.CookieName is { } name && request.Cookies.TryGetValue(name, out var value) && !string.IsNullOrEmpty(value) ? value : null;
        return new AffinityTie(policy, key, backendId, cookie);
    }

    /// <summary>The candidate the tie names: the key's backend first, then the cookie's; null when neither is among the candidates.</summary>
    public static BackendState? Resolve(AffinityTie tie, IReadOnlyList<BackendState> candidates)
    {
        if (tie.BackendId is { } id)
        {
            foreach (var candidate in candidates)
            {
                if (string.Equals(candidate.Id, id, StringComparison.OrdinalIgnoreCase))
                {
                    return candidate;
                }
            }

            return null; // a key names its backend: the cookie (maybe of another connection) does not override it
        }

        if (tie.CookieValue is { } cookie)
        {
            foreach (var candidate in candidates)
            {
                if (string.Equals(AffinityKeys.CookieValue(candidate.Id), cookie, StringComparison.Ordinal))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>Drops the tie's key: its backend is gone, draining, unhealthy or unreachable (the client reconnects elsewhere).</summary>
    public void Forget(AffinityTie tie)
    {
        if (tie.Key is { } key && tie.BackendId is not null && _routes.TryGetValue(tie.Policy.RouteId, out var map))
        {
            map.Remove(key);
        }
    }

    /// <summary>Maps a key the backend handed out to that backend.</summary>
    public void Remember(AffinityPolicy policy, string key, string backendId)
    {
        var map = _routes.GetOrAdd(policy.RouteId, static _ => new KeyMap());
        map.Set(key, backendId, _timeProvider.GetUtcNow() + policy.KeyLifetime, policy.MaxKeys);
    }

    /// <summary>Sets the affinity cookie on the response when the request did not already name <paramref name="backend"/>.</summary>
    public static void SetCookie(HttpContext context, AffinityPolicy policy, AffinityTie? tie, BackendState backend)
    {
        if (policy.CookieName is not { } name)
        {
            return;
        }

        var value = AffinityKeys.CookieValue(backend.Id);
        if (string.Equals(tie?.CookieValue, value, StringComparison.Ordinal) || context.Response.HasStarted)
        {
            return;
        }

        context.Response.Cookies.Append(name, value, new CookieOptions
        {
            HttpOnly = true,
            Path = "/",
            SameSite = SameSiteMode.Lax,
            Secure = context.Request.IsHttps,
            IsEssential = true,
        });
    }

    /// <summary>One route's keys, bounded: expired entries go on lookup and when the map is full; then the ones closest to expiry.</summary>
    private sealed class KeyMap
    {
        private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
        private readonly Lock _trimLock = new();

        public int Count => _entries.Count;

        public string? Get(string key, DateTimeOffset now, TimeSpan lifetime)
        {
            if (!_entries.TryGetValue(key, out var entry))
            {
                return null;
            }

            if (entry.IsExpired(now))
            {
                _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
                return null;
            }

            entry.Extend(now + lifetime); // sliding: long polling keeps its key alive
            return entry.BackendId;
        }

        public void Remove(string key) => _entries.TryRemove(key, out _);

        public void Set(string key, string backendId, DateTimeOffset expiresAt, int maxKeys)
        {
            if (_entries.Count >= maxKeys && !_entries.ContainsKey(key))
            {
                Trim(maxKeys);
            }

            _entries[key] = new Entry(backendId, expiresAt);
        }

        private void Trim(int maxKeys)
        {
            lock (_trimLock)
            {
                if (_entries.Count < maxKeys)
                {
                    return;
                }

                // Rare (only when full): drop the tenth of the keys closest to expiry, expired ones first.
                var entries = _entries.ToArray();
                Array.Sort(entries, static (a, b) => a.Value.ExpiresAtTicks.CompareTo(b.Value.ExpiresAtTicks));
                var remove = entries.Length - (maxKeys - Math.Max(1, maxKeys / 10));
                for (var i = 0; i < remove && i < entries.Length; i++)
                {
                    _entries.TryRemove(entries[i]);
                }
            }
        }
    }

    private sealed class Entry(string backendId, DateTimeOffset expiresAt)
    {
        private long _expiresAtTicks = expiresAt.UtcTicks;

        public string BackendId { get; } = backendId;

        public long ExpiresAtTicks => Volatile.Read(ref _expiresAtTicks);

        public bool IsExpired(DateTimeOffset now) => ExpiresAtTicks <= now.UtcTicks;

        public void Extend(DateTimeOffset expiresAt) => Volatile.Write(ref _expiresAtTicks, expiresAt.UtcTicks);
    }
}
