using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Benchmarks.Infrastructure;
using WebSocketProxy.Configuration;
using WebSocketProxy.Management;
using WebSocketProxy.Messages;

namespace WebSocketProxy.Benchmarks;

/// <summary>
/// One built-in transformer (built from route settings by the real configuration pipeline) on 1 KiB client→backend
/// messages, next to no transformer (streaming path) and an asynchronous pass-through with and without the time budget.
/// One operation is one message, so Allocated is bytes per message.
/// </summary>
[MemoryDiagnoser]
public class BuiltInTransformerBenchmarks
{
    private const int Messages = 64;

    private ProxiedPair _proxied = null!;
    private ServiceProvider _services = null!;
    private byte[] _payload = null!;
    private byte[] _receiveBuffer = null!;
    private WebSocketMessageType _messageType;

    /// <summary>Gets or sets the transformer on the route's client→backend list.</summary>
    [Params("None", "AsyncPassThrough", "AsyncPassThroughNoBudget", "JsonRedaction", "JsonEnvelope", "BinaryJson", "MessageAudit1pct")]
    public string Transformer { get; set; } = "None";

    [GlobalSetup]
    public void Setup()
    {
        _receiveBuffer = new byte[64 * 1024];
        _messageType = WebSocketMessageType.Text;
        _payload = JsonPayload(1024);
        var settings = new Dictionary<string, IReadOnlyDictionary<string, string>>();
        switch (Transformer)
        {
            case "JsonRedaction":
                settings["JsonRedaction"] = new Dictionary<string, string> { ["Paths"] = "$.card.number, $..password" };
                break;
            case "BinaryJson":
                settings["BinaryJson"] = new Dictionary<string, string> { ["Layout"] = "version:u8=1, id:u32, value:f64, name:utf8[1011]" };
                _messageType = WebSocketMessageType.Binary;
                _payload = new byte[1024];
                _payload[0] = 1;
                Encoding.ASCII.GetBytes(new string('n', 1011)).CopyTo(_payload, 13);
                break;
            case "MessageAudit1pct":
                settings["MessageAudit1pct"] = new Dictionary<string, string> { ["Type"] = "MessageAudit", ["SampleRate"] = "0.01", ["MaxPayloadBytes"] = "256" };
                break;
        }

        var services = new ServiceCollection().AddLogging(); // no logging provider: the default audit sink's log calls cost little
        services.AddWebSocketProxy().AddMessageTransformer<AsyncPassThrough>("AsyncPassThrough");
        _services = services.BuildServiceProvider();
        var options = new WebSocketProxyOptions();
        options.Routes["bench"] = new RouteConfig
        {
            Path = "/ws/{**rest}",
            Cluster = "bench",
            ClientToBackendTransformers = Transformer switch { "None" => null, "AsyncPassThroughNoBudget" => ["AsyncPassThrough"], _ => [Transformer] },
            TransformerTimeout = Transformer == "AsyncPassThroughNoBudget" ? Timeout.InfiniteTimeSpan : null, // the same transformer awaited without the deadline
            TransformerSettings = settings.Count == 0 ? null : settings,
        };
        options.Clusters["bench"] = new ClusterConfig { Backends = new Dictionary<string, BackendConfig> { ["b"] = new() { Address = "ws://127.0.0.1:9000/ws" } } };
        var errors = new List<string>();
        var snapshot = _services.GetRequiredService<ProxyConfigBuilder>().Build(options, null, errors);
        if (errors.Count > 0)
        {
            throw new InvalidOperationException(string.Join(Environment.NewLine, errors));
        }

        _proxied = new ProxiedPair(snapshot.Routes["bench"].Features.Require<MessagePipeline>());
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _proxied.Dispose();
        _services.Dispose();
    }

    [Benchmark(OperationsPerInvoke = Messages)]
    public ValueTask Pipeline() => MessageExchange.ExchangeAsync(_proxied.Client, _proxied.Backend, _payload, _messageType, Messages, _receiveBuffer);

    /// <summary>A 1 KiB JSON object with a card number and a password to redact, padded with a note.</summary>
    private static byte[] JsonPayload(int size)
    {
        var head = """{"user":"ada","card":{"number":"4111111111111111","exp":"12/30"},"login":{"password":"hunter2"},"note":""";
        var note = new string('x', size - head.Length - 3);
        var json = Encoding.UTF8.GetBytes(head + "\"" + note + "\"}");
        return json.Length == size ? json : throw new InvalidOperationException($"Payload is {json.Length} bytes, not {size}.");
    }

    /// <summary>Completes asynchronously every time (a thread-pool hop) through a pooled builder: measures the proxy's time-budget path, not the transformer's allocations.</summary>
    private sealed class AsyncPassThrough : IMessageTransformer
    {
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        public async ValueTask<MessageTransformResult> TransformAsync(MessageTransformContext context, CancellationToken cancellationToken)
        {
            await Task.Yield();
            return MessageTransformResult.Forward();
        }
    }
}
