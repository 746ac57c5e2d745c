namespace Microsoft.Extensions.DependencyInjection;

internal sealed class WebSocketProxyBuilder(IServiceCollection services) : IWebSocketProxyBuilder
{
    public IServiceCollection Services { get; } = services;
}
