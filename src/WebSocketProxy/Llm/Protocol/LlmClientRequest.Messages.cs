using System.Text;
using System.Text.Json;

namespace WebSocketProxy.Llm;

/// <summary>Messages (text, image parts, assistant tool calls, tool results) and tools in OpenAI's chat shape.</summary>
internal sealed partial class LlmClientRequest
{
    /// <summary>The most tools one request may declare (OpenAI's own limit).</summary>
    public const int MaxTools = 128;

    private const string MessageShape = "Each message needs a 'role' (system, user, assistant or tool) and a 'content' (a string, or for user messages an array of text and image_url parts).";

    private static bool TryParseMessages(JsonElement root, out List<LlmMessage> messages, ref string? error)
    {
        messages = [];
        if (!root.TryGetProperty("messages", out var array))
        {
            return true;
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            error = "'messages' must be an array.";
            return false;
        }

        foreach (var item in array.EnumerateArray())
        {
            var message = ParseMessage(item, out var reason);
            if (message is null)
            {
                error = reason;
                return false;
            }

            messages.Add(message);
        }

        return true;
    }

    private static LlmMessage? ParseMessage(JsonElement item, out string reason)
    {
        reason = MessageShape;
        var role = LlmHttp.GetString(item, "role");
        if (role is not ("system" or "user" or "assistant" or "tool") || !item.TryGetProperty("content", out var content))
        {
            return null;
        }

        if (role == "tool")
        {
            var callId = LlmHttp.GetString(item, "tool_call_id");
            if (string.IsNullOrEmpty(callId) || content.ValueKind != JsonValueKind.String)
            {
                reason = "A 'tool' message needs a 'tool_call_id' and a string 'content' (the tool's result).";
                return null;
            }

            return new LlmMessage(role, content.GetString()!) { ToolCallId = callId };
        }

        List<LlmToolCall>? calls = null;
        if (role == "assistant" && item.TryGetProperty("tool_calls", out var toolCalls))
        {
            calls = ParseToolCalls(toolCalls, out reason);
            if (calls is null)
            {
                return null;
            }
        }

        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                return new LlmMessage(role, content.GetString()!) { ToolCalls = calls };
            case JsonValueKind.Null when calls is { Count: > 0 }:
                return new LlmMessage(role, string.Empty) { ToolCalls = calls };
            case JsonValueKind.Array when role == "user":
                var parts = ParseParts(content, out reason);
                if (parts is null)
                {
                    return null;
                }

                var text = new StringBuilder();
                foreach (var part in parts)
                {
                    text.Append(part.Text);
                }

                return new LlmMessage(role, text.ToString()) { Parts = parts };
            default:
                return null;
        }
    }

    private static List<LlmContentPart>? ParseParts(JsonElement content, out string reason)
    {
        reason = "A content part is {\"type\":\"text\",\"text\":…} or {\"type\":\"image_url\",\"image_url\":{\"url\":\"https://… or data:image/…;base64,…\"}}.";
        var parts = new List<LlmContentPart>();
        foreach (var part in content.EnumerateArray())
        {
            switch (LlmHttp.GetString(part, "type"))
            {
                case "text" when LlmHttp.GetString(part, "text") is { } text:
                    parts.Add(LlmContentPart.FromText(text));
                    break;
                case "image_url":
                    var image = part.TryGetProperty("image_url", out var i) ? i : default;
                    var url = image.ValueKind == JsonValueKind.String ? image.GetString() : LlmHttp.GetString(image, "url");
                    if (url is null || !IsImageUrl(url))
                    {
                        return null;
                    }

                    parts.Add(LlmContentPart.FromImageUrl(url));
                    break;
                default:
                    return null;
            }
        }

        return parts.Count > 0 ? parts : null;
    }

    private static bool IsImageUrl(string url)
        => (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps)
            || (LlmHttp.TryParseDataUrl(url, out var mediaType, out _) && mediaType.StartsWith("image/", StringComparison.OrdinalIgnoreCase));

    private static List<LlmToolCall>? ParseToolCalls(JsonElement toolCalls, out string reason)
    {
        reason = "'tool_calls' must be an array of {\"id\",\"type\":\"function\",\"function\":{\"name\",\"arguments\"}}.";
        if (toolCalls.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var calls = new List<LlmToolCall>();
        foreach (var call in toolCalls.EnumerateArray())
        {
            var function = call.TryGetProperty("function", out var f) ? f : default;
            var id = LlmHttp.GetString(call, "id");
            var name = LlmHttp.GetString(function, "name");
            if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(name))
            {
                return null;
            }

            calls.Add(new LlmToolCall(id, name, LlmHttp.GetString(function, "arguments") ?? "{}"));
        }

        return calls;
    }

    private static bool TryParseTools(JsonElement root, out List<LlmTool>? tools, out LlmToolChoice? choice, ref string? error)
    {
        tools = null;
        choice = null;
        if (root.TryGetProperty("tools", out var array))
        {
            if (array.ValueKind != JsonValueKind.Array || array.GetArrayLength() > MaxTools)
            {
                error = $"'tools' must be an array of at most {MaxTools} functions.";
                return false;
            }

            tools = [];
            foreach (var item in array.EnumerateArray())
            {
                var function = item.TryGetProperty("function", out var f) ? f : default;
                var name = LlmHttp.GetString(function, "name");
                var parameters = function.ValueKind == JsonValueKind.Object && function.TryGetProperty("parameters", out var p) ? p : default;
                if (LlmHttp.GetString(item, "type") != "function" || string.IsNullOrEmpty(name)
                    || parameters.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Object))
                {
                    error = "Each tool is {\"type\":\"function\",\"function\":{\"name\",\"description\",\"parameters\":{JSON Schema}}}.";
                    return false;
                }

                var strict = function.TryGetProperty("strict", out var s) && s.ValueKind is JsonValueKind.True or JsonValueKind.False ? s.GetBoolean() : (bool?)null;
                tools.Add(new LlmTool
                {
                    Name = name,
                    Description = LlmHttp.GetString(function, "description"),
                    Parameters = parameters.ValueKind == JsonValueKind.Object ? parameters.Clone() : null,
                    Strict = strict,
                });
            }
        }

        if (root.TryGetProperty("tool_choice", out var tc))
        {
            choice = tc.ValueKind switch
            {
                JsonValueKind.String => tc.GetString() switch
                {
                    "auto" => LlmToolChoice.Auto,
                    "none" => LlmToolChoice.None,
                    "required" => LlmToolChoice.Required,
                    _ => null,
                },
                JsonValueKind.Object when tc.TryGetProperty("function", out var fn) && LlmHttp.GetString(fn, "name") is { Length: > 0 } name
                    => LlmToolChoice.Function(name),
                _ => null,
            };
            if (choice is null || tools is not { Count: > 0 })
            {
                error = "'tool_choice' is \"auto\", \"none\", \"required\" or {\"type\":\"function\",\"function\":{\"name\"}}, with 'tools'.";
                return false;
            }
        }

        return true;
    }
}
