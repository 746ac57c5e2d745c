using System.Text.Json;

namespace WebSocketProxy.Llm;

/// <summary>
/// Per-provider and per-model rules a request must meet before it is sent: OpenAI reasoning models (o-series, gpt-5)
/// take no temperature or top_p and get <c>max_completion_tokens</c>; Anthropic takes temperature 0–1 and not both
/// temperature and top_p, and no seed or JSON response format; <c>num_ctx</c> is Ollama's; the Responses API takes no
/// stop or seed. A request that breaks a rule is refused with <c>bad_request</c>, never silently changed.
/// </summary>
internal static class LlmRequestShaping
{
    /// <summary>Whether an OpenAI model is a reasoning model (o1, o3, o4-mini…, gpt-5 except the chat variants).</summary>
    public static bool IsReasoningModel(string model)
    {
        var slash = model.LastIndexOf('/');
        var name = (slash >= 0 ? model[(slash + 1)..] : model).ToLowerInvariant();
        return LlmTokenEstimator.IsOSeries(name) || (name.StartsWith("gpt-5", StringComparison.Ordinal) && !name.Contains("-chat", StringComparison.Ordinal));
    }

    /// <summary>The reason the request cannot go to its provider as asked, or <see langword="null"/>.</summary>
    public static string? Check(LlmRequest request)
    {
        var type = request.Provider.Type;
        if (request.ContextWindow is not null && type != LlmAdapterNames.Ollama)
        {
            return "'options.num_ctx' is an Ollama option; this model's provider does not take it.";
        }

        switch (type)
        {
            case LlmAdapterNames.OpenAIChat or LlmAdapterNames.OpenAIResponses when IsReasoningModel(request.Model)
                && (request.Temperature is not null || request.TopP is not null):
                return $"Model '{request.Model}' is a reasoning model: it takes no 'temperature' or 'top_p'.";
            case LlmAdapterNames.OpenAIResponses when request.Stop is not null || request.Seed is not null:
                return "The Responses API takes no 'stop' or 'seed'.";
            case LlmAdapterNames.Anthropic when request.Temperature > 1:
                return "Anthropic models take a 'temperature' between 0 and 1.";
            case LlmAdapterNames.Anthropic when request.Temperature is not null && request.TopP is not null:
                return "Anthropic models take 'temperature' or 'top_p', not both.";
            case LlmAdapterNames.Anthropic when request.Seed is not null:
                return "Anthropic models take no 'seed'.";
            case LlmAdapterNames.Anthropic when request.ResponseFormat is { } format && LlmHttp.GetString(format, "type") != "text":
                return "Anthropic models take no 'response_format' (use a tool with a schema).";
            default:
                return null;
        }
    }

    /// <summary>Writes <c>stop</c>, <c>seed</c> and <c>response_format</c> as OpenAI's chat API takes them.</summary>
    public static void WriteOpenAIChatOptions(Utf8JsonWriter writer, LlmRequest request)
    {
        if (request.MaxTokens is { } maxTokens)
        {
            writer.WriteNumber(IsReasoningModel(request.Model) ? "max_completion_tokens" : "max_tokens", maxTokens);
        }

        WriteStop(writer, "stop", request.Stop);
        if (request.Seed is { } seed)
        {
            writer.WriteNumber("seed", seed);
        }

        if (request.ResponseFormat is { } format)
        {
            writer.WritePropertyName("response_format");
            format.WriteTo(writer);
        }
    }

    /// <summary>Writes the response format as the Responses API's <c>text.format</c>.</summary>
    public static void WriteResponsesFormat(Utf8JsonWriter writer, LlmRequest request)
    {
        if (request.ResponseFormat is not { } format)
        {
            return;
        }

        writer.WriteStartObject("text");
        writer.WriteStartObject("format");
        writer.WriteString("type", LlmHttp.GetString(format, "type"));
        if (format.TryGetProperty("json_schema", out var schema))
        {
            foreach (var property in schema.EnumerateObject())
            {
                property.WriteTo(writer);
            }
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>Writes Ollama's <c>format</c>: <c>"json"</c> or the schema itself.</summary>
    public static void WriteOllamaFormat(Utf8JsonWriter writer, LlmRequest request)
    {
        if (request.ResponseFormat is not { } format)
        {
            return;
        }

        switch (LlmHttp.GetString(format, "type"))
        {
            case "json_object":
                writer.WriteString("format", "json");
                break;
            case "json_schema":
                writer.WritePropertyName("format");
                format.GetProperty("json_schema").GetProperty("schema").WriteTo(writer);
                break;
        }
    }

    /// <summary>Writes Ollama's <c>options</c> entries for stop, seed and num_ctx.</summary>
    public static void WriteOllamaOptions(Utf8JsonWriter writer, LlmRequest request)
    {
        WriteStop(writer, "stop", request.Stop);
        if (request.Seed is { } seed)
        {
            writer.WriteNumber("seed", seed);
        }

        if (request.ContextWindow is { } context)
        {
            writer.WriteNumber("num_ctx", context);
        }
    }

    public static void WriteStop(Utf8JsonWriter writer, string name, IReadOnlyList<string>? stop)
    {
        if (stop is not { Count: > 0 })
        {
            return;
        }

        writer.WriteStartArray(name);
        foreach (var sequence in stop)
        {
            writer.WriteStringValue(sequence);
        }

        writer.WriteEndArray();
    }
}
