using System.Net;
using Microsoft.Extensions.ServiceDiscovery;
using WebSocketProxy.Model;

namespace WebSocketProxy.Backends;

/// <summary>
/// Takes each configured backend's host as a service name (<c>ws://chat/path</c> → service <c>http://chat</c>,
/// <c>wss://</c> → <c>https://</c>) and resolves it with Microsoft.Extensions.ServiceDiscovery — configuration,
/// DNS SRV or any other registered provider. One backend per endpoint (id <c>backend/host:port</c>), with the
/// configured scheme, path and query.
/// </summary>
/// <remarks>Service discovery caches and refreshes endpoints itself (watchers with change tokens).</remarks>
internal sealed class ServiceDiscoveryBackendResolver : IBackendResolver
{
    private readonly ServiceEndpointResolver _resolver;

    public ServiceDiscoveryBackendResolver(ServiceEndpointResolver resolver)
    {
        _resolver = resolver;
    }

    public string Name => BackendResolvers.ServiceDiscovery;

    public async ValueTask<IReadOnlyList<BackendDescription>> ResolveAsync(ProxyConnectionContext context, CancellationToken cancellationToken)
    {
        var result = new List<BackendDescription>();
        foreach (var configured in context.ConfiguredBackends)
        {
            var address = configured.Address;
            var secure = address.Scheme == "wss";
            var serviceName = $"{(secure ? "https" : "http")}://{address.Authority}";
            var source = await _resolver.GetEndpointsAsync(serviceName, cancellationToken);
            foreach (var endpoint in source.Endpoints)
            {
                var (host, port) = endpoint.EndPoint switch
                {
                    IPEndPoint ip => (ip.Address.ToString(), ip.Port),
                    DnsEndPoint dns => (dns.Host, dns.Port),
                    UriEndPoint endpointUri => (endpointUri.Uri.Host, endpointUri.Uri.Port),
                    _ => (null, 0),
                };
                if (host is null)
                {
                    continue;
                }

                var builder = new UriBuilder(address) { Host = host, Port = port > 0 ? port : -1 };
                var uri = builder.Uri;
                var id = $"{configured.Id}/{uri.Authority}";
                result.Add(new BackendDescription(id, uri));
            }
        }

        return result;
    }
}
