using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace WebSocketProxy.Llm;

/// <summary>Ollama <c>/api/chat</c>: one JSON object per line; every line is checked for <c>error</c> first (the status stays 200).</summary>
internal sealed class OllamaChatAdapter(IHttpClientFactory httpClientFactory) : ILlmStreamAdapter
{
    public async IAsyncEnumerable<LlmStreamEvent> StreamAsync(LlmRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var message = LlmHttp.Post(LlmHttp.Endpoint(request.Provider, "http://localhost:11434", "api/chat"), writer =>
        {
            writer.WriteString("model", request.Model);
            LlmHttp.WriteMessages(writer, "messages", request.Messages);
            writer.WriteBoolean("stream", true);
            writer.WriteStartObject("options");
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
                yield return LlmStreamEvent.Failed(code, error ?? "The model provider reported an error.");
                yield break;
            }

            if (root.TryGetProperty("message", out var m) && LlmHttp.GetString(m, "content") is { Length: > 0 } content)
            {
                yield return LlmStreamEvent.TextDelta(content);
            }

            if (root.TryGetProperty("done", out var done) && done.ValueKind == JsonValueKind.True)
            {
                yield return LlmStreamEvent.UsageReport(new LlmUsage
                {
                    InputTokens = LlmHttp.GetInt(root, "prompt_eval_count"),
                    OutputTokens = LlmHttp.GetInt(root, "eval_count"),
                });
                yield return LlmStreamEvent.Finished(LlmHttp.NormaliseFinishReason(LlmHttp.GetString(root, "done_reason")));
                yield break;
            }
        }

        yield return LlmStreamEvent.Failed(null, "The stream ended before done.");
    }
}
