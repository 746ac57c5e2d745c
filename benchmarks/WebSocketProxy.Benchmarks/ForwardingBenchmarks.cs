using BenchmarkDotNet.Attributes;
using WebSocketProxy.Benchmarks.Infrastructure;
using WebSocketProxy.Messages;

namespace WebSocketProxy.Benchmarks;

/// <summary>
/// The forwarding pump of a route without transformers, the streaming pump or the frame relay: client → proxy → backend over in-memory streams,
/// next to the same exchange straight from client to server. One operation is one message; Allocated is per message.
/// </summary>
[MemoryDiagnoser]
public class ForwardingBenchmarks
{
    private const int Messages = 64;

    private DirectPair _direct = null!;
    private ProxiedPair _proxied = null!;
    private byte[] _payload = null!;
    private byte[] _receiveBuffer = null!;

    /// <summary>Gets or sets the message size.</summary>
    [Params(64, 1024, 16 * 1024, 1024 * 1024)]
    public int MessageBytes { get; set; }

    /// <summary>Gets or sets whether each message is sent as four frames instead of one.</summary>
    [Params(false, true)]
    public bool Fragmented { get; set; }

    /// <summary>Gets or sets whether the proxied pair runs the frame relay (the default path of a route without transformers) instead of the streaming pump.</summary>
    [Params(false, true)]
    public bool Relay { get; set; }

    private int Frames => Fragmented ? 4 : 1;

    [GlobalSetup]
    public void Setup()
    {
        _payload = new byte[MessageBytes];
        Random.Shared.NextBytes(_payload);
        _receiveBuffer = new byte[64 * 1024];
        _direct = new DirectPair();
        _proxied = new ProxiedPair(MessagePipeline.Empty, relay: Relay);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _direct.Dispose();
        _proxied.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Messages, Description = "Direct")]
    public ValueTask Direct() => MessageExchange.StreamAsync(_direct.Client, _direct.Server, _payload, Frames, Messages, _receiveBuffer);

    [Benchmark(OperationsPerInvoke = Messages, Description = "Proxied")]
    public ValueTask Proxied() => MessageExchange.StreamAsync(_proxied.Client, _proxied.Backend, _payload, Frames, Messages, _receiveBuffer);
}
