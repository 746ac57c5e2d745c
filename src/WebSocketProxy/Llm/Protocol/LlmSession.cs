using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Messages;
using WebSocketProxy.Model;

namespace WebSocketProxy.Llm;

/// <summary>
/// One client socket in LLM mode: reads <c>chat.request</c> / <c>chat.cancel</c> frames, runs requests concurrently, and
/// sends every frame through one writer (a bounded channel), so frames of concurrent requests never interleave mid-message.
/// </summary>
/// <remarks>
/// Registered in the <see cref="SessionRegistry"/> like a proxy session, so the shutdown drain closes it (every request
/// gets <c>chat.cancelled</c>, then 1001) and aborts it when the drain timeout passes.
/// </remarks>
internal sealed partial class LlmSession : ISessionControl
{
    private readonly SessionSnapshot _snapshot;
    private static readonly byte[] CloseSentinel = [];

    private readonly WebSocket _socket;
    private readonly LlmChatProcessor _processor;
    private readonly LlmSessionSettings _settings;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Channel<byte[]> _outbox;
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _inFlight = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, bool> _running = new();
    private readonly CancellationTokenSource _dead = new();
    private readonly CancellationTokenSource _ended = new();
    private int _streams;
    private int _stopping;

    public LlmSession(ProxyConnectionContext connection, WebSocket socket, LlmChatProcessor processor, LlmSessionSettings settings, ILogger logger, TimeProvider time)
    {
        Connection = connection;
        _snapshot = LlmSessionSnapshot.Create(connection, time);
        _socket = socket;
        _processor = processor;
        _settings = settings;
        _logger = logger;
        _time = time;
        _outbox = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(settings.Options.OutboxCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    }

    public ProxyConnectionContext Connection { get; }

    /// <inheritdoc />
    /// <remarks>LLM sessions report who they are and when they started; their traffic is in the LLM usage records, not here.</remarks>
    public SessionSnapshot GetSnapshot() => _snapshot;

    public CancellationToken Ended => _ended.Token;

    public async Task RunAsync(CancellationToken aborted)
    {
        var writer = WriteLoopAsync();
        (WebSocketCloseStatus Status, string Reason)? close = null;
        try
        {
            close = await ReceiveLoopAsync(aborted);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            Log.ClientGone(_logger, _settings.RoutePattern);
        }
        finally
        {
            CancelAll();
            await Task.WhenAll(_running.Keys);
            _outbox.Writer.TryComplete();
            await writer;
            if (close is { } c && _socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5), _time);
                try
                {
                    await _socket.CloseAsync(c.Status, c.Reason, timeout.Token);
                }
                catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
                {
                    _socket.Abort();
                }
            }

            await _dead.CancelAsync();
            await _ended.CancelAsync();
        }
    }

    /// <summary>The drain: cancels every request (each gets <c>chat.cancelled</c>), then closes with 1001 once they ended.</summary>
    public void RequestClose(WebSocketCloseStatus clientStatus, string clientReason, WebSocketCloseStatus backendStatus, string backendReason)
    {
        if (Interlocked.Exchange(ref _stopping, 1) != 0)
        {
            return;
        }

        CancelAll();
        _ = CloseAfterRequestsAsync();

        async Task CloseAfterRequestsAsync()
        {
            await Task.WhenAll(_running.Keys);
            await SendAsync(CloseSentinel);
        }
    }

    /// <summary>The drain: the same as <see cref="RequestClose"/> — requests are cancelled, then the client gets 1001 and the socket keeps reading until its close.</summary>
    public void CloseClientFirst(WebSocketCloseStatus status, string reason)
        => RequestClose(status, reason, status, reason);

    public void Abort()
    {
        _dead.Cancel();
        _socket.Abort();
    }

    /// <summary>Queues a frame, waiting at most the send timeout for room; <see langword="false"/> when the client did not take it in time.</summary>
    public async ValueTask<bool> SendAsync(byte[] frame)
    {
        if (_dead.IsCancellationRequested)
        {
            return true; // the client is gone; nothing to wait for
        }

        if (_outbox.Writer.TryWrite(frame))
        {
            return true;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_dead.Token);
        timeout.CancelAfter(_settings.Options.SendTimeout);
        try
        {
            await _outbox.Writer.WriteAsync(frame, timeout.Token);
            return true;
        }
        catch (Exception ex) when (ex is ChannelClosedException or ObjectDisposedException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return _dead.IsCancellationRequested;
        }
    }

    /// <summary>Queues a frame only if there is room (frames of a request whose client stalled).</summary>
    public void TrySend(byte[] frame) => _outbox.Writer.TryWrite(frame);

    /// <summary>A request's frame waited longer than the send timeout: it is being cancelled.</summary>
    public void Stalled(string id) => Log.ClientStalled(_logger, _settings.RoutePattern, _settings.Options.SendTimeout);

    private static void CancelQuietly(CancellationTokenSource cts)
    {
        try
        {
            cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void CancelAll()
    {
        foreach (var cts in _inFlight.Values)
        {
            CancelQuietly(cts);
        }
    }

    private async Task WriteLoopAsync()
    {
        await foreach (var frame in _outbox.Reader.ReadAllAsync())
        {
            if (_dead.IsCancellationRequested)
            {
                continue;
            }

            // A client that stops reading blocks the socket write; past the send timeout the socket is aborted.
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_dead.Token);
            timeout.CancelAfter(_settings.Options.SendTimeout);
            try
            {
                if (ReferenceEquals(frame, CloseSentinel))
                {
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, "server shutting down", timeout.Token);
                    continue;
                }

                await _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
            {
                await _dead.CancelAsync();
                CancelAll();
                _socket.Abort();
            }
        }
    }

    private async Task<(WebSocketCloseStatus, string)?> ReceiveLoopAsync(CancellationToken aborted)
    {
        using var assembler = new MessageAssembler(_settings.Options.MaxMessageBytes, 4096);
        while (true)
        {
            var message = await assembler.ReceiveAsync(_socket, onFrame: null, aborted);
            if (message.IsClose)
            {
                return (WebSocketCloseStatus.NormalClosure, string.Empty);
            }

            if (message.IsTooBig)
            {
                return (WebSocketCloseStatus.MessageTooBig, "message too big");
            }

            if (message.MessageType == WebSocketMessageType.Binary)
            {
                return (WebSocketCloseStatus.InvalidMessageType, "llm.v1 frames are JSON text");
            }

            await HandleAsync(message.Payload, aborted);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.LlmClientGone, EventName = nameof(EventIds.LlmClientGone), Level = LogLevel.Debug, Message = "LLM client on {Route} went away; its requests are cancelled.")]
        public static partial void ClientGone(ILogger logger, string route);

        [LoggerMessage(EventId = EventIds.LlmRequestFailed, EventName = nameof(EventIds.LlmRequestFailed), Level = LogLevel.Error, Message = "An LLM request on {Route} failed in the gateway.")]
        public static partial void RequestFailed(ILogger logger, string route, Exception exception);

        [LoggerMessage(EventId = EventIds.LlmClientStalled, EventName = nameof(EventIds.LlmClientStalled), Level = LogLevel.Warning, Message = "LLM client on {Route} took no frame for {SendTimeout}; its request is cancelled.")]
        public static partial void ClientStalled(ILogger logger, string route, TimeSpan sendTimeout);
    }
}
