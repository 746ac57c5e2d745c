using Microsoft.Extensions.Primitives;

namespace WebSocketProxy.Model;

/// <summary>The current validated configuration, for the stages that need more than the snapshot a connection started with.</summary>
internal interface IProxyConfigSource
{
    /// <summary>Gets the current snapshot; a connection reads it once when it starts.</summary>
    ProxyConfigSnapshot Current { get; }

    /// <summary>Gets a token that fires when a new snapshot has been applied.</summary>
    IChangeToken GetChangeToken();
}
