using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Primitives;
using WebSocketProxy.Model;

namespace WebSocketProxy.Routing;

/// <summary>
/// The endpoints of every configured route. Rebuilt when a valid configuration is applied, so routes added
/// or changed by a reload serve new connections; conventions added through the returned builder apply to all.
/// </summary>
internal sealed class ProxyEndpointDataSource : EndpointDataSource, IEndpointConventionBuilder
{
    private readonly IProxyConfigSource _config;
    private readonly List<Action<EndpointBuilder>> _conventions = [];
    private readonly List<Action<EndpointBuilder>> _finallyConventions = [];
    private readonly Lock _lock = new();
    private IReadOnlyList<Endpoint>? _endpoints;
    private ProxyConfigSnapshot? _builtFrom;

    public ProxyEndpointDataSource(IProxyConfigSource config)
    {
        _config = config;
    }

    public override IReadOnlyList<Endpoint> Endpoints
    {
        get
        {
            var current = _config.Current;
            lock (_lock)
            {
                if (_endpoints is null || !ReferenceEquals(_builtFrom, current))
                {
                    _endpoints = Build(current);
                    _builtFrom = current;
                }

                return _endpoints;
            }
        }
    }

    public override IChangeToken GetChangeToken() => _config.GetChangeToken();

    public void Add(Action<EndpointBuilder> convention)
    {
        ArgumentNullException.ThrowIfNull(convention);
        lock (_lock)
        {
            _conventions.Add(convention);
            _endpoints = null;
        }
    }

    public void Finally(Action<EndpointBuilder> finallyConvention)
    {
        ArgumentNullException.ThrowIfNull(finallyConvention);
        lock (_lock)
        {
            _finallyConventions.Add(finallyConvention);
            _endpoints = null;
        }
    }

    private List<Endpoint> Build(ProxyConfigSnapshot snapshot)
    {
        var endpoints = new List<Endpoint>(snapshot.Routes.Count);
        foreach (var route in snapshot.Routes.Values)
        {
            var builder = ProxyEndpointFactory.CreateBuilder(route, inlineCluster: null);
            foreach (var convention in _conventions)
            {
                convention(builder);
            }

            foreach (var convention in _finallyConventions)
            {
                convention(builder);
            }

            endpoints.Add(builder.Build());
        }

        return endpoints;
    }
}
