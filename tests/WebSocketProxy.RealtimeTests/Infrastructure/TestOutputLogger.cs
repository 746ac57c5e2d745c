using Microsoft.Extensions.Logging;

namespace WebSocketProxy.RealtimeTests.Infrastructure;

/// <summary>Writes the gateway's log lines to the current test's output, so a failure shows what the gateway did.</summary>
internal sealed class TestOutputLoggerProvider : ILoggerProvider
{
    private readonly ITestOutputHelper? _output = TestContext.Current.TestOutputHelper;
    private readonly string _source;

    /// <param name="source">What the lines come from: <c>gateway</c>, or <c>client</c> for a SignalR client (its connection and reconnect attempts).</param>
    public TestOutputLoggerProvider(string source = "gateway")
    {
        _source = source;
    }

    public ILogger CreateLogger(string categoryName) => new TestOutputLogger(_output, _source, categoryName);

    public void Dispose()
    {
    }

    private sealed class TestOutputLogger(ITestOutputHelper? output, string source, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel)
            => output is not null && logLevel >= (source == "client" || category.StartsWith("WebSocketProxy", StringComparison.Ordinal) ? LogLevel.Information : LogLevel.Warning);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            try
            {
                output!.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} [{source} {logLevel}] {category}: {formatter(state, exception)}{(exception is null ? string.Empty : " " + exception.GetType().Name + ": " + exception.Message)}");
            }
            catch (InvalidOperationException)
            {
                // The test has finished; its output is closed.
            }
        }
    }
}
