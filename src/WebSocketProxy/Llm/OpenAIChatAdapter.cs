using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace WebSocketProxy.Llm;

/// <summary>OpenAI Chat Completions over SSE; any OpenAI-compatible server works with its <c>BaseUrl</c>.</summary>
internal sealed class OpenAIChatAdapter(IHttpClientFactory httpClientFactory) : ILlmStreamAdapter
{
    public async IAsyncEnumerable<LlmStreamEvent> StreamAsync(LlmRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var message = LlmHttp.Post(LlmHttp.Endpoint(request.Provider, "https://api.openai.com/v1", "chat/completions"), writer =>
        {
            writer.WriteString("model", request.Model);
            LlmHttp.WriteMessages(writer, "messages", request.Messages);
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

            if (request.MaxTokens is { } maxTokens)
            {
                writer.WriteNumber("max_tokens", maxTokens);
            }
        });
        if (!string.IsNullOrEmpty(request.Provider.ApiKey))
        {
            message.Headers.Authorization = new("Bearer", request.Provider.ApiKey);
        }

        using var response = await LlmHttp.SendAsync(httpClientFactory.CreateClient(LlmHttp.ClientName), message, cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var done = false;
        string? finish = null;
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
                yield return LlmStreamEvent.Failed(code, text ?? "The model provider reported an error.");
                yield break;
            }

            if (root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array)
            {
                foreach (var choice in choices.EnumerateArray())
                {
                    if (choice.TryGetProperty("delta", out var delta) && LlmHttp.GetString(delta, "content") is { Length: > 0 } content)
                    {
                        yield return LlmStreamEvent.TextDelta(content);
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
            yield return LlmStreamEvent.Failed(null, done ? "The stream ended without a finish reason." : "The stream ended before [DONE].");
        }
    }
}
