using WebSocketProxy.Testing;
using System.Net.WebSockets;
using System.Text.Json;
using FluentAssertions;
using WebSocketProxy.IntegrationTests.Infrastructure;

namespace WebSocketProxy.IntegrationTests.Hardening;

/// <summary>
/// Issue 10, items 5 and 6: what a newcomer runs first. The README's test command passes on a fresh clone (the Node
/// interop packages are restored on demand), and the sample starts from any folder, twice at once.
/// </summary>
[Trait("Issue", "10")]
public sealed class NewcomerHardeningTests
{
    /// <summary>
    /// Item 5. A checkout with no <c>node_modules</c> (a copy of tests/interop's package files in an empty folder) gets the
    /// <c>ws</c> package from the test fixture, within its time bound, at the lock file's version.
    /// </summary>
    [Fact]
    public async Task Item5_InteropFolderWithoutNodeModules_FixtureRestoresLockedPackage()
    {
        var ct = Ws.Timeout(240);
        Assert.SkipUnless(InteropPackages.IsOnPath("npm"), "npm is not installed.");
        var fresh = Directory.CreateTempSubdirectory("wsp-interop-fresh-").FullName;
        try
        {
            File.Copy(Path.Combine(InteropPackages.Directory, "package.json"), Path.Combine(fresh, "package.json"));
            File.Copy(Path.Combine(InteropPackages.Directory, "package-lock.json"), Path.Combine(fresh, "package-lock.json"));

            var install = await InteropPackages.EnsureInstalledAsync(fresh, "ws", TimeSpan.FromMinutes(3), ct);

            install.Installed.Should().BeTrue(install.Detail);
            using var lockFile = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(fresh, "package-lock.json"), ct));
            using var installed = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(fresh, "node_modules", "ws", "package.json"), ct));
            installed.RootElement.GetProperty("version").GetString()
                .Should().Be(lockFile.RootElement.GetProperty("packages").GetProperty("node_modules/ws").GetProperty("version").GetString(), "npm ci installs the locked version");
            (await InteropPackages.EnsureInstalledAsync(fresh, "ws", TimeSpan.FromMinutes(3), ct)).Detail.Should().Be("already installed", "a restored folder is not restored again");
        }
        finally
        {
            Directory.Delete(fresh, recursive: true);
        }
    }

    /// <summary>
    /// Item 6. <c>cd /tmp &amp;&amp; dotnet /path/WebSocketProxy.Sample.dll</c>: the sample finds its appsettings.json and page in its
    /// own folder (content root = the app's folder), and its embedded echo backend takes a free port, so two instances run at once.
    /// </summary>
    [Fact]
    public async Task Item6_SampleStartedTwiceFromAnotherFolder_BothServePageAndEcho()
    {
        var ct = Ws.Timeout(90);
        var elsewhere = Directory.CreateTempSubdirectory("wsp-sample-cwd-").FullName;
        try
        {
            var starting = new[] { SampleProcess.StartInAsync(elsewhere, ct), SampleProcess.StartInAsync(elsewhere, ct) };
            SampleProcess[] samples;
            try
            {
                samples = await Task.WhenAll(starting);
            }
            catch (Exception ex)
            {
                foreach (var task in starting)
                {
                    if (task.IsCompletedSuccessfully)
                    {
                        await (await task).DisposeAsync();
                    }
                }

                throw new InvalidOperationException("The sample did not start from " + elsewhere + ": " + ex.Message, ex);
            }

            try
            {
                samples[0].BaseUri.Should().NotBe(samples[1].BaseUri);
                foreach (var sample in samples)
                {
                    await ExerciseAsync(sample, ct);
                }
            }
            finally
            {
                foreach (var sample in samples)
                {
                    await sample.DisposeAsync();
                }
            }
        }
        finally
        {
            Directory.Delete(elsewhere, recursive: true);
        }
    }

    private static async Task ExerciseAsync(SampleProcess sample, CancellationToken ct)
    {
        try
        {
            using var http = new HttpClient();
            (await http.GetStringAsync(new Uri(sample.BaseUri, "/"), ct)).Should().Contain("/ws/echo", "the page at / comes from the app's own wwwroot");
            using var echo = await Ws.ConnectAsync(new Uri($"ws://{sample.BaseUri.Authority}/ws/echo"), ct);
            await echo.SendTextAsync("hello from elsewhere", ct);
            (await echo.ReceiveMessageAsync(ct)).Text.Should().Be("hello from elsewhere");
            await echo.CloseAsync(WebSocketCloseStatus.NormalClosure, null, ct);
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException("The sample at " + sample.BaseUri + " failed; its output:\n" + sample.Output, ex);
        }
    }
}
