using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using WebSocketProxy.Configuration;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Messages;
using WebSocketProxy.Model;
using WebSocketProxy.RateLimiting;

namespace WebSocketProxy.Forwarding;

/// <summary>
/// A live proxied connection: two pumps (client→backend, backend→client), its timers (idle, token expiry), and the
/// close choreography that makes every end deliver a meaningful close code to both legs. This file holds the
/// lifetime and the control surface; the pumps and the close live in the partial files named after them.
/// </summary>
internal sealed partial class ProxySession : ISessionControl
{
    /// <summary>The longest timer a <see cref="TimeProvider"/> takes (about 49 days); a later token expiry re-arms.</summary>
    private static readonly TimeSpan MaxTimer = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private readonly SessionLeg _client;
    private readonly SessionLeg _backend;
    private readonly RouteModel _route;
    private readonly MessagePipeline _pipeline;
    private readonly SessionMessageLimits? _limits;
    private readonly DateTimeOffset? _closeAt;
    private readonly ProxyMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _closeTimeout;
    private readonly int _bufferSize;
    private readonly Stream? _clientTransport;
    private readonly ClientFrameInspector? _inspector;
    private readonly TimeSpan _sendTimeout;
    private readonly bool _coalesce;
    private Task? _clientPump;
    private ITimer? _stallTimer;
    private CancellationTokenSource? _ended;
    private ITimer? _idleTimer;
    private ITimer? _expiryTimer;
    private long _lastActivity;
    private int _closing;
    private int _finished;

    public ProxySession(ProxyConnectionContext connection, SessionOptions options, WebSocket client, Stream? clientTransport, WebSocket backend, ProxyMetrics metrics, ILogger logger, TimeProvider timeProvider)
    {
        Connection = connection;
        _route = connection.RouteModel;
        _pipeline = options.Pipeline;
        _limits = options.MessageLimits;
        _closeAt = options.CloseAt;
        _closeTimeout = options.CloseTimeout;
        _bufferSize = options.ReceiveBufferSize;
        _coalesce = options.CoalesceWrites;
        _clientTransport = clientTransport;
        _inspector = options.ClientInspector;
        if (_inspector is not null)
        {
            _inspector.OnViolation = OnClientViolation;
        }

        if (options.ClientRelay is not null && options.BackendRelay is not null && _pipeline.IsEmpty && _limits?.SendsNotices != true)
        {
            _clientRelay = options.ClientRelay;
            _backendRelay = options.BackendRelay;
        }

        _sendTimeout = _route.SendTimeout;
        _client = new SessionLeg(client, "client");
        _backend = new SessionLeg(backend, "backend");
        _metrics = metrics;
        _logger = logger;
        _timeProvider = timeProvider;
        _startedAt = timeProvider.GetUtcNow();
        _identity = Identify(connection.HttpContext, client);
    }

    public ProxyConnectionContext Connection { get; }

    /// <summary>Gets the close status the client leg ended with, once known.</summary>
    public WebSocketCloseStatus? ClientCloseStatus { get; private set; }

    /// <inheritdoc />
    /// <remarks>Created on first use: sessions that nobody watches (no transformers, no limits) carry no token source.</remarks>
    public CancellationToken Ended
    {
        get
        {
            var source = Volatile.Read(ref _ended);
            if (source is null)
            {
                var created = new CancellationTokenSource();
                source = Interlocked.CompareExchange(ref _ended, created, null) ?? created;
                if (!ReferenceEquals(source, created))
                {
                    created.Dispose();
                }
            }

            return Volatile.Read(ref _finished) != 0 ? new CancellationToken(canceled: true) : source.Token;
        }
    }

