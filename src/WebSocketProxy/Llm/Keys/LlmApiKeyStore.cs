using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace WebSocketProxy.Llm;

/// <summary>The built-in <see cref="ILlmApiKeyStore"/>: keys from configuration (by hash) and keys issued in memory at run time.</summary>
/// <remarks>Keys are kept as SHA-256 hashes only. Issued keys live as long as the process. Thread-safe.</remarks>
public sealed class LlmApiKeyStore : ILlmApiKeyStore
{
    private const string Prefix = "wsp-";

    private readonly IOptionsMonitor<LlmOptions> _options;
    private readonly ConcurrentDictionary<string, (string Hash, LlmApiKey Key)> _issued = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _revoked = new(StringComparer.Ordinal);

    /// <summary>Initializes a new instance that reads <see cref="LlmOptions.ApiKeys"/>.</summary>
    /// <param name="options">The LLM options.</param>
    public LlmApiKeyStore(IOptionsMonitor<LlmOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <summary>Issues a new key; the returned secret is shown once and only its hash is kept.</summary>
    /// <param name="id">The key's id (its budget account); an existing issued key with this id is replaced.</param>
    /// <param name="allowedModels">The models the key may ask for; empty allows what the route allows.</param>
    /// <param name="budgets">Budgets replacing the global ones, if any.</param>
    /// <returns>The secret to hand to the client.</returns>
    public string Issue(string id, IEnumerable<string>? allowedModels = null, LlmBudgetConfig? budgets = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        var secret = Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        _issued[id] = (Hash(secret), new LlmApiKey(id) { AllowedModels = [.. allowedModels ?? []], Budgets = budgets });
        _revoked.TryRemove(id, out _);
        return secret;
    }

    /// <summary>Revokes a key, issued or configured: new handshakes get 401 and open sockets' next requests <c>unauthorized</c>.</summary>
    /// <param name="id">The key's id.</param>
    /// <returns>Whether a key with this id was known.</returns>
    public bool Revoke(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        _revoked[id] = 0;
        return _issued.TryRemove(id, out _) || _options.CurrentValue.ApiKeys.ContainsKey(id);
    }

    /// <inheritdoc />
    public ValueTask<LlmApiKey?> FindAsync(string presentedKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(presentedKey);
        if (presentedKey.Length is 0 or > 512)
        {
            return ValueTask.FromResult<LlmApiKey?>(null);
        }

        var hash = Hash(presentedKey);
        foreach (var (id, issued) in _issued)
        {
            if (CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(issued.Hash), Encoding.ASCII.GetBytes(hash)) && !_revoked.ContainsKey(id))
            {
                return ValueTask.FromResult<LlmApiKey?>(issued.Key);
            }
        }

        foreach (var (id, configured) in _options.CurrentValue.ApiKeys)
        {
            if (!configured.Revoked && !_revoked.ContainsKey(id) && configured.Sha256 is { Length: 64 } expected
                && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected.ToLowerInvariant()), Encoding.ASCII.GetBytes(hash)))
            {
                return ValueTask.FromResult<LlmApiKey?>(new LlmApiKey(id) { AllowedModels = configured.AllowedModels, Budgets = configured.Budgets });
            }
        }

        return ValueTask.FromResult<LlmApiKey?>(null);
    }

    /// <summary>The lower-case hex SHA-256 of a key's UTF-8 bytes, as <see cref="LlmApiKeyConfig.Sha256"/> holds it.</summary>
    internal static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
