using Microsoft.Extensions.Configuration;

namespace WebSocketProxy.Testing;

/// <summary>An in-memory configuration source whose settings can be replaced at run time, raising the reload token.</summary>
/// <remarks>Add it with <c>((IConfigurationBuilder)builder.Configuration).Add(source)</c>; it is its own provider.</remarks>
public sealed class ReloadableConfiguration : ConfigurationProvider, IConfigurationSource
{
    /// <summary>Initializes a new instance of the <see cref="ReloadableConfiguration"/> class.</summary>
    /// <param name="settings">The first settings (flat keys such as <c>WebSocketProxy:Routes:r:Path</c>).</param>
    public ReloadableConfiguration(IDictionary<string, string?> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Data = new Dictionary<string, string?>(settings, StringComparer.OrdinalIgnoreCase);
    }

    /// <inheritdoc />
    public IConfigurationProvider Build(IConfigurationBuilder builder) => this;

    /// <summary>Replaces every setting and raises the reload token.</summary>
    /// <param name="settings">The new settings.</param>
    public void Reload(IDictionary<string, string?> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Data = new Dictionary<string, string?>(settings, StringComparer.OrdinalIgnoreCase);
        OnReload();
    }
}
