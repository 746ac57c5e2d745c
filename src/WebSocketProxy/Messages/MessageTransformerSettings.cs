using System.Globalization;

namespace WebSocketProxy.Messages;

/// <summary>The settings of one transformer entry of a route (<c>Routes:&lt;id&gt;:TransformerSettings:&lt;name&gt;</c>), read by its factory when the configuration is loaded.</summary>
/// <remarks>
/// Each getter throws a <see cref="FormatException"/> naming the configuration key when a value cannot be read; the proxy
/// reports it with the other configuration errors. A key the factory never reads is reported as unknown.
/// </remarks>
public sealed class MessageTransformerSettings
{
    /// <summary>The key that names the transformer an entry instantiates.</summary>
    internal const string TypeKey = "Type";

    /// <summary>The key that limits an entry to sessions whose client negotiated a subprotocol.</summary>
    internal const string SubprotocolKey = "Subprotocol";

    private readonly Dictionary<string, string> _values;
    private readonly HashSet<string> _read = new(StringComparer.OrdinalIgnoreCase);

    internal MessageTransformerSettings(string routeId, string name, string key, IReadOnlyDictionary<string, string>? values)
    {
        RouteId = routeId;
        Name = name;
        Key = key;
        _values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (values is not null)
        {
            foreach (var (k, v) in values)
            {
                _values[k] = v;
            }
        }

        _read.Add(TypeKey);
        _read.Add(SubprotocolKey);
    }

    /// <summary>Gets the id of the route the transformer is built for.</summary>
    public string RouteId { get; }

    /// <summary>Gets the name the route's transformer lists use for this entry.</summary>
    public string Name { get; }

    /// <summary>Gets the configuration key of the entry, e.g. <c>WebSocketProxy:Routes:sensor:TransformerSettings:frames</c>.</summary>
    public string Key { get; }

    /// <summary>Gets every setting of the entry (reading this marks them all as known).</summary>
    public IReadOnlyDictionary<string, string> Values
    {
        get
        {
            _read.UnionWith(_values.Keys);
            return _values;
        }
    }

    /// <summary>Gets a setting, or <see langword="null"/> when it is not set.</summary>
    /// <param name="key">The setting's key (case-insensitive).</param>
    /// <returns>The value, or <see langword="null"/>.</returns>
    public string? GetString(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        _read.Add(key);
        return _values.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
    }

    /// <summary>Gets a setting that must be set.</summary>
    /// <param name="key">The setting's key (case-insensitive).</param>
    /// <returns>The value.</returns>
    /// <exception cref="FormatException">The setting is missing.</exception>
    public string GetRequiredString(string key) => GetString(key) ?? throw Invalid(key, "is required.");

    /// <summary>Gets a setting parsed with the invariant culture (numbers, <see cref="bool"/>, <see cref="TimeSpan"/>…), or <paramref name="defaultValue"/> when it is not set.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="key">The setting's key (case-insensitive).</param>
    /// <param name="defaultValue">The value when the setting is not set.</param>
    /// <returns>The parsed value.</returns>
    /// <exception cref="FormatException">The value cannot be parsed as <typeparamref name="T"/>.</exception>
    public T GetValue<T>(string key, T defaultValue)
        where T : IParsable<T>
    {
        if (GetString(key) is not { } text)
        {
            return defaultValue;
        }

        return T.TryParse(text, CultureInfo.InvariantCulture, out var value) ? value : throw Invalid(key, $"is not a valid {typeof(T).Name}: '{text}'.");
    }

    /// <summary>Gets an enum setting by name (case-insensitive), or <paramref name="defaultValue"/> when it is not set.</summary>
    /// <typeparam name="TEnum">The enum type.</typeparam>
    /// <param name="key">The setting's key (case-insensitive).</param>
    /// <param name="defaultValue">The value when the setting is not set.</param>
    /// <returns>The value.</returns>
    /// <exception cref="FormatException">The value is not a name of <typeparamref name="TEnum"/>.</exception>
    public TEnum GetEnum<TEnum>(string key, TEnum defaultValue)
        where TEnum : struct, Enum
    {
        if (GetString(key) is not { } text)
        {
            return defaultValue;
        }

        return !char.IsAsciiDigit(text[0]) && text[0] != '-' && Enum.TryParse<TEnum>(text, ignoreCase: true, out var value) && Enum.IsDefined(value)
            ? value
            : throw Invalid(key, $"must be one of {string.Join(", ", Enum.GetNames<TEnum>())}, not '{text}'.");
    }

    /// <summary>Gets a comma-separated list setting, trimmed, without empty entries; empty when it is not set.</summary>
    /// <param name="key">The setting's key (case-insensitive).</param>
    /// <returns>The entries.</returns>
    public IReadOnlyList<string> GetList(string key)
        => GetString(key) is { } text ? text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) : [];

    /// <summary>Creates the exception a factory throws for a setting it cannot use; its message names the full configuration key.</summary>
    /// <param name="key">The setting's key.</param>
    /// <param name="problem">What is wrong, e.g. <c>must be positive.</c></param>
    /// <returns>The exception to throw.</returns>
    public FormatException Invalid(string key, string problem) => new($"{Key}:{key} {problem}");

    /// <summary>Gets the keys that were set but never read.</summary>
    internal IEnumerable<string> UnreadKeys()
    {
        foreach (var key in _values.Keys)
        {
            if (!_read.Contains(key))
            {
                yield return key;
            }
        }
    }

    /// <summary>Gets whether the entry has settings other than the proxy's own keys.</summary>
    internal bool HasTransformerSettings()
    {
        foreach (var key in _values.Keys)
        {
            if (!key.Equals(TypeKey, StringComparison.OrdinalIgnoreCase) && !key.Equals(SubprotocolKey, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
