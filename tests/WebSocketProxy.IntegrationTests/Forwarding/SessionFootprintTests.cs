using System.Runtime.CompilerServices;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Forwarding;

/// <summary>What a running session keeps alive of its set-up, and how the set-up's deadline still bounds every step.</summary>
public sealed class SessionFootprintTests
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(7.25); // a due time nothing else uses

    [Fact]
    public async Task RunningSession_DoesNotKeepTheBackendHandshakeDeadlineAlive()
    {
        var ct = Ws.Timeout();
        var time = new RecordingTimeProvider();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(
            backend.WsUri(),
            cluster: c => c with { ConnectTimeout = ConnectTimeout },
            services: s => s.AddSingleton<TimeProvider>(time));

        using var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct);
        await client.SendTextAsync("round trip", ct);
        (await client.ReceiveMessageAsync(ct)).Text.Should().Be("round trip");

        // The handshake's read waited for the backend's answer; a socket keeps its last waiting receive's registration for
        // as long as it lives, so a token passed to that read kept the deadline's token source (and its timer) for the session.
        var deadlines = time.StatesDue(ConnectTimeout);
        deadlines.Should().ContainSingle("one backend handshake ran");
        Collect();
        deadlines.Single().TryGetTarget(out _).Should().BeFalse("the session must not keep the handshake's deadline alive");
    }

    [Fact]
    public async Task Connect_SecureBackendNeverAnswersTls_Returns504AfterConnectTimeout()
    {
        var ct = Ws.Timeout();
        using var silent = new SilentListener(); // no answer to the ClientHello

        await using var gateway = await TestGateway.StartAsync(new Uri($"wss://127.0.0.1:{silent.Port}/ws"), cluster: c => c with { ConnectTimeout = TimeSpan.FromMilliseconds(300) });
        var (status, _) = await Ws.TryConnectAsync(gateway.Ws("/ws"), ct);

        status.Should().Be(504);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    /// <summary>The system clock, noting weakly the state of every timer created with each due time.</summary>
    private sealed class RecordingTimeProvider : TimeProvider
    {
        private readonly Lock _gate = new();
        private readonly List<(TimeSpan Due, WeakReference<object> State)> _timers = [];

        public List<WeakReference<object>> StatesDue(TimeSpan due)
        {
            lock (_gate)
            {
                return _timers.Where(t => t.Due == due).Select(t => t.State).ToList();
            }
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (state is not null)
            {
                lock (_gate)
                {
                    _timers.Add((dueTime, new WeakReference<object>(state)));
                }
            }

            return System.CreateTimer(callback, state, dueTime, period);
        }
    }
}
