using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace WebSocketProxy.Llm;

/// <summary>Ollama <c>/api/chat</c>: one JSON object per line; every line is checked for <c>error</c> first (the status stays 200).</summary>
/// <remarks>
/// Parts: <c>message.thinking</c> (reasoning), <c>message.content</c> (text) and <c>message.tool_calls</c>, which Ollama
/// sends whole (arguments as an object), each as one tool-call delta. The final line's <c>prompt_eval_count</c> includes
/// the <c>prompt_eval_cached_count</c> tokens served from the runner's prompt cache. Ollama says <c>stop</c> after tool
/// calls; the adapter reports <c>tool_calls</c>, as the other providers do. Images must be base64 <c>data:</c> URLs.
/// </remarks>
internal sealed class OllamaChatAdapter(IHttpClientFactory httpClientFactory) : ILlmStreamAdapter
{
    private const string TextId = "text";
    private const string ReasoningId = "reasoning";

    public async IAsyncEnumerable<LlmStreamEvent> StreamAsync(LlmRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var m in request.Messages)
        {
            foreach (var part in m.Parts ?? [])
            {
                if (part.ImageUrl is { } url && !LlmHttp.TryParseDataUrl(url, out _, out _))
                {
                    throw new LlmUpstreamException("Ollama accepts images only as base64 data: URLs.") { ProviderCode = "unsupported_content" };
                }
            }
        }

        using var message = LlmHttp.Post(LlmHttp.Endpoint(request.Provider, "http://localhost:11434", "api/chat"), writer =>
        {
            writer.WriteString("model", request.Model);
            WriteMessages(writer, request.Messages);
            writer.WriteBoolean("stream", true);
            WriteTools(writer, request);
            LlmRequestShaping.WriteOllamaFormat(writer, request);
            writer.WriteStartObject("options");
            LlmRequestShaping.WriteOllamaOptions(writer, request);
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
                writer.WriteNumber("num_predict", maxTokens);
            }

            writer.WriteEndObject();
        });
        if (!string.IsNullOrEmpty(request.Provider.ApiKey))
        {
            message.Headers.Authorization = new("Bearer", request.Provider.ApiKey);
        }

        using var response = await LlmHttp.SendAsync(httpClientFactory.CreateClient(LlmHttp.ClientName), message, cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var toolCalls = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.TryGetProperty("error", out _))
            {
                var (code, error) = LlmHttp.ParseError(root);
                yield return LlmStreamEvent.Failed(code, error ?? "The model provider reported an error.", LlmHttp.RequestId(response));
                yield break;
            }

            if (root.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.Object)
            {
                if (LlmHttp.GetString(m, "thinking") is { Length: > 0 } thinking)
                {
                    yield return LlmStreamEvent.Delta(LlmPartType.Reasoning, ReasoningId, thinking);
                }

                if (LlmHttp.GetString(m, "content") is { Length: > 0 } content)
                {
                    yield return LlmStreamEvent.Delta(LlmPartType.Text, TextId, content);
                }

                if (m.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
                {
                    foreach (var call in calls.EnumerateArray())
                    {
                        var function = call.TryGetProperty("function", out var f) ? f : default;
                        var id = LlmHttp.GetString(call, "id") is { Length: > 0 } given ? given : "call_" + toolCalls.ToString(CultureInfo.InvariantCulture);
                        toolCalls++;
                        var arguments = function.ValueKind == JsonValueKind.Object && function.TryGetProperty("arguments", out var a)
                            ? a.ValueKind == JsonValueKind.String ? a.GetString()! : a.GetRawText() // GetString of a String element is never null
                            : "{}";
                        yield return LlmStreamEvent.ToolCallDelta(id, LlmHttp.GetString(function, "name"), arguments);
                    }
                }
            }

            if (root.TryGetProperty("done", out var done) && done.ValueKind == JsonValueKind.True)
            {
                yield return LlmStreamEvent.UsageReport(new LlmUsage
                {
                    InputTokens = LlmHttp.GetInt(root, "prompt_eval_count"),
                    OutputTokens = LlmHttp.GetInt(root, "eval_count"),
                    CachedTokens = LlmHttp.GetInt(root, "prompt_eval_cached_count"),
                });
                var finish = LlmHttp.NormaliseFinishReason(LlmHttp.GetString(root, "done_reason"));
                yield return LlmStreamEvent.Finished(toolCalls > 0 && finish == "stop" ? "tool_calls" : finish);
                yield break;
            }
        }

        yield return LlmStreamEvent.Failed(null, "The stream ended before done.", LlmHttp.RequestId(response));
    }

    private static void WriteMessages(Utf8JsonWriter writer, IReadOnlyList<LlmMessage> messages)
    {
        // Ollama names a tool result by the function's name, not by the call id.
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        writer.WriteStartArray("messages");
        foreach (var message in messages)
        {
            writer.WriteStartObject();
            writer.WriteString("role", message.Role);
            writer.WriteString("content", message.Content);
            if (message.Parts is { Count: > 0 } parts)
            {
                writer.WriteStartArray("images");
                foreach (var part in parts)
                {
                    if (part.ImageUrl is { } url && LlmHttp.TryParseDataUrl(url, out _, out var data))
                    {
                        writer.WriteStringValue(data);
                    }
                }

                writer.WriteEndArray();
            }

            if (message.ToolCalls is { Count: > 0 } calls)
            {
                writer.WriteStartArray("tool_calls");
                foreach (var call in calls)
                {
                    names[call.Id] = call.Name;
                    writer.WriteStartObject();
                    writer.WriteStartObject("function");
                    writer.WriteString("name", call.Name);
                    LlmHttp.WriteArgumentsObject(writer, "arguments", call.Arguments);
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            if (message.Role == "tool" && message.ToolCallId is { } callId && names.TryGetValue(callId, out var name))
            {
                writer.WriteString("tool_name", name);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    /// <summary>Ollama has no <c>tool_choice</c>: <c>none</c> sends no tools, a named function sends only that one, <c>required</c> cannot be enforced.</summary>
    private static void WriteTools(Utf8JsonWriter writer, LlmRequest request)
    {
        if (request.Tools is not { Count: > 0 } tools || request.ToolChoice?.Mode == LlmToolChoiceMode.None)
        {
            return;
        }

        writer.WriteStartArray("tools");
        foreach (var tool in tools)
        {
            if (request.ToolChoice is { Mode: LlmToolChoiceMode.Function, FunctionName: var only } && tool.Name != only)
            {
                continue;
            }

            OpenAIToolWriter.WriteFunction(writer, tool, flat: false, strict: null);
        }

        writer.WriteEndArray();
    }
}
