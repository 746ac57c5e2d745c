using System.Text.Json;
using System.Text.RegularExpressions;
using FluentAssertions;
using WebSocketProxy.DeployTests.Infrastructure;

namespace WebSocketProxy.DeployTests.Docker;

/// <summary>deploy/Dockerfile: linted, and the image rules the deployment relies on, checked instruction by instruction.</summary>
public sealed partial class DockerfileTests
{
    private readonly Dockerfile _dockerfile = Dockerfile.Load(RepositoryPaths.Dockerfile);

    [Fact]
    public async Task Dockerfilelint_ReportsNoIssue()
    {
        DeployTools.Require();
        var ct = Bounded.Timeout(60);

        var result = await DeployTools.NodeAsync(ct, "node_modules/dockerfilelint/bin/dockerfilelint", "-o", "json", RepositoryPaths.Dockerfile);

        using var report = JsonDocument.Parse(result.Output);
        report.RootElement.GetProperty("totalIssues").GetInt32().Should().Be(0, result.Output);
        result.ExitCode.Should().Be(0, result.All);
    }

    [Fact]
    public void Stages_SdkBuildThenAspNetRuntime_BaseImagesNamedByTag()
    {
        var from = _dockerfile.All("FROM").ToList();

        from.Should().HaveCountGreaterThanOrEqualTo(2, "a multi-stage build keeps the SDK out of the image");
        from[0].Arguments.Should().MatchRegex(@"^\S+/dotnet/sdk:\S+ AS build$");
        from[^1].Arguments.Should().MatchRegex(@"^\S+/dotnet/aspnet:\S+ AS runtime$");
        foreach (var instruction in from)
        {
            var image = instruction.Arguments.Split(' ')[0];
            var tag = ImageTagRegex().Match(image);
            tag.Success.Should().BeTrue($"line {instruction.Line}: '{image}' must name a tag");
            tag.Groups["tag"].Value.Should().NotBe("latest", $"line {instruction.Line}");
        }

        _dockerfile.InStage(_dockerfile.StageCount - 1).Should().Contain(i => i.Keyword == "COPY" && i.Arguments.StartsWith("--from=build /app/publish", StringComparison.Ordinal));
    }

    [Fact]
    public void RuntimeStage_NonRootUser_EntryCommand_StopSignal_HealthCheck()
    {
        var runtime = _dockerfile.InStage(_dockerfile.StageCount - 1).ToList();

        var user = runtime.Where(i => i.Keyword == "USER").Should().ContainSingle().Subject;
        int.TryParse(user.Arguments.Split(':')[0], out var uid).Should().BeTrue("a numeric user lets Kubernetes check runAsNonRoot");
        uid.Should().BeGreaterThan(0);
        runtime.IndexOf(user).Should().BeGreaterThan(runtime.FindLastIndex(i => i.Keyword is "RUN" or "COPY"), "nothing runs as root after USER");

        runtime.Single(i => i.Keyword == "WORKDIR").Arguments.Should().Be("/app");
        runtime.Single(i => i.Keyword == "ENTRYPOINT").Arguments.Should().Be("""["dotnet", "WebSocketProxy.Gateway.dll"]""");
        runtime.Should().NotContain(i => i.Keyword == "CMD");
        runtime.Single(i => i.Keyword == "STOPSIGNAL").Arguments.Should().Be("SIGTERM", "the gateway drains on SIGTERM");
        runtime.Single(i => i.Keyword == "HEALTHCHECK").Arguments.Should().EndWith("""CMD ["dotnet", "WebSocketProxy.Gateway.dll", "--health-check"]""");
        runtime.Should().NotContain(i => i.Keyword == "VOLUME", "a VOLUME would be a writable path outside /tmp");

        var environment = _dockerfile.FinalEnvironment();
        environment["TMPDIR"].Should().Be("/tmp", "the only writable path with a read-only root filesystem");
        environment["ASPNETCORE_HTTP_PORTS"].Should().Be(runtime.Single(i => i.Keyword == "EXPOSE").Arguments);
        environment["Gateway__ConfigFiles"].Should().Be("/config/appsettings.json");
        environment.Keys.Should().NotContain(["WebSocketProxy__DrainTimeout", "Gateway__ShutdownDelay"], "an image ENV would silently win over a mounted /config/appsettings.json");
    }

    [Fact]
    public void Publish_IsTheGatewayProject_InRelease_ToTheFolderTheRuntimeStageCopies()
    {
        var commands = GatewayPublish.BuildCommands("/app/publish");

        commands.Should().HaveCount(2);
        commands[0].Should().StartWith(["restore", "src/WebSocketProxy.Gateway/WebSocketProxy.Gateway.csproj"]);
        commands[1].Should().StartWith(["publish", "src/WebSocketProxy.Gateway/WebSocketProxy.Gateway.csproj"]);
        commands[1].Should().ContainInOrder("-c", "Release").And.ContainInOrder("-o", "/app/publish").And.Contain("--no-restore");
        commands[1].Should().Contain(["--ucr", "-p:PublishReadyToRun=true"], "the image starts with the proxy's code precompiled for its platform");
        commands[0].Should().Contain(["--ucr", "-p:PublishReadyToRun=true"], "publish --no-restore needs the runtime packs restored for that platform");
    }

    [GeneratedRegex(@"^[^:@]+(:(?<tag>[\w][\w.-]*))$")]
    private static partial Regex ImageTagRegex();
}
