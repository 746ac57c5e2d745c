using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace WebSocketProxy.Benchmarks;

/// <summary>Counts the runtime's allocation ticks (one about every 100 KB allocated) by type name.</summary>
internal sealed class AllocationTickListener : EventListener
{
    public ConcurrentDictionary<string, int> Samples { get; } = new();

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1); // GC keyword: AllocationTick
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName is { } name && name.StartsWith("GCAllocationTick", StringComparison.Ordinal) && eventData.Payload is { } payload)
        {
            var index = eventData.PayloadNames?.IndexOf("TypeName") ?? -1;
            var type = index >= 0 ? payload[index]?.ToString() ?? "?" : "?";
            Samples.AddOrUpdate(type, 1, static (_, c) => c + 1);
        }
    }
}
