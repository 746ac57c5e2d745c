namespace WebSocketProxy.Configuration;

/// <summary>Which way a message travels through the proxy; in configuration, which direction(s) a setting applies to.</summary>
[Flags]
public enum MessageDirection
{
    /// <summary>From the client to the backend.</summary>
    ClientToBackend = 1,

    /// <summary>From the backend to the client.</summary>
    BackendToClient = 2,

    /// <summary>Both directions (configuration only: a message always travels one way), each with its own state.</summary>
    Both = ClientToBackend | BackendToClient,
}
