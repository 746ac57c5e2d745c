using System.Text.Json;

namespace WebSocketProxy.Llm;

/// <summary>The <c>options</c> of a <c>chat.request</c>; an option the gateway does not know is refused, never dropped.</summary>
internal sealed class LlmRequestOptions
{
    public double? Temperature { get; init; }

    public double? TopP { get; init; }

    public int? MaxTokens { get; init; }

    public bool? Cache { get; init; }

    public IReadOnlyList<string>? Stop { get; init; }

    public long? Seed { get; init; }

    public JsonElement? ResponseFormat { get; init; }

    public int? ContextWindow { get; init; }

    public static bool TryParse(JsonElement root, out LlmRequestOptions options, ref string? error)
    {
        options = new LlmRequestOptions();
        if (!root.TryGetProperty("options", out var element))
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            error = "'options' must be an object.";
            return false;
        }

        double? temperature = null, topP = null;
        int? maxTokens = null, contextWindow = null;
        bool? cache = null;
        List<string>? stop = null;
        long? seed = null;
        JsonElement? responseFormat = null;
        foreach (var option in element.EnumerateObject())
        {
            var value = option.Value;
            var ok = option.Name switch
            {
                "temperature" => TryNumber(value, 0, 2, out temperature),
                "top_p" => TryNumber(value, 0, 1, out topP),
                "max_tokens" => TryPositive(value, out maxTokens),
                "num_ctx" => TryPositive(value, out contextWindow),
                "cache" => TryBool(value, out cache),
                "seed" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var s) && (seed = s) is not null,
                "stop" => TryStop(value, out stop),
                "response_format" => TryResponseFormat(value, out responseFormat),
                _ => false,
            };
            if (!ok)
            {
                error = option.Name switch
                {
                    "temperature" => "'options.temperature' must be a number between 0 and 2.",
                    "top_p" => "'options.top_p' must be a number between 0 and 1.",
                    "max_tokens" or "num_ctx" => $"'options.{option.Name}' must be a positive integer.",
                    "cache" => "'options.cache' must be true or false.",
                    "seed" => "'options.seed' must be an integer.",
                    "stop" => "'options.stop' must be a string or an array of at most 4 strings.",
                    "response_format" => "'options.response_format' must be {\"type\":\"text\"}, {\"type\":\"json_object\"} or {\"type\":\"json_schema\",\"json_schema\":{\"name\",\"schema\"}}.",
                    _ => "Unknown option (known: temperature, top_p, max_tokens, stop, seed, response_format, num_ctx, cache).",
                };
                return false;
            }
        }

        options = new LlmRequestOptions
        {
            Temperature = temperature,
            TopP = topP,
            MaxTokens = maxTokens,
            ContextWindow = contextWindow,
            Cache = cache,
            Stop = stop,
            Seed = seed,
            ResponseFormat = responseFormat,
        };
        return true;
    }

    private static bool TryNumber(JsonElement element, double min, double max, out double? value)
    {
        value = element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out var n) && n >= min && n <= max ? n : null;
        return value is not null;
    }

    private static bool TryPositive(JsonElement element, out int? value)
    {
        value = element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out var n) && n > 0 ? n : null;
        return value is not null;
    }

    private static bool TryBool(JsonElement element, out bool? value)
    {
        value = element.ValueKind is JsonValueKind.True or JsonValueKind.False ? element.GetBoolean() : null;
        return value is not null;
    }

    private static bool TryStop(JsonElement element, out List<string>? stop)
    {
        stop = null;
        if (element.ValueKind == JsonValueKind.String && element.GetString() is { Length: > 0 } one)
        {
            stop = [one];
            return true;
        }

        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() is 0 or > 4)
        {
            return false;
        }

        stop = [];
        foreach (var item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || item.GetString() is not { Length: > 0 } s)
            {
                return false;
            }

            stop.Add(s);
        }

        return true;
    }

    private static bool TryResponseFormat(JsonElement element, out JsonElement? format)
    {
        format = null;
        var type = LlmHttp.GetString(element, "type");
        var valid = type switch
        {
            "text" or "json_object" => true,
            "json_schema" => element.TryGetProperty("json_schema", out var schema) && LlmHttp.GetString(schema, "name") is { Length: > 0 }
                && schema.TryGetProperty("schema", out var s) && s.ValueKind == JsonValueKind.Object,
            _ => false,
        };
        if (valid)
        {
            format = element.Clone();
        }

        return valid;
    }
}
