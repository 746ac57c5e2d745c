using System.Text.Json;

namespace WebSocketProxy.Llm;

/// <summary>A parsed <c>chat.request</c> frame, before the route's prompt policy.</summary>
internal sealed class LlmClientRequest
{
    public required string Id { get; init; }

    public required IReadOnlyList<string> Models { get; init; }

    public bool FanOut { get; init; }

    public required IReadOnlyList<LlmMessage> Messages { get; init; }

    public string? Template { get; init; }

    public IReadOnlyDictionary<string, string> Variables { get; init; } = new Dictionary<string, string>();

    public double? Temperature { get; init; }

    public double? TopP { get; init; }

    public int? MaxTokens { get; init; }

    public bool? Cache { get; init; }

    /// <summary>Parses the request; on failure returns the reason.</summary>
    public static LlmClientRequest? Parse(JsonElement root, string id, out string? error)
    {
        error = null;
        var models = new List<string>();
        var fanOut = false;
        if (root.TryGetProperty("models", out var list))
        {
            if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
            {
                error = "'models' must be a non-empty array of model ids.";
                return null;
            }

            foreach (var item in list.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(item.GetString()))
                {
                    error = "'models' must contain model ids.";
                    return null;
                }

                if (!models.Contains(item.GetString()!))
                {
                    models.Add(item.GetString()!);
                }
            }

            fanOut = true;
        }
        else if (root.TryGetProperty("model", out var model))
        {
            if (model.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(model.GetString()))
            {
                error = "'model' must be a model id.";
                return null;
            }

            models.Add(model.GetString()!);
        }

        var messages = new List<LlmMessage>();
        if (root.TryGetProperty("messages", out var array))
        {
            if (array.ValueKind != JsonValueKind.Array)
            {
                error = "'messages' must be an array.";
                return null;
            }

            foreach (var item in array.EnumerateArray())
            {
                var role = LlmHttp.GetString(item, "role");
                var content = LlmHttp.GetString(item, "content");
                if (role is not ("system" or "user" or "assistant") || content is null)
                {
                    error = "Each message needs a 'role' (system, user or assistant) and a string 'content'.";
                    return null;
                }

                messages.Add(new LlmMessage(role, content));
            }
        }

        var template = LlmHttp.GetString(root, "template");
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root.TryGetProperty("variables", out var vars))
        {
            if (vars.ValueKind != JsonValueKind.Object)
            {
                error = "'variables' must be an object of strings.";
                return null;
            }

            foreach (var property in vars.EnumerateObject())
            {
                variables[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
            }
        }

        double? temperature = null;
        double? topP = null;
        int? maxTokens = null;
        bool? cache = null;
        if (root.TryGetProperty("options", out var options))
        {
            if (options.ValueKind != JsonValueKind.Object)
            {
                error = "'options' must be an object.";
                return null;
            }

            if (!TryNumber(options, "temperature", 0, 2, out temperature, ref error)
                || !TryNumber(options, "top_p", 0, 1, out topP, ref error))
            {
                return null;
            }

            if (options.TryGetProperty("max_tokens", out var max))
            {
                if (max.ValueKind != JsonValueKind.Number || !max.TryGetInt32(out var value) || value <= 0)
                {
                    error = "'options.max_tokens' must be a positive integer.";
                    return null;
                }

                maxTokens = value;
            }

            if (options.TryGetProperty("cache", out var c))
            {
                if (c.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    error = "'options.cache' must be true or false.";
                    return null;
                }

                cache = c.GetBoolean();
            }
        }

        return new LlmClientRequest
        {
            Id = id,
            Models = models,
            FanOut = fanOut,
            Messages = messages,
            Template = template,
            Variables = variables,
            Temperature = temperature,
            TopP = topP,
            MaxTokens = maxTokens,
            Cache = cache,
        };
    }

    private static bool TryNumber(JsonElement options, string name, double min, double max, out double? value, ref string? error)
    {
        value = null;
        if (!options.TryGetProperty(name, out var element))
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.Number || !element.TryGetDouble(out var number) || number < min || number > max)
        {
            error = $"'options.{name}' must be a number between {min} and {max}.";
            return false;
        }

        value = number;
        return true;
    }
}
