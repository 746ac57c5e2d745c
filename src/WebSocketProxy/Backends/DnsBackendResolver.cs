using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Net;
using Microsoft.Extensions.Logging;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Model;

namespace WebSocketProxy.Backends;

/// <summary>
/// Expands each configured backend's host name to all its A/AAAA addresses (one backend per address, id
/// <c>backend/address</c>), cached per cluster and resolved again every <c>ResolverRefreshInterval</c>. A failed
/// refresh keeps the last good list; a failed first resolution fails the connection (503).
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
        var now = _timeProvider.GetUtcNow();
        var current = Volatile.Read(ref entry.Current);
        if (current is not null && ReferenceEquals(current.Cluster, cluster) && now < current.Expires)
        {
            return current.Backends;
        }

        await entry.Gate.WaitAsync(cancellationToken);
        try
        {
            current = entry.Current;
            now = _timeProvider.GetUtcNow();
            if (current is not null && ReferenceEquals(current.Cluster, cluster) && now < current.Expires)
            {
                return current.Backends;
            }

            try
            {
                var backends = await ExpandAsync(cluster, cancellationToken);
                Volatile.Write(ref entry.Current, new Resolved(cluster, backends, now + cluster.BackendSettings().ResolverRefreshInterval));
                Log.Resolved(_logger, cluster.Id, backends.Count);
                return backends;
            }
            catch (Exception ex) when (ex is SocketException or ArgumentException && current is not null && ReferenceEquals(current.Cluster, cluster))
            {
                // Keep serving the last good list; try again after another interval.
                Log.RefreshFailed(_logger, cluster.Id, ex);
                Volatile.Write(ref entry.Current, current! with { Expires = now + cluster.BackendSettings().ResolverRefreshInterval });
                return current.Backends;
            }
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    private async Task<IReadOnlyList<BackendDescription>> ExpandAsync(ClusterModel cluster, CancellationToken cancellationToken)
    {
        var result = new List<BackendDescription>();
        foreach (var configured in cluster.BackendDescriptions)
        {
            var address = configured.Address;
            if (address.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6)
            {
                result.Add(configured);
                continue;
            }

            var addresses = await _lookup(address.DnsSafeHost, cancellationToken);
            foreach (var ip in addresses)
            {
                var host = ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{ip}]" : ip.ToString();
                var uri = new UriBuilder(address) { Host = host }.Uri;
                var id = $"{configured.Id}/{ip}";
                result.Add(new BackendDescription(id, uri) { HostHeader = address.Authority });
            }
        }

        return result;
    }

    private sealed record Resolved(ClusterModel Cluster, IReadOnlyList<BackendDescription> Backends, DateTimeOffset Expires);

    private sealed class Entry
    {
        public readonly SemaphoreSlim Gate = new(1, 1);
        public Resolved? Current;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.DnsResolved, EventName = nameof(EventIds.DnsResolved), Level = LogLevel.Debug, Message = "Cluster {Cluster}: DNS resolved {Count} backend addresses.")]
        public static partial void Resolved(ILogger logger, string cluster, int count);

        [LoggerMessage(EventId = EventIds.DnsRefreshFailed, EventName = nameof(EventIds.DnsRefreshFailed), Level = LogLevel.Warning, Message = "Cluster {Cluster}: DNS refresh failed; keeping the last resolved addresses.")]
        public static partial void RefreshFailed(ILogger logger, string cluster, Exception exception);
    }
}
