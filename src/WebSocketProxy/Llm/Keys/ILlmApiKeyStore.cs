namespace WebSocketProxy.Llm;

/// <summary>Validates the API keys clients present on LLM routes (header <see cref="LlmBudgetConfig.ApiKeyHeader"/>).</summary>
/// <remarks>
/// The built-in store (<see cref="LlmApiKeyStore"/>) reads <see cref="LlmOptions.ApiKeys"/> and keys issued at run time.
/// Register another implementation to keep keys in a database. Called for each handshake and each request (a revoked
/// key stops working on open sockets too), so it should answer from memory. Thread-safe.
/// </remarks>
public interface ILlmApiKeyStore
{
    /// <summary>Finds the key a client presented.</summary>
    /// <param name="presentedKey">The header's value.</param>
    /// <param name="cancellationToken">Cancelled when the client goes away.</param>
    /// <returns>The key, or <see langword="null"/> when it is unknown or revoked.</returns>
    ValueTask<LlmApiKey?> FindAsync(string presentedKey, CancellationToken cancellationToken);
}
