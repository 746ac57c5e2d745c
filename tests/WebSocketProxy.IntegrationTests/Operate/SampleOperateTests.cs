using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using FluentAssertions;
using WebSocketProxy.IntegrationTests.Infrastructure;
using WebSocketProxy.Testing;

namespace WebSocketProxy.IntegrationTests.Operate;

/// <summary>The sample as an operator meets it: Prometheus at /metrics, the protected admin API, OpenAPI, the probes.</summary>
public sealed class SampleOperateTests
{
    private const string AdminKey = "sample-admin-key";
    private const string UserKey = "sample-user-key";

    [Fact]
    public async Task Sample_MetricsAdminApiOpenApiAndProbes()
    {
        var ct = Ws.Timeout(90);
        await using var sample = await SampleProcess.StartAsync(ct, $"--Sample:ApiKeys:{AdminKey}=ops", $"--Sample:ApiKeys:{UserKey}=alice", "--Sample:Admins:0=ops");
        try
        {
            await ExerciseAsync(sample, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException("The sample failed; its output:\n" + sample.Output, ex);
        }
    }

    private static async Task ExerciseAsync(SampleProcess sample, CancellationToken ct)
    {
        using var anonymous = new HttpClient();
        using var user = new HttpClient();
        user.DefaultRequestHeaders.Add("X-Api-Key", UserKey);
        using var admin = new HttpClient();
        admin.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);

        using (var client = await Ws.ConnectAsync(new Uri($"ws://{sample.BaseUri.Authority}/ws/echo"), ct))
        {
            await client.SendTextAsync("scraped", ct);
            await client.ReceiveMessageAsync(ct);
            (await admin.GetFromJsonAsync<JsonElement>(new Uri(sample.BaseUri, "/_proxy/sessions"), ct)).GetArrayLength().Should().Be(1);
            await client.CloseAsync(WebSocketCloseStatus.NormalClosure, null, ct);
        }

        (await anonymous.GetAsync(new Uri(sample.BaseUri, "/_proxy/sessions"), ct)).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await user.GetAsync(new Uri(sample.BaseUri, "/_proxy/sessions"), ct)).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await admin.GetAsync(new Uri(sample.BaseUri, "/_proxy/clusters"), ct)).StatusCode.Should().Be(HttpStatusCode.OK);

        var metrics = string.Empty;
        await AdminGateway.WaitUntilAsync(
            async () => (metrics = await anonymous.GetStringAsync(new Uri(sample.BaseUri, "/metrics"), ct)).Contains("websocket_proxy_closes_total", StringComparison.Ordinal),
            ct);
        metrics.Should().Contain("websocket_proxy_messages_total{otel_scope_name=\"WebSocketProxy\",direction=\"client_to_backend\",message_type=\"text\",route=\"echo\"} 1");
        metrics.Should().Contain("websocket_proxy_backend_health{otel_scope_name=\"WebSocketProxy\",backend=\"main\",cluster=\"echo\"} 1");
        metrics.Should().Contain("websocket_proxy_connection_duration_seconds_count");

        var openApi = await anonymous.GetFromJsonAsync<JsonElement>(new Uri(sample.BaseUri, "/openapi/v1.json"), ct);
        openApi.GetProperty("paths").TryGetProperty("/_proxy/sessions/{id}/close", out _).Should().BeTrue();
        (await anonymous.GetAsync(new Uri(sample.BaseUri, "/healthz"), ct)).StatusCode.Should().Be(HttpStatusCode.OK);
        (await anonymous.GetAsync(new Uri(sample.BaseUri, "/readyz"), ct)).StatusCode.Should().Be(HttpStatusCode.OK);
        using var feed = await Ws.ConnectAsync(new Uri($"ws://{sample.BaseUri.Authority}/status/live"), ct);
        var report = JsonDocument.Parse((await feed.ReceiveMessageAsync(ct)).Data).RootElement;
        report.GetProperty("clusters")[0].GetProperty("id").GetString().Should().Be("echo");
    }
}
