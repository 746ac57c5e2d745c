using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using WebSocketProxy.Configuration;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Messages;
using WebSocketProxy.Tests.Transformers;
using WebSocketProxy.Transformers;

namespace WebSocketProxy.Tests.Messages;

public sealed class MessageAuditTests
{
    private static MessageAuditRecord Record(string payload, string? user = "ada") => new()
    {
        Timestamp = new DateTimeOffset(2025, 5, 6, 7, 8, 9, TimeSpan.Zero),
        ConnectionId = "c-1",
        RouteId = "r",
        User = user,
        Direction = MessageDirection.BackendToClient,
        MessageType = WebSocketMessageType.Text,
        Size = 99,
        Payload = payload,
        Truncated = true,
    };

    [Fact]
    public async Task JsonLinesSink_AppendsOneObjectPerLine()
    {
        var ct = PipelineHarness.Timeout();
        var path = Path.Combine(Path.GetTempPath(), "wsp-audit-" + Guid.NewGuid().ToString("N"), "audit.jsonl");
        try
        {
            await using (var sink = new JsonLinesMessageAuditSink(path))
            {
                await sink.WriteAsync([Record("a\nb"), Record("{\"x\":1}", user: null)], ct);
                await sink.WriteAsync([Record("third")], ct);
            }

            var lines = await File.ReadAllLinesAsync(path, ct);
            lines.Should().HaveCount(3);
            var first = JsonDocument.Parse(lines[0]).RootElement;
            first.GetProperty("timestamp").GetDateTimeOffset().Should().Be(new DateTimeOffset(2025, 5, 6, 7, 8, 9, TimeSpan.Zero));
            first.GetProperty("connectionId").GetString().Should().Be("c-1");
            first.GetProperty("route").GetString().Should().Be("r");
            first.GetProperty("user").GetString().Should().Be("ada");
            first.GetProperty("direction").GetString().Should().Be("backend_to_client");
            first.GetProperty("messageType").GetString().Should().Be("text");
            first.GetProperty("size").GetInt32().Should().Be(99);
            first.GetProperty("truncated").GetBoolean().Should().BeTrue();
            first.GetProperty("payload").GetString().Should().Be("a\nb");
            JsonDocument.Parse(lines[1]).RootElement.GetProperty("user").ValueKind.Should().Be(JsonValueKind.Null);
            JsonDocument.Parse(lines[2]).RootElement.GetProperty("payload").GetString().Should().Be("third");
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Fact]
    public async Task NoSinkRegistered_RecordsAreLoggedUnderTheirOwnCategory()
    {
        var ct = PipelineHarness.Timeout();
        var arrived = new CategorySignal("WebSocketProxy.MessageAudit");
        await using var harness = PipelineHarness.Start(
            new RouteConfig { ClientToBackendTransformers = [MessageTransformerNames.MessageAudit] },
            b => b.Services.AddSingleton<ILoggerProvider>(arrived));

        await harness.Client.SendTextAsync("hello audit", ct);
        (await harness.Backend.ReceiveTextAsync(ct)).Should().Be("hello audit");
        await arrived.Logged.Task.WaitAsync(ct);

        var audited = harness.Logs.GetSnapshot().Single(r => r.Category == "WebSocketProxy.MessageAudit");
        audited.Level.Should().Be(LogLevel.Information);
        audited.Id.Name.Should().Be("MessageAudited");
        audited.Message.Should().Contain("hello audit").And.Contain("conn-1");
        audited.StructuredState!.Should().Contain(new KeyValuePair<string, string?>("Route", "r"));
    }

    [Fact]
    public async Task SampleRate_RecordsAboutThatShare()
    {
        var services = new ServiceCollection().AddLogging();
        var sink = new BuiltInTransformerTests.CapturingAuditSink();
        services.AddSingleton<IMessageAuditSink>(sink);
        services.AddWebSocketProxy();
        await using var provider = services.BuildServiceProvider();
        var settings = new MessageTransformerSettings("r", "MessageAudit", "k", new Dictionary<string, string> { ["SampleRate"] = "0.25", ["MaxPayloadBytes"] = "0" });
        var audit = MessageAuditTransformer.Create(settings, provider.GetRequiredService<MessageAuditQueue>(), TimeProvider.System);
        var context = JsonRedactorTests.Context();
        context.Payload = "x"u8.ToArray();

        var recorded = 0;
        for (var i = 0; i < 4000; i++)
        {
            (await audit.TransformAsync(context, CancellationToken.None)).Action.Should().Be(MessageTransformAction.Forward);
        }

        await provider.GetRequiredService<MessageAuditQueue>().StopAsync(PipelineHarness.Timeout());
        recorded = (await sink.WaitForAsync(0, CancellationToken.None)).Count;
        recorded.Should().BeInRange(700, 1300, "a quarter of 4000, give or take a lot (the chance of missing this is far below 1e-9)");
        (await sink.WaitForAsync(0, CancellationToken.None)).Should().OnlyContain(r => r.Payload.Length == 0 && r.Size == 1);
    }

    [Fact]
    public async Task FullQueue_DropsAndCounts_NeverBlocks()
    {
        var services = new ServiceCollection().AddLogging();
        var gate = new BlockingSink();
        services.AddSingleton<IMessageAuditSink>(gate);
        services.AddWebSocketProxy();
        await using var provider = services.BuildServiceProvider();
        var queue = provider.GetRequiredService<MessageAuditQueue>();

        var accepted = 0;
        for (var i = 0; i < MessageAuditQueue.Capacity + 1000; i++)
        {
            accepted += queue.TryWrite(Record("x")) ? 1 : 0;
        }

        accepted.Should().BeLessThan(MessageAuditQueue.Capacity + 1000).And.BeGreaterThanOrEqualTo(MessageAuditQueue.Capacity);
        gate.Release.SetResult();
        await queue.StopAsync(PipelineHarness.Timeout());
        gate.Written.Should().Be(accepted);
    }

    /// <summary>Completes <see cref="Logged"/> when something is logged under a category.</summary>
    private sealed class CategorySignal(string category) : ILoggerProvider, ILogger
    {
        public TaskCompletionSource Logged { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ILogger CreateLogger(string categoryName) => categoryName == category ? this : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) => Logged.TrySetResult();

        public void Dispose()
        {
        }
    }

    private sealed class BlockingSink : IMessageAuditSink
    {
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Written { get; private set; }

        public async ValueTask WriteAsync(IReadOnlyList<MessageAuditRecord> records, CancellationToken cancellationToken)
        {
            await Release.Task.WaitAsync(cancellationToken);
            Written += records.Count;
        }
    }
}
