using BenchmarkDotNet.Attributes;
using WebSocketProxy.Benchmarks.Infrastructure;
using WebSocketProxy.Configuration;

namespace WebSocketProxy.Benchmarks;

/// <summary>
/// The streaming pump with the default 16 KiB <see cref="WebSocketProxyOptions.ReceiveBufferSize"/> and with 64 KiB, for large
/// single-frame messages: each filled buffer leaves the proxy as one frame, so the buffer size sets how many frames (and sends) a message costs.
/// </summary>
[MemoryDiagnoser]
public class ReceiveBufferBenchmarks
{
    private const int Messages = 64;

    private ProxiedPair _proxied = null!;
    private byte[] _payload = null!;
    private byte[] _receiveBuffer = null!;

    /// <summary>Gets or sets the message size.</summary>
    [Params(64 * 1024, 1024 * 1024)]
    public int MessageBytes { get; set; }

    /// <summary>Gets or sets the proxy's receive buffer size.</summary>
    [Params(16 * 1024, 64 * 1024)]
    public int ReceiveBufferSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _payload = new byte[MessageBytes];
        Random.Shared.NextBytes(_payload);
        _receiveBuffer = new byte[64 * 1024];
        _proxied = new ProxiedPair([], receiveBufferSize: ReceiveBufferSize);
    }

    [GlobalCleanup]
    public void Cleanup() => _proxied.Dispose();

    [Benchmark(OperationsPerInvoke = Messages)]
    public ValueTask Proxied() => MessageExchange.StreamAsync(_proxied.Client, _proxied.Backend, _payload, 1, Messages, _receiveBuffer);
}
