namespace WebSocketProxy.Llm;

/// <summary>Receives one record per finished LLM request (completed, cancelled, failed or answered from the cache).</summary>
/// <remarks>
/// Every registered sink is called; the built-in one records metrics and a log line. Register more with
/// <c>services.TryAddEnumerable(ServiceDescriptor.Singleton&lt;ILlmUsageSink, MySink&gt;())</c>. Sinks are called
/// concurrently from many requests; a sink that throws is logged and does not affect the client.
/// </remarks>
public interface ILlmUsageSink
{
    /// <summary>Records a finished request.</summary>
    /// <param name="record">What the request used.</param>
    /// <param name="cancellationToken">Cancelled when the host stops.</param>
    /// <returns>A task that completes when the record is stored.</returns>
    ValueTask RecordAsync(LlmUsageRecord record, CancellationToken cancellationToken);
}
