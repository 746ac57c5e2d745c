using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing.Patterns;
using WebSocketProxy.Backends;
using WebSocketProxy.Configuration;
using WebSocketProxy.Forwarding;

namespace WebSocketProxy.Tests.Backends;

/// <summary>Builds clusters and connection contexts for policy and selector unit tests.</summary>
internal static class BackendTestContext
{
    private static readonly RouteModel Route = new("r", new RouteConfig { Path = "/ws/{room}", Cluster = "c" }, RoutePatternFactory.Parse("/ws/{room}"), []);

    public static List<BackendState> Backends(int count, string prefix = "b")
    {
        var list = new List<BackendState>(count);
        for (var i = 0; i < count; i++)
        {
            list.Add(new BackendState($"{prefix}{i}", new Uri($"ws://10.0.0.{i + 1}:8080/ws")));
        }

        return list;
    }

    public static ClusterModel Cluster(IReadOnlyList<BackendState> backends, ILoadBalancingPolicy policy, ClusterConfig? config = null)
        => new("c", config ?? new ClusterConfig(), backends, new ConfigBackendResolver(), policy);

    public static ProxyConnectionContext Connection(ClusterModel cluster, Action<HttpContext>? configure = null)
    {
        var http = new DefaultHttpContext();
        configure?.Invoke(http);
        return new ProxyConnectionContext(http, Route, cluster);
    }
}
