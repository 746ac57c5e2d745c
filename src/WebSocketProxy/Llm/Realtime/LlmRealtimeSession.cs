using System.Buffers;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Messages;
using WebSocketProxy.Model;

namespace WebSocketProxy.Llm;

/// <summary>
/// One Realtime session: client frames stream to the provider as they come; provider messages go to the client whole,
/// and each <c>response.done</c> charges its usage to the client's budget (closing with 1008 once it is exhausted).
/// Registered in the <see cref="SessionRegistry"/>, so the shutdown drain closes it with 1001 and aborts it past the drain timeout.
/// </summary>
internal sealed partial class LlmRealtimeSession : ISessionControl
{
    private readonly SessionSnapshot _snapshot;
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    private readonly WebSocket _client;
    private readonly WebSocket _upstream;
    private readonly Settings _settings;
    private readonly ILlmBudgetStore _ledger;
    private readonly LlmUsageRecorder _usage;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _ended = new();
    private readonly long _start;
    private volatile bool _clientClosing;
    private int _closeRequested;

    public LlmRealtimeSession(ProxyConnectionContext connection, WebSocket client, WebSocket upstream, Settings settings, ILlmBudgetStore ledger, LlmUsageRecorder usage, TimeProvider time, ILogger logger)
    {
        Connection = connection;
        _snapshot = LlmSessionSnapshot.Create(connection, time);
        _client = client;
        _upstream = upstream;
        _settings = settings;
        _ledger = ledger;
        _usage = usage;
        _time = time;
        _logger = logger;
        _start = time.GetTimestamp();
    }

    public ProxyConnectionContext Connection { get; }

    /// <inheritdoc />
    /// <remarks>LLM sessions report who they are and when they started; their traffic is in the LLM usage records, not here.</remarks>
    public SessionSnapshot GetSnapshot() => _snapshot;

    public CancellationToken Ended => _ended.Token;

    public async Task RunAsync()
    {
        var toUpstream = PumpClientAsync();
        var toClient = PumpUpstreamAsync();
        await Task.WhenAny(toUpstream, toClient);

        // One side closed or failed: the other gets a bounded time to finish its close handshake.
        var both = Task.WhenAll(toUpstream, toClient);
        if (await Task.WhenAny(both, Task.Delay(CloseTimeout, _time)) != both)
        {
            Abort();
        }

        await both;
        Log.Ended(_logger, _settings.RoutePattern, _time.GetElapsedTime(_start));
        await _ended.CancelAsync();
    }

    public void RequestClose(WebSocketCloseStatus clientStatus, string clientReason, WebSocketCloseStatus backendStatus, string backendReason)
        => _ = CloseBothAsync(clientStatus, clientReason);

    /// <summary>The drain: 1001 to the client first; what it still sends reaches the provider, then its close does.</summary>
    public void CloseClientFirst(WebSocketCloseStatus status, string reason)
    {
        // Once: the drain and a session registered while it ran may both ask.
        if (Interlocked.Exchange(ref _closeRequested, 1) != 0)
        {
            return;
        }

        _clientClosing = true;
        _ = CloseClientAsync();

        async Task CloseClientAsync()
        {
            try
            {
                await CloseOutputAsync(_client, status, reason);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or InvalidOperationException)
            {
                Abort();
            }
        }
    }

    public void Abort()
    {
        _client.Abort();
        _upstream.Abort();
    }

