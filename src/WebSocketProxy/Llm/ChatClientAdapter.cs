using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace WebSocketProxy.Llm;

/// <summary>Streams through any <see cref="IChatClient"/> registered in the container: keyed by the provider's name, else the unkeyed one.</summary>
internal sealed class ChatClientAdapter(IServiceProvider services) : ILlmStreamAdapter
{
    public async IAsyncEnumerable<LlmStreamEvent> StreamAsync(LlmRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var client = services.GetKeyedService<IChatClient>(request.ProviderName) ?? services.GetService<IChatClient>()
            ?? throw new LlmUpstreamException($"No IChatClient is registered for provider '{request.ProviderName}'.");
        var messages = new List<ChatMessage>(request.Messages.Count);
        foreach (var m in request.Messages)
        {
            messages.Add(new ChatMessage(new ChatRole(m.Role), m.Content));
        }

        var options = new ChatOptions
        {
            ModelId = request.Model,
            Temperature = request.Temperature is { } t ? (float)t : null,
            TopP = request.TopP is { } p ? (float)p : null,
            MaxOutputTokens = request.MaxTokens,
        };

        string? finish = null;
        await foreach (var update in client.GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            foreach (var content in update.Contents)
            {
                switch (content)
                {
                    case TextContent { Text.Length: > 0 } text:
                        yield return LlmStreamEvent.TextDelta(text.Text);
                        break;
                    case UsageContent usage:
                        yield return LlmStreamEvent.UsageReport(new LlmUsage
                        {
                            InputTokens = ToInt(usage.Details.InputTokenCount),
                            OutputTokens = ToInt(usage.Details.OutputTokenCount),
                            CachedTokens = ToInt(usage.Details.CachedInputTokenCount),
                            TotalTokens = ToInt(usage.Details.TotalTokenCount),
                        });
                        break;
                    case ErrorContent error:
                        yield return LlmStreamEvent.Failed(error.ErrorCode, error.Message);
                        yield break;
                    default:
                        break;
                }
            }

            if (update.FinishReason is { } reason)
            {
                finish = LlmHttp.NormaliseFinishReason(reason.Value);
            }
        }

        yield return LlmStreamEvent.Finished(finish ?? "stop");
    }

    private static int? ToInt(long? value) => value is { } v ? (int)Math.Min(v, int.MaxValue) : null;
}
