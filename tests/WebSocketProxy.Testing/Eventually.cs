using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace WebSocketProxy.Testing;

/// <summary>Waits for a condition that becomes true asynchronously (a counter drained, a health state flipped), polling it.</summary>
/// <remarks>
/// Each wait ends at the earlier of its own deadline and the caller's token (normally the test's timeout). On either it
/// throws a <see cref="TimeoutException"/> naming the condition and (for <c>MatchesAsync</c>) the value last observed,
/// so a failure says what was seen.
/// </remarks>
public static class Eventually
{
    /// <summary>Gets the deadline used when a wait names none.</summary>
    /// <value>30 seconds (a test's own token, 20 seconds by default, normally ends the wait first).</value>
    public static TimeSpan DefaultTimeout { get; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets the time between two observations.</summary>
    /// <value>10 milliseconds.</value>
    public static TimeSpan PollInterval { get; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Waits until <paramref name="condition"/> returns true.</summary>
    /// <param name="condition">Read on every poll; must not block.</param>
    /// <param name="cancellationToken">Ends the wait (with a <see cref="TimeoutException"/>) when cancelled.</param>
    /// <param name="timeout">The wait's own deadline; <see cref="DefaultTimeout"/> when null, <see cref="Timeout.InfiniteTimeSpan"/> for none beyond the token.</param>
    /// <param name="expression">The condition's source text, filled in by the compiler.</param>
    /// <returns>A task that completes when the condition held.</returns>
    /// <exception cref="TimeoutException">The deadline passed or the token was cancelled first.</exception>
    public static Task HoldsAsync(Func<bool> condition, CancellationToken cancellationToken, TimeSpan? timeout = null, [CallerArgumentExpression(nameof(condition))] string expression = "")
    {
        ArgumentNullException.ThrowIfNull(condition);
        return WaitAsync(() => Task.FromResult(condition()), static held => held, cancellationToken, timeout, expression, reportLast: false);
    }

    /// <summary>Waits until the asynchronous <paramref name="condition"/> returns true (a handshake, an admin API call).</summary>
    /// <param name="condition">Awaited on every poll; never block on it instead (a blocked socket thread can stall the sockets it would need).</param>
    /// <param name="cancellationToken">Ends the wait (with a <see cref="TimeoutException"/>) when cancelled.</param>
    /// <param name="timeout">The wait's own deadline; <see cref="DefaultTimeout"/> when null, <see cref="Timeout.InfiniteTimeSpan"/> for none beyond the token.</param>
    /// <param name="expression">The condition's source text, filled in by the compiler.</param>
    /// <returns>A task that completes when the condition held.</returns>
    /// <exception cref="TimeoutException">The deadline passed or the token was cancelled first.</exception>
    public static Task HoldsAsync(Func<Task<bool>> condition, CancellationToken cancellationToken, TimeSpan? timeout = null, [CallerArgumentExpression(nameof(condition))] string expression = "")
    {
        ArgumentNullException.ThrowIfNull(condition);
        return WaitAsync(condition, static held => held, cancellationToken, timeout, expression, reportLast: false);
    }

    /// <summary>Reads a value until <paramref name="predicate"/> accepts it, and returns that value.</summary>
    /// <typeparam name="T">The observed value; an anonymous object reads several at once and names each in the failure message.</typeparam>
    /// <param name="observe">Read on every poll; must not block.</param>
    /// <param name="predicate">Decides whether the observed value is the awaited one.</param>
    /// <param name="cancellationToken">Ends the wait (with a <see cref="TimeoutException"/>) when cancelled.</param>
    /// <param name="timeout">The wait's own deadline; <see cref="DefaultTimeout"/> when null, <see cref="Timeout.InfiniteTimeSpan"/> for none beyond the token.</param>
    /// <param name="expression">The predicate's source text, filled in by the compiler.</param>
    /// <returns>The first observed value the predicate accepted.</returns>
    /// <exception cref="TimeoutException">The deadline passed or the token was cancelled first; the message holds the last value observed.</exception>
    public static Task<T> MatchesAsync<T>(Func<T> observe, Func<T, bool> predicate, CancellationToken cancellationToken, TimeSpan? timeout = null, [CallerArgumentExpression(nameof(predicate))] string expression = "")
    {
        ArgumentNullException.ThrowIfNull(observe);
        ArgumentNullException.ThrowIfNull(predicate);
        return WaitAsync(() => Task.FromResult(observe()), predicate, cancellationToken, timeout, expression, reportLast: true);
    }

    /// <summary>Reads a value asynchronously until <paramref name="predicate"/> accepts it, and returns that value.</summary>
    /// <typeparam name="T">The observed value.</typeparam>
    /// <param name="observe">Awaited on every poll; never block on it instead.</param>
    /// <param name="predicate">Decides whether the observed value is the awaited one.</param>
    /// <param name="cancellationToken">Ends the wait (with a <see cref="TimeoutException"/>) when cancelled.</param>
    /// <param name="timeout">The wait's own deadline; <see cref="DefaultTimeout"/> when null, <see cref="Timeout.InfiniteTimeSpan"/> for none beyond the token.</param>
    /// <param name="expression">The predicate's source text, filled in by the compiler.</param>
    /// <returns>The first observed value the predicate accepted.</returns>
    /// <exception cref="TimeoutException">The deadline passed or the token was cancelled first; the message holds the last value observed.</exception>
    public static Task<T> MatchesAsync<T>(Func<Task<T>> observe, Func<T, bool> predicate, CancellationToken cancellationToken, TimeSpan? timeout = null, [CallerArgumentExpression(nameof(predicate))] string expression = "")
    {
        ArgumentNullException.ThrowIfNull(observe);
        ArgumentNullException.ThrowIfNull(predicate);
        return WaitAsync(observe, predicate, cancellationToken, timeout, expression, reportLast: true);
    }

    private static async Task<T> WaitAsync<T>(Func<Task<T>> observe, Func<T, bool> predicate, CancellationToken cancellationToken, TimeSpan? timeout, string expression, bool reportLast)
    {
        var deadline = timeout ?? DefaultTimeout;
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(deadline);
        var started = Stopwatch.GetTimestamp();
        var last = await observe();
        try
        {
            while (!predicate(last))
            {
                await Task.Delay(PollInterval, wait.Token);
                last = await observe();
            }

            return last;
        }
        catch (OperationCanceledException ex) when (wait.IsCancellationRequested)
        {
            var reason = cancellationToken.IsCancellationRequested ? "the caller's token was cancelled" : $"the {deadline.TotalSeconds:0.###} s deadline passed";
            var seen = reportLast ? $"; last seen: {Describe(last)}" : string.Empty;
            throw new TimeoutException($"`{expression}` still did not hold after {Stopwatch.GetElapsedTime(started).TotalSeconds:0.###} s ({reason}){seen}", ex);
        }
    }

    private static string Describe<T>(T value) => value switch
    {
        null => "null",
        string text => $"\"{text}\"",
        _ => value.ToString() ?? string.Empty,
    };
}
