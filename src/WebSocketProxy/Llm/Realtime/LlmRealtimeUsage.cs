using System.Text.Json;

namespace WebSocketProxy.Llm;

/// <summary>Reads the usage of a Realtime <c>response.done</c> event (<c>response.usage</c>: input, output and cached tokens).</summary>
internal static class LlmRealtimeUsage
{
    /// <summary>The usage of a server event if it is <c>response.done</c>, with the response's status; else <see langword="null"/>.</summary>
    public static (LlmUsage Usage, string Status)? Read(ReadOnlySpan<byte> message)
    {
        // Most server events are audio and text deltas: look for the type before parsing.
        if (message.IndexOf("response.done"u8) < 0)
        {
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(message);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (LlmHttp.GetString(root, "type") != "response.done" || !root.TryGetProperty("response", out var response))
            {
                return null;
            }

            var status = LlmHttp.GetString(response, "status") ?? "completed";
            if (!response.TryGetProperty("usage", out var usage) || usage.ValueKind != JsonValueKind.Object)
            {
                return (new LlmUsage { InputTokens = 0, OutputTokens = 0, TotalTokens = 0, CachedTokens = 0 }, status);
            }

            var input = LlmHttp.GetInt(usage, "input_tokens") ?? 0;
            var output = LlmHttp.GetInt(usage, "output_tokens") ?? 0;
            var cached = usage.TryGetProperty("input_token_details", out var details) ? LlmHttp.GetInt(details, "cached_tokens") ?? 0 : 0;
            return (new LlmUsage { InputTokens = input, OutputTokens = output, CachedTokens = cached, TotalTokens = LlmHttp.GetInt(usage, "total_tokens") ?? input + output }, status);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
