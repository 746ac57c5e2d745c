using WebSocketProxy.Configuration;

namespace WebSocketProxy.Model;

/// <summary>A validated cluster: its configuration, its configured backends' run-time state, and what each capability compiled for it.</summary>
internal sealed class ClusterModel
{
    public ClusterModel(string id, ClusterConfig config, IReadOnlyList<BackendState> backends, FeatureSet features)
    {
        Id = id;
        Config = config;
        Backends = backends;
        Features = features;
        var descriptions = new BackendDescription[backends.Count];
        for (var i = 0; i < descriptions.Length; i++)
        {
            descriptions[i] = backends[i].Description;
        }

        BackendDescriptions = descriptions;
    }

    public string Id { get; }

    public ClusterConfig Config { get; }

    /// <summary>Gets the configured backends (the <c>Config</c> resolver's answer); other resolvers' backends are kept by the backends stage.</summary>
    public IReadOnlyList<BackendState> Backends { get; }

    /// <summary>Gets the descriptions of <see cref="Backends"/>, in the same order (the <c>Config</c> resolver's answer; one instance per snapshot).</summary>
    public IReadOnlyList<BackendDescription> BackendDescriptions { get; }

    public FeatureSet Features { get; }
}
