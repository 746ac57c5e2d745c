using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using WebSocketProxy.Diagnostics;

namespace WebSocketProxy.Messages;

/// <summary>
/// Carries audit records from the pumps to the sinks: a bounded queue the pumps write to without waiting (a full queue
/// drops the record and counts it) and one background loop, started with the first record, that hands batches to every
/// <see cref="IMessageAuditSink"/>. When the host stops, what is queued is written before the sinks are disposed.
/// </summary>
internal sealed partial class MessageAuditQueue : IHostedService, IDisposable
{
    public const int Capacity = 10_000;
    private const int BatchSize = 256;

    private readonly Channel<MessageAuditRecord> _channel = Channel.CreateBounded<MessageAuditRecord>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly IMessageAuditSink[] _sinks;
    private readonly ProxyMetrics _metrics;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _abandon = new();
    private Task? _loop;
    private long _dropped;

    public MessageAuditQueue(IEnumerable<IMessageAuditSink> sinks, ILoggerFactory loggerFactory, ProxyMetrics metrics)
    {
        _sinks = [.. sinks];
        if (_sinks.Length == 0)
        {
            _sinks = [new LoggingMessageAuditSink(loggerFactory.CreateLogger(LoggingMessageAuditSink.Category))];
        }

        _metrics = metrics;
        _logger = loggerFactory.CreateLogger<MessageAuditQueue>();
    }

    /// <summary>Queues a record; false (and counted as dropped) when the queue is full or the host is stopping.</summary>
    public bool TryWrite(MessageAuditRecord record)
    {
        if (Volatile.Read(ref _loop) is null)
        {
            Start();
        }

        if (_channel.Writer.TryWrite(record))
        {
            return true;
        }

        _metrics.AuditRecords("dropped");
        var dropped = Interlocked.Increment(ref _dropped);
        if (dropped == 1 || dropped % Capacity == 0)
        {
            Log.RecordsDropped(_logger, dropped, Capacity);
        }

        return false;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _channel.Writer.TryComplete();
        if (Volatile.Read(ref _loop) is not { } loop)
        {
            return;
        }

        try
        {
            await loop.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            await _abandon.CancelAsync(); // out of time: the sinks stop where they are
        }
    }

    public void Dispose()
    {
        _channel.Writer.TryComplete();
        _abandon.Dispose();
    }

    private void Start()
    {
        lock (_channel)
        {
            _loop ??= Task.Run(RunAsync);
        }
    }

    private async Task RunAsync()
    {
        var batch = new List<MessageAuditRecord>(BatchSize);
        var reader = _channel.Reader;
        while (await reader.WaitToReadAsync())
        {
            while (batch.Count < BatchSize && reader.TryRead(out var record))
            {
                batch.Add(record);
            }

            foreach (var sink in _sinks)
            {
                try
                {
                    await sink.WriteAsync(batch, _abandon.Token);
                    _metrics.AuditRecords("written", batch.Count);
                }
                catch (Exception ex)
                {
                    _metrics.AuditRecords("failed", batch.Count);
                    Log.SinkFailed(_logger, sink.GetType().Name, batch.Count, ex);
                }
            }

            batch.Clear();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.AuditRecordsDropped, EventName = nameof(EventIds.AuditRecordsDropped), Level = LogLevel.Warning, Message = "The message audit queue is full ({Capacity} records): {Dropped} records dropped so far. The audit sinks are slower than the audited traffic; lower SampleRate or use a faster sink.")]
        public static partial void RecordsDropped(ILogger logger, long dropped, int capacity);

        [LoggerMessage(EventId = EventIds.AuditSinkFailed, EventName = nameof(EventIds.AuditSinkFailed), Level = LogLevel.Error, Message = "Message audit sink {Sink} failed to write {Count} records.")]
        public static partial void SinkFailed(ILogger logger, string sink, int count, Exception exception);
    }
}
