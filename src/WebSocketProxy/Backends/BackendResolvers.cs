namespace WebSocketProxy.Backends;

/// <summary>Names of the built-in backend resolvers.</summary>
public static class BackendResolvers
{
    /// <summary>The static list of backends in the cluster's configuration. The default.</summary>
    public const string Config = nameof(Config);
}
