namespace WebSocketProxy.Routing;

/// <summary>Registered by <c>AddWebSocketProxy</c> so that <c>MapWebSocketProxy</c> can tell it was called.</summary>
internal sealed class WebSocketProxyMarker;
