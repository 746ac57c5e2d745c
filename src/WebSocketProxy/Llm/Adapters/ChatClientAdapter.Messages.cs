using System.Text.Json;
using Microsoft.Extensions.AI;

namespace WebSocketProxy.Llm;

/// <summary>The request side: messages, tools and arguments in Microsoft.Extensions.AI types.</summary>
internal sealed partial class ChatClientAdapter
{
    private static List<ChatMessage> ToChatMessages(IReadOnlyList<LlmMessage> source)
    {
        var messages = new List<ChatMessage>(source.Count);
        foreach (var m in source)
        {
            if (m.Role == "tool")
            {
                messages.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent(m.ToolCallId ?? string.Empty, m.Content)]));
                continue;
            }

            if (m.Parts is not { Count: > 0 } && m.ToolCalls is not { Count: > 0 })
            {
                messages.Add(new ChatMessage(new ChatRole(m.Role), m.Content));
                continue;
            }

            var contents = new List<AIContent>();
            if (m.Parts is { Count: > 0 } parts)
            {
                foreach (var part in parts)
                {
                    contents.Add(part.ImageUrl is not { } url ? new TextContent(part.Text)
                        : url.StartsWith("data:", StringComparison.OrdinalIgnoreCase) ? new DataContent(url)
                        : new UriContent(new Uri(url), "image/*"));
                }
            }
            else if (m.Content.Length > 0)
            {
                contents.Add(new TextContent(m.Content));
            }

            foreach (var call in m.ToolCalls ?? [])
            {
                contents.Add(new FunctionCallContent(call.Id, call.Name, ParseArguments(call.Arguments)));
            }

            messages.Add(new ChatMessage(new ChatRole(m.Role), contents));
        }

        return messages;
    }

    private static AIFunctionDeclaration ToDeclaration(LlmTool tool)
    {
        JsonElement schema;
        if (tool.Parameters is { ValueKind: JsonValueKind.Object } parameters)
        {
            schema = parameters;
        }
        else
        {
            using var empty = JsonDocument.Parse("""{"type":"object","properties":{}}""");
            schema = empty.RootElement.Clone();
        }

        return AIFunctionFactory.CreateDeclaration(tool.Name, tool.Description, schema);
    }

    private static Dictionary<string, object?> ParseArguments(string arguments)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        try
        {
            using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(arguments) ? "{}" : arguments);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in document.RootElement.EnumerateObject())
                {
                    result[property.Name] = property.Value.Clone();
                }
            }
        }
        catch (JsonException)
        {
        }

        return result;
    }

    private static string SerializeArguments(IDictionary<string, object?>? arguments)
        => arguments is null ? "{}" : JsonSerializer.Serialize(arguments, ArgumentsJson.GetTypeInfo(typeof(IDictionary<string, object?>)));

    private static int? ToInt(long? value) => value is { } v ? (int)Math.Min(v, int.MaxValue) : null;
}
