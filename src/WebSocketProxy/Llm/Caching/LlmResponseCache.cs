using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Caching.Hybrid;

namespace WebSocketProxy.Llm;

/// <summary>Complete, successful answers in <see cref="HybridCache"/>, keyed by a hash of the normalised model, messages and options.</summary>
internal sealed class LlmResponseCache(HybridCache cache)
{
    private static readonly HybridCacheEntryOptions ReadOnly = new()
    {
        Flags = HybridCacheEntryFlags.DisableLocalCacheWrite | HybridCacheEntryFlags.DisableDistributedCacheWrite,
    };

    public static string Key(string model, IReadOnlyList<LlmMessage> messages, double? temperature, double? topP, int? maxTokens)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("model", model.Trim().ToLowerInvariant());
            writer.WriteStartArray("messages");
            foreach (var message in messages)
            {
                writer.WriteStartArray();
                writer.WriteStringValue(message.Role.ToLowerInvariant());
                writer.WriteStringValue(message.Content);
                writer.WriteEndArray();
            }

            writer.WriteEndArray();
            writer.WriteNumber("temperature", temperature ?? -1);
            writer.WriteNumber("top_p", topP ?? -1);
            writer.WriteNumber("max_tokens", maxTokens ?? -1);
            writer.WriteEndObject();
        }

        return "websocket-proxy:llm:" + Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()));
    }

    public ValueTask<LlmCachedAnswer?> TryGetAsync(string key, CancellationToken cancellationToken)
        => cache.GetOrCreateAsync(key, static _ => ValueTask.FromResult<LlmCachedAnswer?>(null), ReadOnly, cancellationToken: cancellationToken);

    public ValueTask SetAsync(string key, LlmCachedAnswer answer, TimeSpan expiration, CancellationToken cancellationToken)
        => cache.SetAsync(key, answer, new HybridCacheEntryOptions { Expiration = expiration, LocalCacheExpiration = expiration }, cancellationToken: cancellationToken);
}
