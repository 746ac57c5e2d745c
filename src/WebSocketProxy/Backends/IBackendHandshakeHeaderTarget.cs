namespace WebSocketProxy.Backends;

/// <summary>Where <see cref="BackendHandshakeHeaders"/> puts the headers of a backend handshake: a later value for the same name replaces the earlier one.</summary>
internal interface IBackendHandshakeHeaderTarget
{
    void SetHeader(string name, string? value);
}
