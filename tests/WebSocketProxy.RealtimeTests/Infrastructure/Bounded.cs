namespace WebSocketProxy.RealtimeTests.Infrastructure;

/// <summary>Time bounds for the real-time tests: every await gets a token from here.</summary>
internal static class Bounded
{
    /// <summary>A token that cancels after <paramref name="seconds"/> or when xunit cancels the test.</summary>
    public static CancellationToken Token(int seconds = 30)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(seconds));
        return cts.Token;
    }

    /// <summary>Awaits <paramref name="task"/> until <paramref name="cancellationToken"/> fires, naming what was awaited when it does.</summary>
    public static async Task<T> Within<T>(this Task<T> task, CancellationToken cancellationToken, string what)
    {
        try
        {
            return await task.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Timed out waiting for {what}.");
        }
    }

    /// <inheritdoc cref="Within{T}(Task{T}, CancellationToken, string)"/>
    public static async Task Within(this Task task, CancellationToken cancellationToken, string what)
    {
        try
        {
            await task.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Timed out waiting for {what}.");
        }
    }
}
