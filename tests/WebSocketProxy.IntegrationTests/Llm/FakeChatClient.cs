using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace WebSocketProxy.IntegrationTests.Llm;

/// <summary>An <see cref="IChatClient"/> that streams scripted updates, or waits for cancellation, and records what it saw.</summary>
public sealed class FakeChatClient(Func<CancellationToken, IAsyncEnumerable<ChatResponseUpdate>> stream) : IChatClient
{
    private readonly TaskCompletionSource _called = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _cancelled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Called => _called.Task;

    public Task Cancelled => _cancelled.Task;

    public ChatOptions? LastOptions { get; private set; }

    public List<ChatMessage> LastMessages { get; } = [];

    public static async IAsyncEnumerable<ChatResponseUpdate> Words(string[] words, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var word in words)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return new ChatResponseUpdate(ChatRole.Assistant, word);
        }

        yield return new ChatResponseUpdate
        {
            Contents = [new UsageContent(new UsageDetails { InputTokenCount = 12, OutputTokenCount = words.Length, TotalTokenCount = 12 + words.Length })],
            FinishReason = ChatFinishReason.Stop,
        };
    }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        => throw new NotSupportedException();

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        LastOptions = options;
        LastMessages.AddRange(messages);
        using var registration = cancellationToken.Register(() => _cancelled.TrySetResult());
        _called.TrySetResult();
        await foreach (var update in stream(cancellationToken).WithCancellation(cancellationToken))
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
