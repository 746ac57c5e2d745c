namespace WebSocketProxy.Llm;

/// <summary>
/// The frames of one answer (one id, or one id and model when fanning out): <c>chat.started</c>, ordered deltas with
/// their <c>seq</c>, and exactly one terminal frame, after which nothing more is sent.
/// </summary>
/// <remarks>
/// A frame the client does not take within the session's send timeout cancels the request (<paramref name="request"/>):
/// the upstream call is aborted and the reservation given back; later frames of the answer are dropped if the outbox is full.
/// </remarks>
internal sealed class LlmResponseStream(LlmSession session, string id, string? modelTag, CancellationTokenSource request)
{
    private long _seq;
    private int _terminated;
    private volatile bool _stalled;

    public string Id { get; } = id;

    public bool Started { get; private set; }

    public bool Terminated => Volatile.Read(ref _terminated) != 0;

    /// <summary>Gets whether a frame of this answer waited for the client longer than the send timeout.</summary>
    public bool Stalled => _stalled;

    public ValueTask StartAsync(string model, string? provider, bool cacheHit)
    {
        if (Started || Terminated)
        {
            return ValueTask.CompletedTask;
        }

        Started = true;
        return SendAsync(LlmFrames.Started(Id, model, provider, cacheHit));
    }

    public ValueTask DeltaAsync(string text)
        => Terminated ? ValueTask.CompletedTask : SendAsync(LlmFrames.Delta(Id, modelTag, _seq++, text));

    public ValueTask DeltaAsync(LlmStreamEvent delta)
        => Terminated ? ValueTask.CompletedTask : SendAsync(LlmFrames.Delta(Id, modelTag, _seq++, delta));

    public ValueTask RateLimitAsync(IReadOnlyList<LlmBudgetRemaining> remaining)
        => Terminated ? ValueTask.CompletedTask : SendAsync(LlmFrames.RateLimitUpdated(Id, remaining));

    public ValueTask CompleteAsync(string finishReason, LlmUsage usage, decimal? cost)
        => TryTerminate() ? SendAsync(LlmFrames.Completed(Id, modelTag, finishReason, usage, cost)) : ValueTask.CompletedTask;

    public ValueTask CancelledAsync(LlmUsage usage, decimal? cost)
        => TryTerminate() ? SendAsync(LlmFrames.Cancelled(Id, modelTag, usage, cost)) : ValueTask.CompletedTask;

    public ValueTask ErrorAsync(string code, TimeSpan? retryAfter = null, int? upstreamStatus = null, LlmUsage? usage = null, decimal? cost = null, string? providerRequestId = null, string? message = null)
        => TryTerminate()
            ? SendAsync(LlmFrames.Error(Id, modelTag, code, message ?? LlmErrorMessages.For(code), retryAfter, upstreamStatus, usage, cost, providerRequestId))
            : ValueTask.CompletedTask;

    private bool TryTerminate() => Interlocked.Exchange(ref _terminated, 1) == 0;

    private async ValueTask SendAsync(byte[] frame)
    {
        if (_stalled)
        {
            session.TrySend(frame);
            return;
        }

        if (!await session.SendAsync(frame))
        {
            _stalled = true;
            session.Stalled(Id);
            try
            {
                await request.CancelAsync();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}
