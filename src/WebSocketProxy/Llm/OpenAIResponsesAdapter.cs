using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace WebSocketProxy.Llm;

/// <summary>OpenAI Responses API over SSE: text in <c>response.output_text.delta</c>, usage only in the terminal event.</summary>
internal sealed class OpenAIResponsesAdapter(IHttpClientFactory httpClientFactory) : ILlmStreamAdapter
{
    public async IAsyncEnumerable<LlmStreamEvent> StreamAsync(LlmRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var message = LlmHttp.Post(LlmHttp.Endpoint(request.Provider, "https://api.openai.com/v1", "responses"), writer =>
        {
            writer.WriteString("model", request.Model);
            LlmHttp.WriteMessages(writer, "input", request.Messages);
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
        });
        if (!string.IsNullOrEmpty(request.Provider.ApiKey))
        {
            message.Headers.Authorization = new("Bearer", request.Provider.ApiKey);
        }

        using var response = await LlmHttp.SendAsync(httpClientFactory.CreateClient(LlmHttp.ClientName), message, cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        await foreach (var item in SseParser.Create(stream).EnumerateAsync(cancellationToken))
        {
            using var document = JsonDocument.Parse(item.Data);
            var root = document.RootElement;
            var type = LlmHttp.GetString(root, "type") ?? item.EventType;
            switch (type)
            {
                case "response.output_text.delta":
                    if (LlmHttp.GetString(root, "delta") is { Length: > 0 } delta)
                    {
                        yield return LlmStreamEvent.TextDelta(delta);
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
                        var error = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("error", out var e) ? e : default;
                        yield return LlmStreamEvent.Failed(LlmHttp.GetString(error, "code"), LlmHttp.GetString(error, "message") ?? "The response failed.");
                    }
                    else if (type == "response.incomplete")
                    {
                        var reason = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("incomplete_details", out var d) ? LlmHttp.GetString(d, "reason") : null;
                        yield return LlmStreamEvent.Finished(LlmHttp.NormaliseFinishReason(reason ?? "length"));
                    }
                    else
                    {
                        yield return LlmStreamEvent.Finished("stop");
                    }

                    yield break;
                case "error":
                    yield return LlmStreamEvent.Failed(LlmHttp.GetString(root, "code"), LlmHttp.GetString(root, "message") ?? "The model provider reported an error.");
                    yield break;
                default:
                    break;
            }
        }

        yield return LlmStreamEvent.Failed(null, "The stream ended before response.completed.");
    }
}
