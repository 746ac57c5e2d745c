using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;

namespace WebSocketProxy.Llm;

/// <summary>
/// The adapter of each provider call with the user's stages around it: the first stage added is the outermost, as in
/// Microsoft.Extensions.AI's <c>ChatClientBuilder</c>. Composed once per adapter name.
/// </summary>
internal sealed class LlmAdapterPipeline(IServiceProvider services, IEnumerable<LlmStage> stages)
{
    private readonly LlmStage[] _stages = [.. stages];
    private readonly ConcurrentDictionary<string, ILlmStreamAdapter?> _composed = new(StringComparer.Ordinal);

    /// <summary>Gets the composed adapter registered under <paramref name="name"/>, or <see langword="null"/>.</summary>
    public ILlmStreamAdapter? Get(string name) => _composed.GetOrAdd(name, static (key, self) => self.Compose(key), this);

    private ILlmStreamAdapter? Compose(string name)
    {
        var adapter = services.GetKeyedService<ILlmStreamAdapter>(name);
        if (adapter is null)
        {
            return null;
        }

        for (var i = _stages.Length - 1; i >= 0; i--)
        {
            adapter = _stages[i].Wrap(adapter, services) ?? throw new InvalidOperationException("An LLM stage returned no adapter.");
        }

        return adapter;
    }
}
