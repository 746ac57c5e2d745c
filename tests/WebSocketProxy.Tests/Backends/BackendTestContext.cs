using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing.Patterns;
using WebSocketProxy.Backends;
using WebSocketProxy.Configuration;
using WebSocketProxy.Forwarding;
using WebSocketProxy.Model;

namespace WebSocketProxy.Tests.Backends;

/// <summary>Builds clusters and connection contexts for policy and selector unit tests.</summary>
internal static class BackendTestContext
{
    private static readonly RouteModel Route = new("r", new RouteConfig { Path = "/ws/{room}", Cluster = "c" }, RoutePatternFactory.Parse("/ws/{room}"), FeatureSet.Empty);

    public static List<BackendState> Backends(int count, string prefix = "b")
    {
        var list = new List<BackendState>(count);
        for (var i = 0; i < count; i++)
        {
            list.Add(Backend($"{prefix}{i}", $"ws://10.0.0.{i + 1}:8080/ws"));
        }

        return list;
    }

    /// <summary>A backend state as the proxy creates it: a description and its own health.</summary>
    public static BackendState Backend(string id, string address) => new(new BackendDescription(id, new Uri(address)), new BackendHealth());

    public static ClusterModel Cluster(IReadOnlyList<BackendState> backends, ILoadBalancingPolicy policy, ClusterConfig? config = null)
    {
        config ??= new ClusterConfig();
        return new("c", config, backends, new FeatureSet([new ClusterBackendSettings(config, new ConfigBackendResolver(), policy)]));
    }

    public static ProxyConnectionContext Connection(ClusterModel cluster, Action<HttpContext>? configure = null)
    {
        var http = new DefaultHttpContext();
        configure?.Invoke(http);
        return new ProxyConnectionContext(http, Route, cluster);
    }
}
