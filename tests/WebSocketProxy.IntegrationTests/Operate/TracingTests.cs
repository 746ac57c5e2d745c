using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Net.WebSockets;
using FluentAssertions;
using OpenTelemetry;
using OpenTelemetry.Trace;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Operate;

/// <summary>Traces through OpenTelemetry's in-memory exporter: one activity per session, a child per backend connect, W3C context to the backend.</summary>
public sealed class TracingTests
{
    [Fact]
    public async Task Session_OneActivityWithConnectChild_TraceContextReachesBackend()
    {
        var ct = Ws.Timeout();
        var traceId = ActivityTraceId.CreateRandom();
        var clientSpan = ActivitySpanId.CreateRandom();
        var exported = new LockedActivities();
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(WebSocketProxyDiagnostics.ActivitySourceName)
            .AddInMemoryExporter(exported)
            .Build();
        await using var backend = await TestBackend.StartEchoAsync();
        await using var gateway = await TestGateway.StartAsync(backend.WsUri());

        using (var client = await Ws.ConnectAsync(gateway.Ws("/ws"), ct, o =>
        {
            o.SetRequestHeader("traceparent", $"00-{traceId}-{clientSpan}-01");
            o.SetRequestHeader("tracestate", "vendor=opaque");
        }))
        {
            await client.SendTextAsync("traced", ct);
            await client.ReceiveMessageAsync(ct);
            await client.SendAsync(new byte[10], WebSocketMessageType.Binary, true, ct);
            await client.ReceiveMessageAsync(ct);
            await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", ct);
        }

        await AdminGateway.WaitUntilAsync(() => Task.FromResult(exported.Of(traceId).Any(a => a.OperationName == "websocket_proxy.connection")), ct);
        var ours = exported.Of(traceId);
        var session = ours.Should().ContainSingle(a => a.OperationName == "websocket_proxy.connection").Subject;
        var connect = ours.Should().ContainSingle(a => a.OperationName == "websocket_proxy.backend.connect").Subject;

        connect.ParentSpanId.Should().Be(session.SpanId, "the backend connect is a child of the session");
        connect.Kind.Should().Be(ActivityKind.Client);
        connect.GetTagItem("websocket_proxy.backend").Should().Be("b1");
        connect.GetTagItem("websocket_proxy.outcome").Should().Be("success");
        session.GetTagItem("websocket_proxy.route").Should().Be("r");
        session.GetTagItem("websocket_proxy.cluster").Should().Be("c");
        session.GetTagItem("websocket_proxy.backend").Should().Be("b1");
        session.GetTagItem("websocket_proxy.client.close_status").Should().Be(1000);
        session.GetTagItem("websocket_proxy.backend.close_status").Should().Be(1000);
        session.GetTagItem("websocket_proxy.close_initiator").Should().Be("client");
        session.GetTagItem("websocket_proxy.client_to_backend.messages").Should().Be(2L);
        session.GetTagItem("websocket_proxy.client_to_backend.bytes").Should().Be(16L);
        session.GetTagItem("websocket_proxy.backend_to_client.messages").Should().Be(2L);
        session.GetTagItem("websocket_proxy.backend_to_client.bytes").Should().Be(16L);
        session.TraceStateString.Should().Be("vendor=opaque");

        var handshake = backend.Handshakes.Single().Headers;
        handshake["traceparent"].Should().Be($"00-{traceId}-{connect.SpanId}-01", "the backend's parent is the connect activity");
        handshake["tracestate"].Should().Be("vendor=opaque");
    }

    [Fact]
    public async Task RefusedHandshake_ActivityMarkedAsError()
    {
        var ct = Ws.Timeout();
        var traceId = ActivityTraceId.CreateRandom();
        var exported = new LockedActivities();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(WebSocketProxyDiagnostics.ActivitySourceName).AddInMemoryExporter(exported).Build();
        await using var backend = await TestBackend.StartAsync(BackendHandlers.Refuse(403));
        await using var gateway = await TestGateway.StartAsync(backend.WsUri());

        var (status, _) = await Ws.TryConnectAsync(gateway.Ws("/ws"), ct, o => o.SetRequestHeader("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01"));

        status.Should().Be(403);
        await AdminGateway.WaitUntilAsync(() => Task.FromResult(exported.Of(traceId).Any(a => a.OperationName == "websocket_proxy.connection")), ct);
        var session = exported.Of(traceId).Single(a => a.OperationName == "websocket_proxy.connection");
        var connect = exported.Of(traceId).Single(a => a.OperationName == "websocket_proxy.backend.connect");
        session.Status.Should().Be(ActivityStatusCode.Error);
        session.GetTagItem("error.type").Should().Be("backend_refused");
        connect.Status.Should().Be(ActivityStatusCode.Error);
        connect.GetTagItem("http.response.status_code").Should().Be(403);
    }

    /// <summary>The exporter's collection, safe to read while other tests' activities are added.</summary>
    private sealed class LockedActivities : Collection<Activity>
    {
        private readonly Lock _lock = new();

        public List<Activity> Of(ActivityTraceId traceId)
        {
            lock (_lock)
            {
                return this.Where(a => a.TraceId == traceId).ToList();
            }
        }

        protected override void InsertItem(int index, Activity item)
        {
            lock (_lock)
            {
                base.InsertItem(index, item);
            }
        }
    }
}
