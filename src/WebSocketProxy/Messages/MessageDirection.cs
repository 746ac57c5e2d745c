namespace WebSocketProxy.Messages;

/// <summary>Which way a message travels through the proxy.</summary>
public enum MessageDirection
{
    /// <summary>From the client to the backend.</summary>
    ClientToBackend,

    /// <summary>From the backend to the client.</summary>
    BackendToClient,
}
