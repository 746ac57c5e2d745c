using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using WebSocketProxy.DeployTests.Infrastructure;

namespace WebSocketProxy.DeployTests.RollingUpdate;

/// <summary>
/// One client session with steady traffic: a message every interval (numbered), echoes checked in order, and the
/// close the gateway sends, answered. Times are <see cref="Stopwatch"/> timestamps.
/// </summary>
internal sealed class LiveSession
{
    private readonly List<long> _sentAt = [];
    private readonly CancellationTokenSource _stopSending = new();
    private readonly TimeSpan _interval;
    private ClientWebSocket? _socket;
    private Task _sending = Task.CompletedTask;

    public LiveSession(string id, TimeSpan interval)
    {
        Id = id;
        _interval = interval;
    }

    public string Id { get; }

    public int Echoed { get; private set; }

    public int Sent
    {
        get
        {
            lock (_sentAt)
            {
                return _sentAt.Count;
            }
        }
    }

    public bool OutOfOrder { get; private set; }

    public long LastEchoAt { get; private set; }

    public long CloseAt { get; private set; }

    public WebSocketCloseStatus? CloseStatus { get; private set; }

    public Exception? Error { get; private set; }

    /// <summary>Completes once three echoes came back.</summary>
    public TaskCompletionSource Warm { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Finished { get; private set; } = Task.CompletedTask;

    /// <summary>How many messages were sent before <paramref name="timestamp"/>.</summary>
    public int SentBefore(long timestamp)
    {
        lock (_sentAt)
        {
            return _sentAt.Count(t => t < timestamp);
        }
    }

    public async Task ConnectAsync(Uri gateway, CancellationToken cancellationToken)
    {
        _socket = await Ws.ConnectAsync(new Uri(gateway, $"?id={Id}"), cancellationToken);
    }

    public void Start(CancellationToken cancellationToken)
    {
        _sending = SendAsync(cancellationToken);
        Finished = ReceiveAsync(cancellationToken);
    }

    public void Abort() => _socket?.Abort();

    private async Task SendAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopSending.Token);
        try
        {
            for (var sequence = 0; ; sequence++)
            {
                lock (_sentAt)
                {
                    _sentAt.Add(Stopwatch.GetTimestamp());
                }

                // Not the stop token: cancelling a pending send aborts the WebSocket, and the close must still be answered.
                await _socket!.SendTextAsync(sequence.ToString(CultureInfo.InvariantCulture), cancellationToken);
                await Task.Delay(_interval, linked.Token);
            }
        }
        catch (OperationCanceledException) when (_stopSending.IsCancellationRequested)
        {
            // The close arrived: this client stops sending, as a real one does.
        }
        catch (WebSocketException) when (_stopSending.IsCancellationRequested)
        {
            // A send that raced with the close.
        }
    }

    private async Task ReceiveAsync(CancellationToken cancellationToken)
    {
        var socket = _socket ?? throw new InvalidOperationException("Connect first.");
        try
        {
            while (true)
            {
                var text = await socket.ReceiveTextAsync(cancellationToken);
                if (text is null)
                {
                    CloseAt = Stopwatch.GetTimestamp();
                    CloseStatus = socket.CloseStatus;
                    await _stopSending.CancelAsync();
                    await _sending;
                    await socket.CloseOutputAsync(socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure, "bye", cancellationToken);
                    return;
                }

                if (int.Parse(text, CultureInfo.InvariantCulture) != Echoed)
                {
                    OutOfOrder = true;
                }

                Echoed++;
                LastEchoAt = Stopwatch.GetTimestamp();
                if (Echoed == 3)
                {
                    Warm.TrySetResult();
                }
            }
        }
        catch (Exception ex)
        {
            Error = ex;
            Warm.TrySetException(ex);
            await _stopSending.CancelAsync();
        }
    }
}
