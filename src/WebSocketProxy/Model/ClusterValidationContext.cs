using WebSocketProxy.Configuration;

namespace WebSocketProxy.Model;

/// <summary>A cluster being built (see <see cref="RouteValidationContext"/>); the backends stage also fills <see cref="Backends"/>.</summary>
internal sealed class ClusterValidationContext
{
    public ClusterValidationContext(string id, ClusterConfig config, string key, ClusterModel? previous, List<string> errors)
    {
        Id = id;
        Config = config;
        Key = key;
        Previous = previous;
        Errors = errors;
    }

    public string Id { get; }

    public ClusterConfig Config { get; }

    public string Key { get; }

    /// <summary>Gets the cluster of the same id in the previous snapshot, whose backend state carries over.</summary>
    public ClusterModel? Previous { get; }

    public List<string> Errors { get; }

    public List<object> Features { get; } = [];

    public List<BackendState> Backends { get; } = [];

    public void AddError(string relativeKey, string problem) => Errors.Add($"{Key}:{relativeKey} {problem}");
}
