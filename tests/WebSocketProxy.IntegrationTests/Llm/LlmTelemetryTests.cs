using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using WebSocketProxy.Diagnostics;
using WebSocketProxy.Testing;
using static WebSocketProxy.IntegrationTests.Llm.LlmTestClient;

namespace WebSocketProxy.IntegrationTests.Llm;

/// <summary>OpenTelemetry GenAI conventions: one span per provider call, token usage, duration and time to first chunk.</summary>
public sealed class LlmTelemetryTests
{
    [Fact]
    public async Task FallbackThenSuccess_OneSpanPerAttempt_GenAiHistograms()
    {
        var ct = Ws.Timeout();
        await using var broken = await LoopbackUpstream.StartAsync(context =>
        {
            context.Response.StatusCode = 500;
            return Task.CompletedTask;
        });
        await using var healthy = await LoopbackUpstream.StartAsync(LoopbackUpstream.ReplayFixture("openai-chat-stream.sse"));
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == WebSocketProxyDiagnostics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.OperationName.StartsWith("chat ", StringComparison.Ordinal))
                {
                    spans.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        await using var gateway = await StartGatewayAsync(
            o =>
            {
                AddProvider(o, "primary", broken.BaseUrl + "/v1", models: "gpt-4o-mini");
                AddProvider(o, "backup", healthy.BaseUrl + "/v1", models: "gpt-4o-mini");
            },
            route => route.UseProviders("primary", "backup"));
        var meters = gateway.Services.GetRequiredService<IMeterFactory>();
        using var tokens = new MetricCollector<long>(meters, WebSocketProxyDiagnostics.MeterName, "gen_ai.client.token.usage");
        using var duration = new MetricCollector<double>(meters, WebSocketProxyDiagnostics.MeterName, "gen_ai.client.operation.duration");
        using var firstChunk = new MetricCollector<double>(meters, WebSocketProxyDiagnostics.MeterName, "gen_ai.client.operation.time_to_first_chunk");
        using var client = await ConnectAsync(gateway, ct);

        await client.SendAsync(Request("r1", "gpt-4o-mini"), ct);
        await client.ReceiveUntilTerminalAsync(ct);
        int[] ports = [new Uri(broken.BaseUrl).Port, new Uri(healthy.BaseUrl).Port];
        List<Activity> Ours() => [.. spans.Where(s => s.GetTagItem("server.port") is int port && ports.Contains(port))];
        await LlmSecurityTests.WaitUntilAsync(() => Ours().Count >= 2 && duration.GetMeasurementSnapshot().Count >= 2, ct);

        // The listener is process-wide: other tests' spans are told apart by the upstream ports.
        var ours = Ours();
        ours.Should().HaveCount(2, "one span per provider call");
        ours[0].GetTagItem("error.type").Should().Be("upstream_error");
        ours[0].Status.Should().Be(ActivityStatusCode.Error);
        ours[1].GetTagItem("gen_ai.operation.name").Should().Be("chat");
        ours[1].GetTagItem("gen_ai.provider.name").Should().Be("openai");
        ours[1].GetTagItem("gen_ai.usage.input_tokens").Should().Be(10);
        ours[1].GetTagItem("gen_ai.usage.output_tokens").Should().Be(5);
        ours[1].GetTagItem("gen_ai.response.finish_reasons").Should().BeEquivalentTo(new[] { "stop" });
        ours[1].Kind.Should().Be(ActivityKind.Client);

        var usage = tokens.GetMeasurementSnapshot();
        usage.Should().Contain(m => (string?)m.Tags["gen_ai.token.type"] == "input" && m.Value == 10);
        usage.Should().Contain(m => (string?)m.Tags["gen_ai.token.type"] == "output" && m.Value == 5);
        usage.Should().OnlyContain(m => (string?)m.Tags["gen_ai.request.model"] == "gpt-4o-mini");
        duration.GetMeasurementSnapshot().Should().HaveCount(2);
        duration.GetMeasurementSnapshot().Should().ContainSingle(m => m.Tags.ContainsKey("error.type") && (string?)m.Tags["error.type"] == "upstream_error");
        firstChunk.GetMeasurementSnapshot().Should().ContainSingle().Which.Value.Should().BePositive();
    }
}
