using System.Text.Json;

namespace WebSocketProxy.Llm;

/// <summary>A parsed <c>chat.request</c> frame, before the route's prompt policy.</summary>
internal sealed partial class LlmClientRequest
{
    /// <summary>The longest model id accepted.</summary>
    public const int MaxModelIdLength = 128;

    public required string Id { get; init; }

    public required IReadOnlyList<string> Models { get; init; }

    public bool FanOut { get; init; }

    public required IReadOnlyList<LlmMessage> Messages { get; init; }

    public string? Template { get; init; }

    public IReadOnlyDictionary<string, string> Variables { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<LlmTool>? Tools { get; init; }

    public LlmToolChoice? ToolChoice { get; init; }

    public LlmRequestOptions Options { get; init; } = new();

    public double? Temperature => Options.Temperature;

    public double? TopP => Options.TopP;

    public int? MaxTokens => Options.MaxTokens;

    public bool? Cache => Options.Cache;

    /// <summary>Parses the request; on failure returns the reason.</summary>
    public static LlmClientRequest? Parse(JsonElement root, string id, int maxModels, out string? error)
    {
        error = null;
        if (!TryParseModels(root, maxModels, out var models, out var fanOut, ref error)
            || !TryParseMessages(root, out var messages, ref error)
            || !TryParseTools(root, out var tools, out var toolChoice, ref error)
            || !LlmRequestOptions.TryParse(root, out var options, ref error))
        {
            return null;
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

        return new LlmClientRequest
        {
            Id = id,
            Models = models,
            FanOut = fanOut,
            Messages = messages,
            Template = template,
            Variables = variables,
            Tools = tools,
            ToolChoice = toolChoice,
            Options = options,
        };
    }

    private static bool TryParseModels(JsonElement root, int maxModels, out List<string> models, out bool fanOut, ref string? error)
    {
        models = [];
        fanOut = false;
        if (root.TryGetProperty("models", out var list))
        {
            if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
            {
                error = "'models' must be a non-empty array of model ids.";
                return false;
            }

            foreach (var item in list.EnumerateArray())
            {
                if (!TryModel(item, out var name))
                {
                    error = $"'models' must contain model ids of at most {MaxModelIdLength} characters.";
                    return false;
                }

                if (!models.Contains(name, StringComparer.OrdinalIgnoreCase))
                {
                    models.Add(name);
                }
            }

            if (models.Count > maxModels)
            {
                error = $"'models' may name at most {maxModels} different models.";
                return false;
            }

            fanOut = true;
        }
        else if (root.TryGetProperty("model", out var model))
        {
            if (!TryModel(model, out var name))
            {
                error = $"'model' must be a model id of at most {MaxModelIdLength} characters.";
                return false;
            }

            models.Add(name);
        }

        return true;
    }

    private static bool TryModel(JsonElement element, out string name)
    {
        name = element.ValueKind == JsonValueKind.String ? element.GetString()!.Trim() : string.Empty;
        return name.Length is > 0 and <= MaxModelIdLength;
    }
}
