using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Caching.Hybrid;

namespace WebSocketProxy.Llm;

/// <summary>Complete text answers in <see cref="HybridCache"/>, keyed by a hash of everything that shapes the answer and who may see it.</summary>
internal sealed class LlmResponseCache(HybridCache cache)
{
    private static readonly HybridCacheEntryOptions ReadOnly = new()
    {
        Flags = HybridCacheEntryFlags.DisableLocalCacheWrite | HybridCacheEntryFlags.DisableDistributedCacheWrite,
    };

    /// <summary>The key: route, scope (the client, or <c>shared</c>), the first target's provider and model, messages with images and tool calls, tools, tool choice and every option.</summary>
    public static string Key(LlmCall call, LlmTarget target, string scope)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("route", call.RoutePattern);
            writer.WriteString("scope", scope);
            writer.WriteString("provider", target.ProviderName.ToLowerInvariant());
            writer.WriteString("model", target.Model.Trim().ToLowerInvariant());
            writer.WriteStartArray("messages");
            foreach (var message in call.Messages)
            {
                writer.WriteStartArray();
                writer.WriteStringValue(message.Role.ToLowerInvariant());
                writer.WriteStringValue(message.Content);
                writer.WriteStringValue(message.ToolCallId);
                foreach (var part in message.Parts ?? [])
                {
                    writer.WriteStringValue(part.ImageUrl is { } url ? "image:" + url : "text:" + part.Text);
                }

                foreach (var toolCall in message.ToolCalls ?? [])
                {
                    writer.WriteStringValue("call:" + toolCall.Id + ":" + toolCall.Name + ":" + toolCall.Arguments);
                }

                writer.WriteEndArray();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("tools");
            foreach (var tool in call.Request.Tools ?? [])
            {
                writer.WriteStringValue(tool.Name + "\n" + tool.Description + "\n" + tool.Parameters?.GetRawText() + "\n" + tool.Strict);
            }

            writer.WriteEndArray();
            writer.WriteString("tool_choice", call.Request.ToolChoice is { } choice ? choice.Mode + ":" + choice.FunctionName : null);
            var options = call.Request.Options;
            writer.WriteNumber("temperature", options.Temperature ?? -1);
            writer.WriteNumber("top_p", options.TopP ?? -1);
            writer.WriteNumber("max_tokens", call.MaxTokens ?? -1);
            writer.WriteNumber("seed", options.Seed ?? -1);
            writer.WriteNumber("num_ctx", options.ContextWindow ?? -1);
            writer.WriteString("stop", options.Stop is { } stop ? string.Join('\u0001', stop) : null);
            writer.WriteString("response_format", options.ResponseFormat?.GetRawText());
            writer.WriteEndObject();
        }

        return "websocket-proxy:llm:" + Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()));
    }

    /// <summary>Whether an answer may be stored: complete (<c>stop</c>), from the key's target, with text and without refusal or tool call.</summary>
    public static bool IsStorable(LlmAttempt attempt)
        => attempt.Outcome == "completed" && attempt.FinishReason == "stop" && attempt.Chunks.Count > 0
            && !attempt.Refused && !attempt.CalledTools && ReferenceEquals(attempt.Current, attempt.Targets[0]);

    public ValueTask<LlmCachedAnswer?> TryGetAsync(string key, CancellationToken cancellationToken)
        => cache.GetOrCreateAsync(key, static _ => ValueTask.FromResult<LlmCachedAnswer?>(null), ReadOnly, cancellationToken: cancellationToken);

    public ValueTask SetAsync(string key, LlmCachedAnswer answer, TimeSpan expiration, CancellationToken cancellationToken)
        => cache.SetAsync(key, answer, new HybridCacheEntryOptions { Expiration = expiration, LocalCacheExpiration = expiration }, cancellationToken: cancellationToken);
}
