namespace WebSocketProxy.Llm;

/// <summary>
/// The frames of one answer (one id, or one id and model when fanning out): <c>chat.started</c>, ordered deltas with
/// their <c>seq</c>, and exactly one terminal frame, after which nothing more is sent.
/// </summary>
internal sealed class LlmResponseStream(LlmSession session, string id, string? modelTag)
{
    private long _seq;
    private int _terminated;

    public string Id { get; } = id;

    public bool Started { get; private set; }

    public bool Terminated => Volatile.Read(ref _terminated) != 0;

    public ValueTask StartAsync(string model, string? provider, bool cacheHit)
    {
        if (Started || Terminated)
        {
            return ValueTask.CompletedTask;
        }

        Started = true;
        return session.SendAsync(LlmFrames.Started(Id, model, provider, cacheHit));
    }

    public ValueTask DeltaAsync(string text)
        => Terminated ? ValueTask.CompletedTask : session.SendAsync(LlmFrames.Delta(Id, modelTag, _seq++, text));

    public ValueTask DeltaAsync(LlmStreamEvent delta)
        => Terminated ? ValueTask.CompletedTask : session.SendAsync(LlmFrames.Delta(Id, modelTag, _seq++, delta));

    public ValueTask CompleteAsync(string finishReason, LlmUsage usage)
        => TryTerminate() ? session.SendAsync(LlmFrames.Completed(Id, modelTag, finishReason, usage)) : ValueTask.CompletedTask;

    public ValueTask CancelledAsync(LlmUsage usage)
        => TryTerminate() ? session.SendAsync(LlmFrames.Cancelled(Id, modelTag, usage)) : ValueTask.CompletedTask;

    public ValueTask ErrorAsync(string code, string message, TimeSpan? retryAfter = null, int? upstreamStatus = null)
        => TryTerminate() ? session.SendAsync(LlmFrames.Error(Id, modelTag, code, message, retryAfter, upstreamStatus)) : ValueTask.CompletedTask;

    private bool TryTerminate() => Interlocked.Exchange(ref _terminated, 1) == 0;
}
