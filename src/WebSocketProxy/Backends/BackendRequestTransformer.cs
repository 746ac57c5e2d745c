using Microsoft.AspNetCore.Http;
using WebSocketProxy.Model;
using WebSocketProxy.Security;
using Yarp.ReverseProxy.Forwarder;

namespace WebSocketProxy.Backends;

/// <summary>
/// Shapes one forwarded HTTP request of a <c>ForwardHttp</c> route for YARP's forwarder: the backend URL as the upgrade
/// would use it (ws → http, wss → https), the route's header policy, and on the way back the affinity key the
/// response hands out and the affinity cookie.
/// </summary>
internal sealed class BackendRequestTransformer : HttpTransformer
{
    private readonly ProxyConnectionContext _connection;
    private readonly BackendState _backend;
    private readonly Uri _target;
    private readonly KeyValuePair<string, string>[] _identityHeaders;
    private readonly BackendAffinity _affinity;
    private readonly AffinityTie? _tie;

    public BackendRequestTransformer(ProxyConnectionContext connection, BackendState backend, Uri target, KeyValuePair<string, string>[] identityHeaders, BackendAffinity affinity, AffinityTie? tie)
    {
        _connection = connection;
        _backend = backend;
        _target = target;
        _identityHeaders = identityHeaders;
        _affinity = affinity;
        _tie = tie;
    }

    /// <summary>Gets whether the backend answered (a response arrived, whatever its status).</summary>
    public bool Answered { get; private set; }

    /// <summary>The backend's address as an HTTP address: <c>ws://</c> becomes <c>http://</c>, <c>wss://</c> becomes <c>https://</c>.</summary>
    public static Uri HttpAddress(Uri address)
    {
        var scheme = address.Scheme switch
        {
            "ws" => Uri.UriSchemeHttp,
            "wss" => Uri.UriSchemeHttps,
            _ => address.Scheme,
        };
        return scheme == address.Scheme ? address : new UriBuilder(address) { Scheme = scheme, Port = address.IsDefaultPort ? -1 : address.Port }.Uri;
    }

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        var route = _connection.RouteModel;
        BackendHandshakeHeaders.ApplyToRequest(httpContext, route.HandshakePolicy(), route.Features.Get<RouteSecurityPolicy>(), _identityHeaders, proxyRequest);
        if (_backend.HostHeader is { } host)
        {
            proxyRequest.Headers.Host = host; // a backend connected by IP keeps its configured name
        }

        proxyRequest.RequestUri = _target; // the forwarder builds one only when this is left null
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        var copy = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        if (proxyResponse is null)
        {
            return copy;
        }

        Answered = true;
        if (_connection.RouteModel.Features.Get<AffinityPolicy>() is { } policy)
        {
            if (AffinityKeys.MayIssueKey(httpContext.Request) && await AffinityKeys.FromResponseAsync(httpContext.Request, proxyResponse, cancellationToken) is { } key)
            {
                _affinity.Remember(policy, key, _backend.Id);
            }

            BackendAffinity.SetCookie(httpContext, policy, _tie, _backend);
        }

        return copy;
    }
}
