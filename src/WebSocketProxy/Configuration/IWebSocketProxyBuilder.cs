namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Returned by <c>AddWebSocketProxy</c> to register extensions: resolvers, load-balancing policies, transformers.</summary>
public interface IWebSocketProxyBuilder
{
    /// <summary>Gets the service collection the proxy is registered in.</summary>
    IServiceCollection Services { get; }
}
