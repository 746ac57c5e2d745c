using System.Text.Json;

namespace WebSocketProxy.Llm;

/// <summary>
/// Writes function tools and <c>tool_choice</c> in OpenAI's two shapes: Chat Completions (and Ollama) nest the function
/// under <c>"function"</c>; the Responses API puts its fields on the tool itself.
/// </summary>
internal static class OpenAIToolWriter
{
    /// <summary>Writes <c>tools</c> and <c>tool_choice</c> when the request has tools.</summary>
    /// <param name="writer">The request body being written.</param>
    /// <param name="request">The request.</param>
    /// <param name="flat">Whether to use the Responses shape.</param>
    public static void WriteTools(Utf8JsonWriter writer, LlmRequest request, bool flat)
    {
        if (request.Tools is not { Count: > 0 } tools)
        {
            return;
        }

        writer.WriteStartArray("tools");
        foreach (var tool in tools)
        {
            // Responses function tools are strict unless told otherwise, which rejects most hand-written schemas.
            WriteFunction(writer, tool, flat, flat ? tool.Strict ?? false : tool.Strict);
        }

        writer.WriteEndArray();
        switch (request.ToolChoice)
        {
            case null:
                break;
            case { Mode: LlmToolChoiceMode.Function } choice:
                writer.WriteStartObject("tool_choice");
                writer.WriteString("type", "function");
                WriteNamed(writer, flat, choice.FunctionName!);
                writer.WriteEndObject();
                break;
            case { Mode: var mode }:
                writer.WriteString("tool_choice", mode switch { LlmToolChoiceMode.None => "none", LlmToolChoiceMode.Required => "required", _ => "auto" });
                break;
        }
    }

    /// <summary>Writes one function tool: <c>{"type":"function", …name, description, parameters, strict}</c>, nested under <c>function</c> unless <paramref name="flat"/>.</summary>
    public static void WriteFunction(Utf8JsonWriter writer, LlmTool tool, bool flat, bool? strict)
    {
        writer.WriteStartObject();
        writer.WriteString("type", "function");
        if (!flat)
        {
            writer.WriteStartObject("function");
        }

        writer.WriteString("name", tool.Name);
        if (tool.Description is { } description)
        {
            writer.WriteString("description", description);
        }

        LlmHttp.WriteParameters(writer, "parameters", tool);
        if (strict is { } value)
        {
            writer.WriteBoolean("strict", value);
        }

        if (!flat)
        {
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static void WriteNamed(Utf8JsonWriter writer, bool flat, string name)
    {
        if (flat)
        {
            writer.WriteString("name", name);
            return;
        }

        writer.WriteStartObject("function");
        writer.WriteString("name", name);
        writer.WriteEndObject();
    }
}
