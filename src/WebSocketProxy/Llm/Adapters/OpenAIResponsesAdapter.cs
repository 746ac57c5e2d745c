using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace WebSocketProxy.Llm;

/// <summary>OpenAI Responses API over SSE: typed events per output item, usage only in the terminal event.</summary>
/// <remarks>
/// Parts: <c>response.output_text.delta</c> (text), <c>response.refusal.delta</c>, <c>response.reasoning_summary_text.delta</c>
/// and <c>response.reasoning_text.delta</c> (reasoning), and function calls announced by <c>response.output_item.added</c>
/// whose arguments stream in <c>response.function_call_arguments.delta</c>. An <c>error</c> event is read both as
/// documented (flat <c>code</c>/<c>message</c>) and as sent (nested under <c>error</c>, openai-dotnet#881).
/// </remarks>
internal sealed class OpenAIResponsesAdapter(IHttpClientFactory httpClientFactory) : ILlmStreamAdapter
{
    public async IAsyncEnumerable<LlmStreamEvent> StreamAsync(LlmRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var message = LlmHttp.Post(LlmHttp.Endpoint(request.Provider, "https://api.openai.com/v1", "responses"), writer =>
        {
            writer.WriteString("model", request.Model);
            WriteInput(writer, request.Messages);
            writer.WriteBoolean("stream", true);
            writer.WriteBoolean("store", false);
            if (request.Temperature is { } temperature)
            {
                writer.WriteNumber("temperature", temperature);
            }

            if (request.TopP is { } topP)
            {
                writer.WriteNumber("top_p", topP);
            }

            if (request.MaxTokens is { } maxTokens)
            {
                writer.WriteNumber("max_output_tokens", maxTokens);
            }

            LlmRequestShaping.WriteResponsesFormat(writer, request);
            OpenAIToolWriter.WriteTools(writer, request, flat: true);
        });
        if (!string.IsNullOrEmpty(request.Provider.ApiKey))
        {
            message.Headers.Authorization = new("Bearer", request.Provider.ApiKey);
        }

        using var response = await LlmHttp.SendAsync(httpClientFactory.CreateClient(LlmHttp.ClientName), message, cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);

        // Function-call items by item id: the call id clients answer with, and whether arguments were streamed.
        var calls = new Dictionary<string, (string CallId, bool Streamed)>(StringComparer.Ordinal);
        await foreach (var item in SseParser.Create(stream).EnumerateAsync(cancellationToken))
        {
            using var document = JsonDocument.Parse(item.Data);
            var root = document.RootElement;
            var type = LlmHttp.GetString(root, "type") ?? item.EventType;
            var itemId = LlmHttp.GetString(root, "item_id");
            switch (type)
            {
                case "response.output_text.delta":
                    if (LlmHttp.GetString(root, "delta") is { Length: > 0 } text)
                    {
                        yield return LlmStreamEvent.Delta(LlmPartType.Text, itemId, text);
                    }

                    break;
                case "response.refusal.delta":
                    if (LlmHttp.GetString(root, "delta") is { Length: > 0 } refusal)
                    {
                        yield return LlmStreamEvent.Delta(LlmPartType.Refusal, itemId, refusal);
                    }

                    break;
                case "response.reasoning_summary_text.delta":
                case "response.reasoning_text.delta":
                    if (LlmHttp.GetString(root, "delta") is { Length: > 0 } reasoning)
                    {
                        yield return LlmStreamEvent.Delta(LlmPartType.Reasoning, itemId, reasoning);
                    }

                    break;
                case "response.output_item.added":
                    if (root.TryGetProperty("item", out var added) && LlmHttp.GetString(added, "type") == "function_call"
                        && LlmHttp.GetString(added, "id") is { } addedId)
                    {
                        var callId = LlmHttp.GetString(added, "call_id") ?? addedId;
                        var arguments = LlmHttp.GetString(added, "arguments") ?? string.Empty;
                        calls[addedId] = (callId, arguments.Length > 0);
                        yield return LlmStreamEvent.ToolCallDelta(callId, LlmHttp.GetString(added, "name"), arguments);
                    }

                    break;
                case "response.function_call_arguments.delta":
                    if (itemId is not null && LlmHttp.GetString(root, "delta") is { Length: > 0 } fragment)
                    {
                        var callId = calls.TryGetValue(itemId, out var call) ? call.CallId : itemId;
                        calls[itemId] = (callId, true);
                        yield return LlmStreamEvent.ToolCallDelta(callId, null, fragment);
                    }

                    break;
                case "response.function_call_arguments.done":
                    // A server that sends the arguments only here (no deltas) still delivers them, once.
                    if (itemId is not null && LlmHttp.GetString(root, "arguments") is { Length: > 0 } whole)
                    {
                        var known = calls.TryGetValue(itemId, out var doneCall);
                        if (!known || !doneCall.Streamed)
                        {
                            var callId = known ? doneCall.CallId : itemId;
                            calls[itemId] = (callId, true);
                            yield return LlmStreamEvent.ToolCallDelta(callId, null, whole);
                        }
                    }

                    break;
                case "response.completed":
                case "response.incomplete":
                case "response.failed":
                    var body = root.TryGetProperty("response", out var r) ? r : default;
                    if (body.ValueKind == JsonValueKind.Object && body.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
                    {
                        yield return LlmStreamEvent.UsageReport(new LlmUsage
                        {
                            InputTokens = LlmHttp.GetInt(usage, "input_tokens"),
                            OutputTokens = LlmHttp.GetInt(usage, "output_tokens"),
                            TotalTokens = LlmHttp.GetInt(usage, "total_tokens"),
                            CachedTokens = usage.TryGetProperty("input_tokens_details", out var details) ? LlmHttp.GetInt(details, "cached_tokens") : null,
                        });
                    }

                    if (type == "response.failed")
                    {
                        var (code, error) = LlmHttp.ParseError(body);
                        yield return LlmStreamEvent.Failed(code, error ?? "The response failed.", LlmHttp.RequestId(response));
                    }
                    else if (type == "response.incomplete")
                    {
                        var reason = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("incomplete_details", out var d) ? LlmHttp.GetString(d, "reason") : null;
                        yield return LlmStreamEvent.Finished(LlmHttp.NormaliseFinishReason(reason ?? "length"));
                    }
                    else
                    {
                        // The Responses API has no finish reason; an answer that called functions waits for their results.
                        yield return LlmStreamEvent.Finished(calls.Count > 0 ? "tool_calls" : "stop");
                    }

                    yield break;
                case "error":
                    var (errorCode, errorMessage) = root.TryGetProperty("error", out var nested) && nested.ValueKind == JsonValueKind.Object
                        ? LlmHttp.ParseError(root)
                        : (LlmHttp.GetString(root, "code"), LlmHttp.GetString(root, "message"));
                    yield return LlmStreamEvent.Failed(errorCode, errorMessage ?? "The model provider reported an error.", LlmHttp.RequestId(response));
                    yield break;
                default:
                    break;
            }
        }

        yield return LlmStreamEvent.Failed(null, "The stream ended before response.completed.", LlmHttp.RequestId(response));
    }

    private static void WriteInput(Utf8JsonWriter writer, IReadOnlyList<LlmMessage> messages)
    {
        writer.WriteStartArray("input");
        foreach (var message in messages)
        {
            if (message.Role == "tool")
            {
                writer.WriteStartObject();
                writer.WriteString("type", "function_call_output");
                writer.WriteString("call_id", message.ToolCallId);
                writer.WriteString("output", message.Content);
                writer.WriteEndObject();
                continue;
            }

            if (message.Content.Length > 0 || message.Parts is { Count: > 0 } || message.ToolCalls is not { Count: > 0 })
            {
                writer.WriteStartObject();
                writer.WriteString("role", message.Role);
                if (message.Parts is { Count: > 0 } parts && message.Role == "user")
                {
                    writer.WriteStartArray("content");
                    foreach (var part in parts)
                    {
                        writer.WriteStartObject();
                        if (part.ImageUrl is { } url)
                        {
                            writer.WriteString("type", "input_image");
                            writer.WriteString("image_url", url);
                        }
                        else
                        {
                            writer.WriteString("type", "input_text");
                            writer.WriteString("text", part.Text);
                        }

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

            foreach (var call in message.ToolCalls ?? [])
            {
                writer.WriteStartObject();
                writer.WriteString("type", "function_call");
                writer.WriteString("call_id", call.Id);
                writer.WriteString("name", call.Name);
                writer.WriteString("arguments", call.Arguments);
                writer.WriteEndObject();
            }
        }

        writer.WriteEndArray();
    }
}
