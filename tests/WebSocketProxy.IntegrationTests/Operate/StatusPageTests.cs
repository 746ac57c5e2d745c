using System.Net.Http.Json;
using System.Text.Json;
using FluentAssertions;
using Microsoft.Playwright;
using WebSocketProxy.IntegrationTests.Infrastructure;
using WebSocketProxy.Testing;
using static Microsoft.Playwright.Assertions;

namespace WebSocketProxy.IntegrationTests.Operate;

/// <summary>
/// The sample's home page in headless Chromium (Debian's <c>chromium</c>, driven by Playwright; no browser is downloaded):
/// a session opened by the test appears on the live status view with its message count.
/// </summary>
public sealed class StatusPageTests
{
    private const string Chromium = "/usr/bin/chromium";
    private const string AdminKey = "e2e-admin-key";

    /// <summary>Set to a file path to keep the page's screenshot there (how docs/status-page.png is made).</summary>
    private const string ScreenshotVariable = "WEBSOCKETPROXY_STATUS_SCREENSHOT";

    [Fact]
    public async Task StatusPage_InHeadlessChromium_ShowsALiveSessionWithItsMessageCount()
    {
        Assert.SkipUnless(File.Exists(Chromium), $"{Chromium} is not installed (Debian package 'chromium'; .ci/run installs it).");
        var ct = Ws.Timeout(120);
        await using var sample = await SampleProcess.StartAsync(ct, $"--Sample:ApiKeys:{AdminKey}=ops", "--Sample:Admins:0=ops");
        try
        {
            await ExerciseAsync(sample, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException("The status page test failed; the sample's output:\n" + sample.Output, ex);
        }
    }

    private static async Task ExerciseAsync(SampleProcess sample, CancellationToken ct)
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1100, Height = 1300 } });
        page.SetDefaultTimeout(30_000);
        await page.GotoAsync(sample.BaseUri.ToString());
        await Expect(page.Locator("#live-status")).ToContainTextAsync("updated");

        using var client = await Ws.ConnectAsync(new Uri($"ws://{sample.BaseUri.Authority}/ws/echo/e2e"), ct);
        for (var i = 0; i < 3; i++)
        {
            await client.SendTextAsync($"message {i}", ct);
            (await client.ReceiveMessageAsync(ct)).Text.Should().Be($"message {i}");
        }

        var id = await FindSessionAsync(sample, ct);
        var row = page.Locator($"#live-sessions tr[data-session-id=\"{id}\"]");
        await Expect(row.Locator("td.c2b-messages")).ToHaveTextAsync("3");
        await Expect(row.Locator("td.b2c-messages")).ToHaveTextAsync("3");
        await Expect(row).ToContainTextAsync("echo");
        await Expect(page.Locator("#live-backends")).ToContainTextAsync("up");
        using (var ended = await Ws.ConnectAsync(new Uri($"ws://{sample.BaseUri.Authority}/ws/echo/ended"), ct))
        {
            await ended.CloseAsync((System.Net.WebSockets.WebSocketCloseStatus)4001, "done", ct);
        }

        await Expect(page.Locator("#live-closes")).ToContainTextAsync("4001");

        // Traffic for the chart: the rate tile and the line follow it.
        using var traffic = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var sending = SendEveryAsync(client, TimeSpan.FromMilliseconds(100), traffic.Token);
        await Expect(page.Locator("#live-rate-in")).Not.ToHaveTextAsync("0");
        var keep = Environment.GetEnvironmentVariable(ScreenshotVariable);
        if (!string.IsNullOrEmpty(keep))
        {
            await page.WaitForTimeoutAsync(15_000); // a quarter of the chart's minute, for the picture only
        }

        var screenshot = await page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true });
        await traffic.CancelAsync();
        await sending;
        screenshot.Should().NotBeEmpty();
        await File.WriteAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "status-page.png"), screenshot, ct);
        if (!string.IsNullOrEmpty(keep))
        {
            await File.WriteAllBytesAsync(keep, screenshot, ct);
        }
    }

    /// <summary>The test's session id, through the admin API (the page shows its own echo session too).</summary>
    private static async Task<string> FindSessionAsync(SampleProcess sample, CancellationToken ct)
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        var sessions = await http.GetFromJsonAsync<JsonElement>(new Uri(sample.BaseUri, "/_proxy/sessions"), ct);
        return sessions.EnumerateArray()
            .Single(s => s.GetProperty("clientToBackend").GetProperty("messages").GetInt64() == 3)
            .GetProperty("id").GetString()!;
    }

    private static async Task SendEveryAsync(System.Net.WebSockets.ClientWebSocket client, TimeSpan period, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(period);
        try
        {
            for (var tick = 0; await timer.WaitForNextTickAsync(cancellationToken); tick++)
            {
                for (var i = 0; i <= tick / 40 % 3; i++) // 10, 20, then 30 messages a second, 4 s each
                {
                    await client.SendTextAsync("tick", cancellationToken);
                    await client.ReceiveMessageAsync(cancellationToken);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Enough traffic.
        }
    }
}
