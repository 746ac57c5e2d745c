using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace WebSocketProxy.Llm;

/// <summary>OpenAI Chat Completions over SSE; any OpenAI-compatible server works with its <c>BaseUrl</c>.</summary>
/// <remarks>
/// Parts: <c>delta.content</c> (text), <c>delta.refusal</c>, <c>delta.reasoning_content</c> / <c>delta.reasoning</c>
/// (reasoning, as DeepSeek, vLLM and OpenRouter send it) and <c>delta.tool_calls</c>, whose arguments stream by
/// <c>index</c> with the id and name on the first fragment only. Only the first choice is read.
/// </remarks>
internal sealed class OpenAIChatAdapter(IHttpClientFactory httpClientFactory) : ILlmStreamAdapter
{
    private const string TextId = "text";
    private const string RefusalId = "refusal";
    private const string ReasoningId = "reasoning";

    public async IAsyncEnumerable<LlmStreamEvent> StreamAsync(LlmRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var message = LlmHttp.Post(LlmHttp.Endpoint(request.Provider, "https://api.openai.com/v1", "chat/completions"), writer =>
        {
            writer.WriteString("model", request.Model);
            WriteMessages(writer, request.Messages);
            writer.WriteBoolean("stream", true);
            writer.WriteStartObject("stream_options");
            writer.WriteBoolean("include_usage", true);
            writer.WriteEndObject();
            if (request.Temperature is { } temperature)
            {
                writer.WriteNumber("temperature", temperature);
            }

            if (request.TopP is { } topP)
            {
                writer.WriteNumber("top_p", topP);
            }

            LlmRequestShaping.WriteOpenAIChatOptions(writer, request);
            OpenAIToolWriter.WriteTools(writer, request, flat: false);
        });
        if (!string.IsNullOrEmpty(request.Provider.ApiKey))
        {
            message.Headers.Authorization = new("Bearer", request.Provider.ApiKey);
        }

        using var response = await LlmHttp.SendAsync(httpClientFactory.CreateClient(LlmHttp.ClientName), message, cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var done = false;
        string? finish = null;
        var toolCallIds = new Dictionary<int, string>();
        await foreach (var item in SseParser.Create(stream).EnumerateAsync(cancellationToken))
        {
            if (item.Data == "[DONE]")
            {
                done = true;
                break;
            }

            using var document = JsonDocument.Parse(item.Data);
            var root = document.RootElement;
            if (root.TryGetProperty("error", out _))
            {
                var (code, text) = LlmHttp.ParseError(root);
                yield return LlmStreamEvent.Failed(code, text ?? "The model provider reported an error.", LlmHttp.RequestId(response));
                yield break;
            }

            if (root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array)
            {
                foreach (var choice in choices.EnumerateArray())
                {
                    if (choice.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object)
                    {
                        if ((LlmHttp.GetString(delta, "reasoning_content") ?? LlmHttp.GetString(delta, "reasoning")) is { Length: > 0 } reasoning)
                        {
                            yield return LlmStreamEvent.Delta(LlmPartType.Reasoning, ReasoningId, reasoning);
                        }

                        if (LlmHttp.GetString(delta, "content") is { Length: > 0 } content)
                        {
                            yield return LlmStreamEvent.Delta(LlmPartType.Text, TextId, content);
                        }

                        if (LlmHttp.GetString(delta, "refusal") is { Length: > 0 } refusal)
                        {
                            yield return LlmStreamEvent.Delta(LlmPartType.Refusal, RefusalId, refusal);
                        }

                        if (delta.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
                        {
                            var position = 0;
                            foreach (var call in calls.EnumerateArray())
                            {
                                if (ReadToolCall(call, position++, toolCallIds) is { } fragment)
                                {
                                    yield return fragment;
                                }
                            }
                        }
                    }

                    if (LlmHttp.GetString(choice, "finish_reason") is { } reason)
                    {
                        finish = LlmHttp.NormaliseFinishReason(reason);
                    }

                    break;
                }
            }

            if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                var cached = usage.TryGetProperty("prompt_tokens_details", out var details) ? LlmHttp.GetInt(details, "cached_tokens") : null;
                yield return LlmStreamEvent.UsageReport(new LlmUsage
                {
                    InputTokens = LlmHttp.GetInt(usage, "prompt_tokens"),
                    OutputTokens = LlmHttp.GetInt(usage, "completion_tokens"),
                    TotalTokens = LlmHttp.GetInt(usage, "total_tokens"),
                    CachedTokens = cached,
                });
            }
        }

        if (finish is not null)
        {
            yield return LlmStreamEvent.Finished(finish);
        }
        else
        {
            yield return LlmStreamEvent.Failed(null, done ? "The stream ended without a finish reason." : "The stream ended before [DONE].", LlmHttp.RequestId(response));
        }
    }

    /// <summary>One <c>delta.tool_calls[]</c> entry: the id and name arrive with the call's first fragment, later fragments name only its <c>index</c>.</summary>
    private static LlmStreamEvent? ReadToolCall(JsonElement call, int position, Dictionary<int, string> ids)
    {
        var index = LlmHttp.GetInt(call, "index") ?? position;
        string id;
        if (LlmHttp.GetString(call, "id") is { Length: > 0 } given)
        {
            id = given;
            ids[index] = id;
        }
        else if (ids.TryGetValue(index, out var known))
        {
            id = known;
        }
        else
        {
            // Some OpenAI-compatible servers omit the id; the index still tells the calls apart.
            id = "call_" + index.ToString(CultureInfo.InvariantCulture);
            ids[index] = id;
        }

        var function = call.TryGetProperty("function", out var f) ? f : default;
        var name = LlmHttp.GetString(function, "name");
        var arguments = LlmHttp.GetString(function, "arguments") ?? string.Empty;
        return name is null && arguments.Length == 0 ? null : LlmStreamEvent.ToolCallDelta(id, name, arguments);
    }

    private static void WriteMessages(Utf8JsonWriter writer, IReadOnlyList<LlmMessage> messages)
    {
        writer.WriteStartArray("messages");
        foreach (var message in messages)
        {
            writer.WriteStartObject();
            writer.WriteString("role", message.Role);
            if (message.Role == "tool")
            {
                writer.WriteString("tool_call_id", message.ToolCallId);
                writer.WriteString("content", message.Content);
            }
            else if (message.Parts is { Count: > 0 } parts && message.Role == "user")
            {
                writer.WriteStartArray("content");
                foreach (var part in parts)
                {
                    writer.WriteStartObject();
                    if (part.ImageUrl is { } url)
                    {
                        writer.WriteString("type", "image_url");
                        writer.WriteStartObject("image_url");
                        writer.WriteString("url", url);
                        writer.WriteEndObject();
                    }
                    else
                    {
                        writer.WriteString("type", "text");
                        writer.WriteString("text", part.Text);
                    }

                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }
            else if (message.ToolCalls is { Count: > 0 } calls)
            {
                if (message.Content.Length > 0)
                {
                    writer.WriteString("content", message.Content);
                }
                else
                {
                    writer.WriteNull("content");
                }

                writer.WriteStartArray("tool_calls");
                foreach (var call in calls)
                {
                    writer.WriteStartObject();
                    writer.WriteString("id", call.Id);
                    writer.WriteString("type", "function");
                    writer.WriteStartObject("function");
                    writer.WriteString("name", call.Name);
                    writer.WriteString("arguments", call.Arguments);
                    writer.WriteEndObject();
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

        writer.WriteEndArray();
    }
}
