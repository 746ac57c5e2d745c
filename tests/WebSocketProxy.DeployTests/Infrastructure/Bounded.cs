namespace WebSocketProxy.DeployTests.Infrastructure;

/// <summary>Time bounds for every await in these tests.</summary>
public static class Bounded
{
    /// <summary>A token that cancels after <paramref name="seconds"/> or when xunit cancels the test.</summary>
    public static CancellationToken Timeout(int seconds)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(seconds));
        return cts.Token;
    }
}