    private static async Task CloseOutputAsync(WebSocket socket, WebSocketCloseStatus status, string? reason)
    {
        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            using var timeout = new CancellationTokenSource(CloseTimeout);
            await socket.CloseOutputAsync(status, reason, timeout.Token);
        }
    }

    private async Task CloseBothAsync(WebSocketCloseStatus status, string reason)
    {
        _clientClosing = true;
        try
        {
            await Task.WhenAll(CloseOutputAsync(_client, status, reason), CloseOutputAsync(_upstream, status, reason));
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or InvalidOperationException)
        {
            Abort();
        }
    }

    private async Task PumpClientAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            while (true)
            {
                var result = await _client.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await CloseOutputAsync(_upstream, _client.CloseStatus ?? WebSocketCloseStatus.NormalClosure, _client.CloseStatusDescription);
                    return;
                }

                await _upstream.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            Abort();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task PumpUpstreamAsync()
    {
        using var assembler = new MessageAssembler(_settings.MaxMessageBytes, 16 * 1024);
        try
        {
            while (true)
            {
                var message = await assembler.ReceiveAsync(_upstream, onFrame: null, CancellationToken.None);
                if (message.IsClose)
                {
                    await CloseOutputAsync(_client, _upstream.CloseStatus ?? WebSocketCloseStatus.NormalClosure, _upstream.CloseStatusDescription);
                    return;
                }

                if (message.IsTooBig)
                {
                    await CloseBothAsync(WebSocketCloseStatus.MessageTooBig, "provider message too big");
                    return;
                }

                await TrySendToClientAsync(message);
                if (message.MessageType == WebSocketMessageType.Text && LlmRealtimeUsage.Read(message.Payload.Span) is { } done && await ChargeAsync(done.Usage, done.Status))
                {
                    Log.BudgetExhausted(_logger, _settings.RoutePattern);
                    await CloseBothAsync(WebSocketCloseStatus.PolicyViolation, "budget exhausted");
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            Abort();
        }
    }

    /// <summary>Sends a provider message to the client; once the client is being closed, messages are dropped instead.</summary>
    /// <remarks>A dropped <c>response.done</c> is still charged: the provider did the work.</remarks>
    private async ValueTask TrySendToClientAsync(AssembledMessage message)
    {
        if (_clientClosing)
        {
            return;
        }

        try
        {
            await _client.SendAsync(message.Payload, message.MessageType, endOfMessage: true, CancellationToken.None);
        }
        catch (Exception ex) when (_clientClosing && ex is WebSocketException or InvalidOperationException or IOException)
        {
        }
    }

    /// <summary>Charges one response's usage and records it; returns whether the budget is now exhausted.</summary>
    private async ValueTask<bool> ChargeAsync(LlmUsage usage, string status)
    {
        var model = _settings.Target.Model;
        var cost = LlmUsageRecorder.Cost(_settings.Options, model, usage);
        var exhausted = await _ledger.ChargeAsync(_settings.User, _settings.Budgets, usage.TotalTokens ?? 0, cost ?? 0, CancellationToken.None);
        var outcome = status == "completed" ? "completed" : status == "cancelled" ? "cancelled" : LlmErrorCodes.UpstreamError;
        await _usage.RecordAsync(_settings.RoutePattern, _settings.User, _settings.Options, _settings.Route, _settings.Target.ProviderName, model, outcome, usage, cost, _time.GetElapsedTime(_start), null);
        return exhausted;
    }

    /// <summary>What a Realtime session reads once when it opens.</summary>
    internal sealed record Settings(LlmOptions Options, LlmRouteConfig Route, string RoutePattern, string User, LlmBudgetConfig Budgets, LlmTarget Target, int MaxMessageBytes);

    private static partial class Log
    {
        [LoggerMessage(EventId = EventIds.LlmRealtimeBudgetExhausted, EventName = nameof(EventIds.LlmRealtimeBudgetExhausted), Level = LogLevel.Information, Message = "Realtime session on {Route} closed: the client's budget is exhausted.")]
        public static partial void BudgetExhausted(ILogger logger, string route);

        [LoggerMessage(EventId = EventIds.LlmRealtimeEnded, EventName = nameof(EventIds.LlmRealtimeEnded), Level = LogLevel.Debug, Message = "Realtime session on {Route} ended after {Duration}.")]
        public static partial void Ended(ILogger logger, string route, TimeSpan duration);
    }
}
