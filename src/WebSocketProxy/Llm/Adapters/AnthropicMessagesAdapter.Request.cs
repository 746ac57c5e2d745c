using System.Text.Json;

namespace WebSocketProxy.Llm;

/// <summary>The request side: messages with images, tool calls and results, and tools in the Messages API shape.</summary>
internal sealed partial class AnthropicMessagesAdapter
{
    private static void WriteMessages(Utf8JsonWriter writer, IReadOnlyList<LlmMessage> messages)
    {
        writer.WriteStartArray("messages");
        var inToolResults = false;
        foreach (var message in messages)
        {
            if (message.Role == "system")
            {
                continue;
            }

            if (message.Role == "tool")
            {
                if (!inToolResults)
                {
                    writer.WriteStartObject();
                    writer.WriteString("role", "user");
                    writer.WriteStartArray("content");
                    inToolResults = true;
                }

                writer.WriteStartObject();
                writer.WriteString("type", "tool_result");
                writer.WriteString("tool_use_id", message.ToolCallId);
                writer.WriteString("content", message.Content);
                writer.WriteEndObject();
                continue;
            }

            if (inToolResults)
            {
                writer.WriteEndArray();
                writer.WriteEndObject();
                inToolResults = false;
            }

            writer.WriteStartObject();
            writer.WriteString("role", message.Role);
            if (message.Parts is { Count: > 0 } || message.ToolCalls is { Count: > 0 })
            {
                writer.WriteStartArray("content");
                if (message.Parts is { Count: > 0 } parts)
                {
                    foreach (var part in parts)
                    {
                        WritePart(writer, part);
                    }
                }
                else if (message.Content.Length > 0)
                {
                    WritePart(writer, LlmContentPart.FromText(message.Content));
                }

                foreach (var call in message.ToolCalls ?? [])
                {
                    writer.WriteStartObject();
                    writer.WriteString("type", "tool_use");
                    writer.WriteString("id", call.Id);
                    writer.WriteString("name", call.Name);
                    LlmHttp.WriteArgumentsObject(writer, "input", call.Arguments);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }
            else
            {
                writer.WriteString("content", message.Content);
            }

            writer.WriteEndObject();
        }

        if (inToolResults)
        {
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WritePart(Utf8JsonWriter writer, LlmContentPart part)
    {
        writer.WriteStartObject();
        if (part.ImageUrl is { } url)
        {
            writer.WriteString("type", "image");
            writer.WriteStartObject("source");
            if (LlmHttp.TryParseDataUrl(url, out var mediaType, out var data))
            {
                writer.WriteString("type", "base64");
                writer.WriteString("media_type", mediaType);
                writer.WriteString("data", data);
            }
            else
            {
                writer.WriteString("type", "url");
                writer.WriteString("url", url);
            }

            writer.WriteEndObject();
        }
        else
        {
            writer.WriteString("type", "text");
            writer.WriteString("text", part.Text);
        }

        writer.WriteEndObject();
    }

    private static void WriteTools(Utf8JsonWriter writer, LlmRequest request)
    {
        if (request.Tools is not { Count: > 0 } tools)
        {
            return;
        }

        writer.WriteStartArray("tools");
        foreach (var tool in tools)
        {
            writer.WriteStartObject();
            writer.WriteString("name", tool.Name);
            if (tool.Description is { } description)
            {
                writer.WriteString("description", description);
            }

            LlmHttp.WriteParameters(writer, "input_schema", tool);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        if (request.ToolChoice is { } choice)
        {
            writer.WriteStartObject("tool_choice");
            writer.WriteString("type", choice.Mode switch
            {
                LlmToolChoiceMode.None => "none",
                LlmToolChoiceMode.Required => "any",
                LlmToolChoiceMode.Function => "tool",
                _ => "auto",
            });
            if (choice.Mode == LlmToolChoiceMode.Function)
            {
                writer.WriteString("name", choice.FunctionName);
            }

            writer.WriteEndObject();
        }
    }
}
