using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using WebSocketProxy.Benchmarks.Infrastructure;
using WebSocketProxy.Messages;

namespace WebSocketProxy.Benchmarks;

/// <summary>
/// `alloc-trace` mode: streams messages directly and through the pump for a few seconds each and prints which types
/// the GC's allocation sampling (one event per ~100 KB allocated) saw, so a non-zero Allocated column can be traced to its source.
/// </summary>
internal static class AllocationTrace
{
    public static async Task RunAsync(int messageBytes, int frames, double seconds)
    {
        var payload = new byte[messageBytes];
        var receiveBuffer = new byte[64 * 1024];
        using (var direct = new DirectPair())
        {
            await MeasureAsync("direct", messageBytes, frames, seconds, () => MessageExchange.StreamAsync(direct.Client, direct.Server, payload, frames, 64, receiveBuffer));
        }

        using (var proxied = new ProxiedPair([]))
        {
            await MeasureAsync("proxied (streaming pump)", messageBytes, frames, seconds, () => MessageExchange.StreamAsync(proxied.Client, proxied.Backend, payload, frames, 64, receiveBuffer));
        }

        using (var relayed = new ProxiedPair(MessagePipeline.Empty, relay: true))
        {
            await MeasureAsync("proxied (frame relay)", messageBytes, frames, seconds, () => MessageExchange.StreamAsync(relayed.Client, relayed.Backend, payload, frames, 64, receiveBuffer));
        }
    }

    private static async Task MeasureAsync(string name, int messageBytes, int frames, double seconds, Func<ValueTask> exchange)
    {
        // Warm up (JIT, pools) before counting.
        for (var i = 0; i < 50; i++)
        {
            await exchange();
        }

        using var listener = new AllocationTickListener();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        long messages = 0;
        var end = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < end)
        {
            await exchange();
            messages += 64;
        }

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Console.WriteLine($"{name}: {messages} messages of {messageBytes} B in {frames} frame(s), {allocated} B allocated, {(double)allocated / messages:F1} B/message; sampled allocations by type:");
        foreach (var (type, count) in listener.Samples.OrderByDescending(p => p.Value))
        {
            Console.WriteLine($"  {count,5}  {type}");
        }
    }
}
