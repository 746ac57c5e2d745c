using System.Net.WebSockets;
using FluentAssertions;
using Microsoft.Extensions.Time.Testing;
using WebSocketProxy.Model;

namespace WebSocketProxy.Tests.Model;

public sealed class SessionRegistryDrainTests
{
    [Fact]
    public async Task Drain_TakesInASessionRegisteredWhileItRuns_ClosesItClientFirst_AndWaitsForIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var registry = new SessionRegistry();
        var late = new FakeSession(registry);
        var early = new FakeSession(registry);
        early.OnCloseClientFirst = () =>
        {
            late.Register(); // an upgrade admitted just before the drain, registered after it began
            early.End();
        };
        early.Register();

        var drain = registry.DrainAsync(TimeSpan.FromMinutes(1), TimeProvider.System, ct);

        await late.Told.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
        drain.IsCompleted.Should().BeFalse("the late session is still running");
        late.End();
        await drain.WaitAsync(TimeSpan.FromSeconds(10), ct);
        late.Aborted.Should().BeFalse();
        early.ClosesToldFirst.Should().Be(1);
        late.ClosesToldFirst.Should().Be(1);
    }

    [Fact]
    public async Task Drain_AbortsEverySession_LateOnesToo_WhenTheTimeoutPasses()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider();
        var registry = new SessionRegistry();
        var late = new FakeSession(registry);
        var early = new FakeSession(registry) { OnCloseClientFirst = late.Register };
        early.Register();

        var drain = registry.DrainAsync(TimeSpan.FromSeconds(5), time, ct);
        await early.Told.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
        time.Advance(TimeSpan.FromSeconds(6));
        await drain.WaitAsync(TimeSpan.FromSeconds(10), ct);

        early.Aborted.Should().BeTrue();
        late.Aborted.Should().BeTrue();
    }

    private sealed class FakeSession(SessionRegistry registry) : ISessionControl
    {
        private readonly TaskCompletionSource _running = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Action? OnCloseClientFirst { get; set; }

        public TaskCompletionSource Told { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int ClosesToldFirst { get; private set; }

        public bool Aborted { get; private set; }

        public ProxyConnectionContext Connection => throw new NotSupportedException();

        public CancellationToken Ended => CancellationToken.None;

        public void Register() => registry.Add(this, _running.Task);

        public void End()
        {
            registry.Remove(this);
            _running.TrySetResult();
        }

        public void RequestClose(WebSocketCloseStatus clientStatus, string clientReason, WebSocketCloseStatus backendStatus, string backendReason)
            => throw new NotSupportedException("the drain closes the client first");

        public void CloseClientFirst(WebSocketCloseStatus status, string reason)
        {
            status.Should().Be(WebSocketCloseStatus.EndpointUnavailable);
            ClosesToldFirst++;
            Told.TrySetResult();
            OnCloseClientFirst?.Invoke();
        }

        public void Abort() => Aborted = true;

        public SessionSnapshot GetSnapshot() => throw new NotSupportedException();
    }
}
