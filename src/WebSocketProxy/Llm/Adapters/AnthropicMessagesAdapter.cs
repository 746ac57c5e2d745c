using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace WebSocketProxy.Llm;

/// <summary>Anthropic Messages over SSE: input tokens in <c>message_start</c>, cumulative output tokens in <c>message_delta</c>.</summary>
/// <remarks>
/// Parts follow the content blocks (part id = block index; a tool call's id is its <c>tool_use</c> id): <c>text_delta</c>
/// (text), <c>thinking_delta</c> (reasoning), <c>input_json_delta</c> (a <c>tool_use</c> block's arguments).
/// <c>signature_delta</c>, <c>citations_delta</c>, redacted thinking and server-side tool blocks carry nothing a client
/// can show and are skipped. <c>message_start</c>'s <c>output_tokens</c> is a placeholder (usually 1), so it is not
/// reported: without a <c>message_delta</c> (cancel, error) the output is estimated from what was streamed.
/// </remarks>
internal sealed partial class AnthropicMessagesAdapter(IHttpClientFactory httpClientFactory) : ILlmStreamAdapter
{
    private const int DefaultMaxTokens = 1024;

    public async IAsyncEnumerable<LlmStreamEvent> StreamAsync(LlmRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var system = new StringBuilder();
        foreach (var m in request.Messages)
        {
            if (m.Role == "system")
            {
                system.Append(system.Length > 0 ? "\n\n" : string.Empty).Append(m.Content);
            }
        }

        using var message = LlmHttp.Post(LlmHttp.Endpoint(request.Provider, "https://api.anthropic.com/v1", "messages"), writer =>
        {
            writer.WriteString("model", request.Model);
            writer.WriteNumber("max_tokens", request.MaxTokens ?? DefaultMaxTokens);
            if (system.Length > 0)
            {
                writer.WriteString("system", system.ToString());
            }

            WriteMessages(writer, request.Messages);
            writer.WriteBoolean("stream", true);
            if (request.Temperature is { } temperature)
            {
                writer.WriteNumber("temperature", temperature);
            }

            if (request.TopP is { } topP)
            {
                writer.WriteNumber("top_p", topP);
            }

            LlmRequestShaping.WriteStop(writer, "stop_sequences", request.Stop);
            WriteTools(writer, request);
        });
        message.Headers.Add("anthropic-version", "2023-06-01");
        if (!string.IsNullOrEmpty(request.Provider.ApiKey))
        {
            message.Headers.Add("x-api-key", request.Provider.ApiKey);
        }

        using var response = await LlmHttp.SendAsync(httpClientFactory.CreateClient(LlmHttp.ClientName), message, cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        string? finish = null;
        var blocks = new Dictionary<int, Block>();
        await foreach (var item in SseParser.Create(stream).EnumerateAsync(cancellationToken))
        {
            using var document = JsonDocument.Parse(item.Data);
            var root = document.RootElement;
            var index = LlmHttp.GetInt(root, "index") ?? 0;
            switch (LlmHttp.GetString(root, "type") ?? item.EventType)
            {
                case "message_start":
                    if (root.TryGetProperty("message", out var start) && start.TryGetProperty("usage", out var startUsage) && startUsage.ValueKind == JsonValueKind.Object)
                    {
                        // output_tokens here is a placeholder, not a count of anything streamed yet.
                        yield return LlmStreamEvent.UsageReport(ReadUsage(startUsage) with { OutputTokens = null });
                    }

                    break;
                case "content_block_start":
                    var content = root.TryGetProperty("content_block", out var cb) ? cb : default;
                    var block = new Block(LlmHttp.GetString(content, "type") ?? string.Empty, LlmHttp.GetString(content, "id"));
                    blocks[index] = block;
                    if (block.Type == "tool_use" && block.Id is { } toolId)
                    {
                        yield return LlmStreamEvent.ToolCallDelta(toolId, LlmHttp.GetString(content, "name"), string.Empty);
                    }
                    else if (block.Type == "text" && LlmHttp.GetString(content, "text") is { Length: > 0 } initialText)
                    {
                        yield return LlmStreamEvent.Delta(LlmPartType.Text, PartId(index), initialText);
                    }
                    else if (block.Type == "thinking" && LlmHttp.GetString(content, "thinking") is { Length: > 0 } initialThinking)
                    {
                        yield return LlmStreamEvent.Delta(LlmPartType.Reasoning, PartId(index), initialThinking);
                    }

                    break;
                case "content_block_delta":
                    var delta = root.TryGetProperty("delta", out var d) ? d : default;
                    switch (LlmHttp.GetString(delta, "type"))
                    {
                        case "text_delta" when LlmHttp.GetString(delta, "text") is { Length: > 0 } text:
                            yield return LlmStreamEvent.Delta(LlmPartType.Text, PartId(index), text);
                            break;
                        case "thinking_delta" when LlmHttp.GetString(delta, "thinking") is { Length: > 0 } thinking:
                            yield return LlmStreamEvent.Delta(LlmPartType.Reasoning, PartId(index), thinking);
                            break;
                        case "input_json_delta" when blocks.TryGetValue(index, out var tool) && tool is { Type: "tool_use", Id: { } callId }
                            && LlmHttp.GetString(delta, "partial_json") is { Length: > 0 } json:
                            blocks[index] = tool with { ArgumentsStreamed = true };
                            yield return LlmStreamEvent.ToolCallDelta(callId, null, json);
                            break;
                        default:
                            // signature_delta, citations_delta, server tool input: nothing for the client.
                            break;
                    }

                    break;
                case "content_block_stop":
                    if (blocks.TryGetValue(index, out var stopped) && stopped is { Type: "tool_use", Id: { } stoppedId, ArgumentsStreamed: false })
                    {
                        // A call without arguments streams no input_json_delta; its arguments are still an object.
                        yield return LlmStreamEvent.ToolCallDelta(stoppedId, null, "{}");
                    }

                    break;
                case "message_delta":
                    if (root.TryGetProperty("delta", out var messageDelta) && LlmHttp.GetString(messageDelta, "stop_reason") is { } reason)
                    {
                        finish = LlmHttp.NormaliseFinishReason(reason);
                    }

                    if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
                    {
                        // output_tokens here is cumulative: it replaces the earlier figure, it is not added to it.
                        yield return LlmStreamEvent.UsageReport(ReadUsage(usage));
                    }

                    break;
                case "message_stop":
                    yield return LlmStreamEvent.Finished(finish ?? "stop");
                    yield break;
                case "error":
                    var (code, error) = LlmHttp.ParseError(root);
                    yield return LlmStreamEvent.Failed(code, error ?? "The model provider reported an error.", LlmHttp.RequestId(response));
                    yield break;
                default:
                    break;
            }
        }

        yield return LlmStreamEvent.Failed(null, "The stream ended before message_stop.", LlmHttp.RequestId(response));
    }

    private static string PartId(int index) => index.ToString(CultureInfo.InvariantCulture);

    private static LlmUsage ReadUsage(JsonElement usage)
    {
        var input = LlmHttp.GetInt(usage, "input_tokens");
        var cacheRead = LlmHttp.GetInt(usage, "cache_read_input_tokens");
        var cacheCreation = LlmHttp.GetInt(usage, "cache_creation_input_tokens");
        int? totalInput = input is null && cacheRead is null && cacheCreation is null ? null : (input ?? 0) + (cacheRead ?? 0) + (cacheCreation ?? 0);
        return new LlmUsage
        {
            InputTokens = totalInput,
            CachedTokens = cacheRead ?? (totalInput is null ? null : 0),
            OutputTokens = LlmHttp.GetInt(usage, "output_tokens"),
        };
    }

    /// <summary>Writes the non-system messages as Anthropic content: images as <c>url</c> or <c>base64</c> sources, tool calls as <c>tool_use</c> blocks, and tool results (consecutive ones merged) as one user turn of <c>tool_result</c> blocks.</summary>
    /// <summary>A content block seen in <c>content_block_start</c>: its type, a <c>tool_use</c> block's id, and whether its arguments streamed.</summary>
    private sealed record Block(string Type, string? Id, bool ArgumentsStreamed = false);
}
