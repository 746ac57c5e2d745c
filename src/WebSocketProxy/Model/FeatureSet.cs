namespace WebSocketProxy.Model;

/// <summary>
/// The compiled settings each capability attaches to a route or cluster when the configuration is built (a security
/// policy, a transformer pipeline, backend selection settings…), looked up by type. The model holds them without
/// naming the capabilities, so it depends on nothing but configuration records.
/// </summary>
/// <remarks>Immutable once built. Lookups are a short linear scan: a connection reads what it needs once, never per message.</remarks>
internal sealed class FeatureSet
{
    private readonly KeyValuePair<Type, object>[] _items;

    public FeatureSet(IEnumerable<object> features)
    {
        var items = new List<KeyValuePair<Type, object>>();
        foreach (var feature in features)
        {
            items.Add(new(feature.GetType(), feature));
        }

        _items = [.. items];
    }

    public static FeatureSet Empty { get; } = new([]);

    /// <summary>Gets the feature of type <typeparamref name="T"/>, or null when no capability attached one.</summary>
    public T? Get<T>()
        where T : class
    {
        foreach (var item in _items)
        {
            if (item.Key == typeof(T))
            {
                return (T)item.Value;
            }
        }

        return null;
    }

    /// <summary>Gets the feature of type <typeparamref name="T"/>; throws when its capability did not attach one (a registration bug).</summary>
    public T Require<T>()
        where T : class
        => Get<T>() ?? throw new InvalidOperationException($"No {typeof(T).Name} was built for this configuration entry.");
}
