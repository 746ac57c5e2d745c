using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace WebSocketProxy.Llm;

/// <summary>Anthropic Messages over SSE: input tokens in <c>message_start</c>, cumulative output tokens in <c>message_delta</c>.</summary>
internal sealed class AnthropicMessagesAdapter(IHttpClientFactory httpClientFactory) : ILlmStreamAdapter
{
    private const int DefaultMaxTokens = 1024;

    public async IAsyncEnumerable<LlmStreamEvent> StreamAsync(LlmRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var system = new StringBuilder();
        var messages = new List<LlmMessage>(request.Messages.Count);
        foreach (var m in request.Messages)
        {
            if (m.Role == "system")
            {
                system.Append(system.Length > 0 ? "\n\n" : string.Empty).Append(m.Content);
            }
            else
            {
                messages.Add(m);
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

            LlmHttp.WriteMessages(writer, "messages", messages);
            writer.WriteBoolean("stream", true);
            if (request.Temperature is { } temperature)
            {
                writer.WriteNumber("temperature", temperature);
            }

            if (request.TopP is { } topP)
            {
                writer.WriteNumber("top_p", topP);
            }
        });
        message.Headers.Add("anthropic-version", "2023-06-01");
        if (!string.IsNullOrEmpty(request.Provider.ApiKey))
        {
            message.Headers.Add("x-api-key", request.Provider.ApiKey);
        }

        using var response = await LlmHttp.SendAsync(httpClientFactory.CreateClient(LlmHttp.ClientName), message, cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        string? finish = null;
        await foreach (var item in SseParser.Create(stream).EnumerateAsync(cancellationToken))
        {
            using var document = JsonDocument.Parse(item.Data);
            var root = document.RootElement;
            switch (LlmHttp.GetString(root, "type") ?? item.EventType)
            {
                case "message_start":
                    if (root.TryGetProperty("message", out var start) && start.TryGetProperty("usage", out var startUsage))
                    {
                        yield return LlmStreamEvent.UsageReport(ReadUsage(startUsage));
                    }

                    break;
                case "content_block_delta":
                    if (root.TryGetProperty("delta", out var delta) && LlmHttp.GetString(delta, "type") == "text_delta"
                        && LlmHttp.GetString(delta, "text") is { Length: > 0 } text)
                    {
                        yield return LlmStreamEvent.TextDelta(text);
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
                    yield return LlmStreamEvent.Failed(code, error ?? "The model provider reported an error.");
                    yield break;
                default:
                    break;
            }
        }

        yield return LlmStreamEvent.Failed(null, "The stream ended before message_stop.");
    }

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
}
