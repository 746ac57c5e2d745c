using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Model;

namespace WebSocketProxy.Backends;

/// <summary>
/// Expands each configured backend's host name to all its A/AAAA addresses (one backend per address, id
/// <c>backend/address</c>), cached per cluster and refreshed every <c>ResolverRefreshInterval</c>. Once a cluster has
/// a list, connections never wait for DNS: an expired list is served while one background refresh runs. Each host
/// is resolved on its own: a host that fails keeps its last good addresses (or is left out) and never fails the
/// others. Only a first resolution in which every host fails fails the connection (503).
/// </summary>
/// <remarks>The backend is connected by IP; the handshake keeps the configured host name in its Host header (and TLS server name).</remarks>
internal sealed partial class DnsBackendResolver : IBackendResolver
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.OrdinalIgnoreCase);
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _lookup;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<DnsBackendResolver> _logger;

    public DnsBackendResolver(TimeProvider timeProvider, ILogger<DnsBackendResolver> logger)
        : this(Dns.GetHostAddressesAsync, timeProvider, logger)
    {
    }

    internal DnsBackendResolver(Func<string, CancellationToken, Task<IPAddress[]>> lookup, TimeProvider timeProvider, ILogger<DnsBackendResolver> logger)
    {
        _lookup = lookup;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public string Name => BackendResolvers.Dns;

    public async ValueTask<IReadOnlyList<BackendDescription>> ResolveAsync(ProxyConnectionContext context, CancellationToken cancellationToken)
    {
        var cluster = context.ClusterModel;
        var entry = _entries.GetOrAdd(cluster.Id, static _ => new Entry());
        var current = Volatile.Read(ref entry.Current);
        if (current is not null && ReferenceEquals(current.Cluster, cluster))
        {
            if (_timeProvider.GetUtcNow() >= current.Expires && Interlocked.Exchange(ref entry.Refreshing, 1) == 0)
            {
                _ = RefreshInBackgroundAsync(entry, current); // serve the last good list meanwhile
            }

            return current.Backends;
        }

        // No list for this cluster (generation) yet: the first connections wait for one resolution.
        await entry.Gate.WaitAsync(cancellationToken);
        try
        {
            current = entry.Current;
            if (current is not null && ReferenceEquals(current.Cluster, cluster))
            {
                return current.Backends;
            }

            var resolved = await ResolveClusterAsync(cluster, previous: current, cancellationToken);
            if (resolved.Backends.Count == 0 && resolved.Failures > 0)
            {
                throw new SocketException((int)SocketError.HostNotFound);
            }

            Volatile.Write(ref entry.Current, resolved);
            return resolved.Backends;
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    private async Task RefreshInBackgroundAsync(Entry entry, Resolved current)
    {
        try
        {
            var refreshed = await ResolveClusterAsync(current.Cluster, current, CancellationToken.None);
            Volatile.Write(ref entry.Current, refreshed);
        }
        catch (Exception ex)
        {
            // Never fail a caller: keep serving the last good list and try again after another interval.
            Log.RefreshFailed(_logger, current.Cluster.Id, ex);
            Volatile.Write(ref entry.Current, current with { Expires = _timeProvider.GetUtcNow() + current.Cluster.BackendSettings().ResolverRefreshInterval });
        }
        finally
        {
            Volatile.Write(ref entry.Refreshing, 0);
        }
    }

    /// <summary>Resolves every configured host on its own; a failed host keeps the addresses it had in <paramref name="previous"/>.</summary>
    private async Task<Resolved> ResolveClusterAsync(ClusterModel cluster, Resolved? previous, CancellationToken cancellationToken)
    {
        var result = new List<BackendDescription>();
        var byHost = new Dictionary<string, BackendDescription[]>(StringComparer.OrdinalIgnoreCase);
        var failures = 0;
        foreach (var configured in cluster.BackendDescriptions)
        {
            var address = configured.Address;
            if (address.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6)
            {
                result.Add(configured);
                continue;
            }

            BackendDescription[] expanded;
            try
            {
                expanded = Expand(configured, await _lookup(address.DnsSafeHost, cancellationToken));
            }
            catch (Exception ex) when (ex is SocketException or ArgumentException)
            {
                failures++;
                Log.HostFailed(_logger, cluster.Id, configured.Id, address.DnsSafeHost, ex.Message);
                expanded = previous is not null && ReferenceEquals(previous.Cluster, cluster) && previous.ByHost.TryGetValue(configured.Id, out var lastGood) ? lastGood : [];
            }

            byHost[configured.Id] = expanded;
            result.AddRange(expanded);
        }

        Log.Resolved(_logger, cluster.Id, result.Count);
        return new Resolved(cluster, result, byHost, failures, _timeProvider.GetUtcNow() + cluster.BackendSettings().ResolverRefreshInterval);
    }

    private static BackendDescription[] Expand(BackendDescription configured, IPAddress[] addresses)
    {
        var address = configured.Address;
        var expanded = new BackendDescription[addresses.Length];
        for (var i = 0; i < addresses.Length; i++)
        {
            var ip = addresses[i];
            var host = ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{ip}]" : ip.ToString();
            expanded[i] = new BackendDescription($"{configured.Id}/{ip}", new UriBuilder(address) { Host = host }.Uri) { HostHeader = address.Authority };
        }

        return expanded;
    }

    private sealed record Resolved(ClusterModel Cluster, IReadOnlyList<BackendDescription> Backends, Dictionary<string, BackendDescription[]> ByHost, int Failures, DateTimeOffset Expires);

    private sealed class Entry
    {
        public readonly SemaphoreSlim Gate = new(1, 1);
        public Resolved? Current;
        public int Refreshing;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.DnsResolved, EventName = nameof(EventIds.DnsResolved), Level = LogLevel.Debug, Message = "Cluster {Cluster}: DNS resolved {Count} backend addresses.")]
        public static partial void Resolved(ILogger logger, string cluster, int count);

        [LoggerMessage(EventId = EventIds.DnsRefreshFailed, EventName = nameof(EventIds.DnsRefreshFailed), Level = LogLevel.Warning, Message = "Cluster {Cluster}: DNS refresh failed; keeping the last resolved addresses.")]
        public static partial void RefreshFailed(ILogger logger, string cluster, Exception exception);

        [LoggerMessage(EventId = EventIds.DnsHostFailed, EventName = nameof(EventIds.DnsHostFailed), Level = LogLevel.Warning, Message = "Cluster {Cluster}: backend {Backend} host {Host} did not resolve ({Reason}); its last good addresses are kept, the other backends are unaffected.")]
        public static partial void HostFailed(ILogger logger, string cluster, string backend, string host, string reason);
    }
}
