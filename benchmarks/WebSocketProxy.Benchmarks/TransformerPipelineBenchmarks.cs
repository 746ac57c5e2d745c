using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using WebSocketProxy.Benchmarks.Infrastructure;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Messages;

namespace WebSocketProxy.Benchmarks;

/// <summary>
/// The pump with 0, 1 and 3 pass-through transformers on the route (0 = streaming path, 1 and 3 = assemble-then-transform path),
/// with and without a metrics listener attached, for 1 KiB messages. One operation is one message.
/// </summary>
[MemoryDiagnoser]
public class TransformerPipelineBenchmarks
{
    private const int Messages = 64;

    private ProxiedPair _proxied = null!;
    private MeterListener? _listener;
    private byte[] _payload = null!;
    private byte[] _receiveBuffer = null!;

    /// <summary>Gets or sets the number of transformers on the route.</summary>
    [Params(0, 1, 3)]
    public int Transformers { get; set; }

    /// <summary>Gets or sets whether a listener collects the message metrics (as an OpenTelemetry exporter would).</summary>
    [Params(false, true)]
    public bool Metrics { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _payload = new byte[1024];
        Random.Shared.NextBytes(_payload);
        _receiveBuffer = new byte[64 * 1024];
        var transformers = new IMessageTransformer[Transformers];
        for (var i = 0; i < transformers.Length; i++)
        {
            transformers[i] = new PassThroughTransformer();
        }

        if (Metrics)
        {
            _listener = new MeterListener
            {
                InstrumentPublished = static (instrument, listener) =>
                {
                    if (instrument.Meter.Name == WebSocketProxyDiagnostics.MeterName)
                    {
                        listener.EnableMeasurementEvents(instrument);
                    }
                },
            };
            _listener.SetMeasurementEventCallback<long>(static (_, _, _, _) => { });
            _listener.SetMeasurementEventCallback<double>(static (_, _, _, _) => { });
            _listener.Start();
        }

        _proxied = new ProxiedPair(transformers);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _proxied.Dispose();
        _listener?.Dispose();
    }

    [Benchmark(OperationsPerInvoke = Messages)]
    public ValueTask Pipeline() => MessageExchange.StreamAsync(_proxied.Client, _proxied.Backend, _payload, 1, Messages, _receiveBuffer);

    private sealed class PassThroughTransformer : IMessageTransformer
    {
        public ValueTask<MessageTransformResult> TransformAsync(MessageTransformContext context, CancellationToken cancellationToken)
            => ValueTask.FromResult(MessageTransformResult.Forward());
    }
}