    /// <summary>Runs the session until both pumps have ended. Never throws.</summary>
    public async Task RunAsync()
    {
        _lastActivity = _timeProvider.GetTimestamp();
        if (_route.IdleTimeout != Timeout.InfiniteTimeSpan)
        {
            _idleTimer = _timeProvider.CreateTimer(static state => ((ProxySession)state!).OnIdleTimer(), this, _route.IdleTimeout, Timeout.InfiniteTimeSpan);
        }

        if (_closeAt is not null)
        {
            _expiryTimer = _timeProvider.CreateTimer(static state => ((ProxySession)state!).OnExpiryTimer(), this, ExpiryDue(), Timeout.InfiniteTimeSpan);
        }

        if (RelaysFrames)
        {
            StartRelay();
        }

        try
        {
            var toBackend = _clientPump = PumpAsync(_client, _backend, MessageDirection.ClientToBackend);
            var toClient = PumpAsync(_backend, _client, MessageDirection.BackendToClient);
            var first = await Task.WhenAny(toBackend, toClient);
            var other = first == toBackend ? toClient : toBackend;
            try
            {
                await other.WaitAsync(_closeTimeout, _timeProvider);
            }
            catch (TimeoutException)
            {
                Log.CloseTimedOut(_logger, Connection.ConnectionId);
                Abort();
                if (Volatile.Read(ref _ended) is { } ended)
                {
                    // Both legs are gone: end what the pump may be waiting on (a rate limit's delay, a transformer).
                    await ended.CancelAsync();
                }

                await other;
            }
        }
        finally
        {
            if (_idleTimer is not null)
            {
                await _idleTimer.DisposeAsync();
            }

            if (_expiryTimer is not null)
            {
                await _expiryTimer.DisposeAsync();
            }

            if (Volatile.Read(ref _stallTimer) is { } stallTimer)
            {
                await stallTimer.DisposeAsync();
            }

            ClientCloseStatus = _client.Socket.CloseStatus;
            RecordCloseStatuses();
            Volatile.Write(ref _finished, 1);
            if (Volatile.Read(ref _ended) is { } ended)
            {
                await ended.CancelAsync();
            }

            _client.Socket.Dispose();
            _backend.Socket.Dispose();
        }
    }

    /// <summary>Closes both legs with the given statuses (drain, idle timeout, token expiry…). Safe to call from any thread, more than once.</summary>
    public void RequestClose(WebSocketCloseStatus clientStatus, string clientReason, WebSocketCloseStatus backendStatus, string backendReason)
    {
        NoteInitiator("proxy");
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return;
        }

        _ = _client.TryCloseOutputAsync(clientStatus, clientReason, _closeTimeout, _timeProvider);
        _ = _backend.TryCloseOutputAsync(backendStatus, backendReason, _closeTimeout, _timeProvider);
    }

    /// <inheritdoc />
    public void CloseClientFirst(WebSocketCloseStatus status, string reason)
    {
        NoteInitiator("proxy");
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            return;
        }

        // The client pump keeps forwarding until the client's close arrives; FinishAsync then passes it to the backend.
        _ = _client.TryCloseOutputAsync(status, reason, _closeTimeout, _timeProvider);
    }

    /// <summary>Aborts both legs at once, without close frames.</summary>
    public void Abort()
    {
        NoteInitiator("proxy");
        Volatile.Write(ref _closing, 1);
        _client.Socket.Abort();
        _backend.Socket.Abort();
    }

    private void OnIdleTimer()
    {
        var idle = _timeProvider.GetElapsedTime(Volatile.Read(ref _lastActivity));
        if (idle >= _route.IdleTimeout)
        {
            Log.IdleTimeout(_logger, Connection.ConnectionId, _route.IdleTimeout);
            RequestClose(WebSocketCloseStatus.EndpointUnavailable, "Idle timeout", WebSocketCloseStatus.EndpointUnavailable, "Idle timeout");
            return;
        }

        Rearm(_idleTimer, _route.IdleTimeout - idle);
    }

    private TimeSpan ExpiryDue()
    {
        var due = _closeAt!.Value - _timeProvider.GetUtcNow(); // only armed when there is an expiry
        return due <= TimeSpan.Zero ? TimeSpan.Zero : (due > MaxTimer ? MaxTimer : due);
    }

    private void OnExpiryTimer()
    {
        var due = ExpiryDue();
        if (due > TimeSpan.Zero)
        {
            Rearm(_expiryTimer, due);
            return;
        }

        Log.TokenExpired(_logger, Connection.ConnectionId, Connection.RouteId);
        RequestClose(WebSocketCloseStatus.PolicyViolation, "authentication expired", WebSocketCloseStatus.EndpointUnavailable, "authentication expired");
    }

    private static void Rearm(ITimer? timer, TimeSpan due)
    {
        try
        {
            timer?.Change(due, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // The session ended meanwhile.
        }
    }

    private void Touch() => Volatile.Write(ref _lastActivity, _timeProvider.GetTimestamp());

    /// <summary>The client broke a frame limit (a fragment or control-frame flood): 1008 to it, 1001 to the backend.</summary>
    private void OnClientViolation(string reason)
    {
        Log.Violation(_logger, Connection.ConnectionId, _client.Name, (int)WebSocketCloseStatus.PolicyViolation, reason);
        RequestClose(WebSocketCloseStatus.PolicyViolation, reason, WebSocketCloseStatus.EndpointUnavailable, "Peer closed");
    }
}
