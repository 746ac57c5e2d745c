using System.Globalization;
using System.Text.Json;
using FluentAssertions;
using WebSocketProxy.DeployTests.Infrastructure;

namespace WebSocketProxy.DeployTests.Helm;

/// <summary>
/// deploy/helm/websocketproxy with helm 3 and helm 4: <c>helm lint --strict</c>, <c>helm template</c>, every rendered
/// object validated against the Kubernetes OpenAPI schemas (kubernetes-models), and the fields a safe rolling update needs.
/// </summary>
public sealed class HelmChartTests
{
    private const string Release = "gw";
    private const string Name = "gw-websocketproxy";

    public static TheoryData<string> Helms => [.. DeployTools.HelmPackages.Keys];

    [Theory]
    [MemberData(nameof(Helms))]
    public async Task Lint_Strict_DefaultsAndEveryFeature_Pass(string version)
    {
        DeployTools.Require();
        var ct = Bounded.Timeout(120);
        var helm = await DeployTools.HelmAsync(version, ct);

        var defaults = await DeployTools.RunHelmAsync(helm, ct, "lint", "--strict", RepositoryPaths.Chart);
        var everything = await DeployTools.RunHelmAsync(helm, ct, ["lint", "--strict", RepositoryPaths.Chart, .. AllFeatures]);

        defaults.ExitCode.Should().Be(0, defaults.All);
        everything.ExitCode.Should().Be(0, everything.All);
    }

    [Theory]
    [MemberData(nameof(Helms))]
    public async Task Template_Defaults_ValidObjects_ProbesPreStopAndGraceCoverTheDrain(string version)
    {
        DeployTools.Require();
        var ct = Bounded.Timeout(120);

        var objects = await RenderValidAsync(version, [], ct);

        objects.Keys.Should().BeEquivalentTo(["ConfigMap", "Service", "Deployment", "PodDisruptionBudget"]);
        var deployment = objects["Deployment"];
        deployment.GetProperty("spec").GetProperty("replicas").GetInt32().Should().Be(2);
        var pod = deployment.GetProperty("spec").GetProperty("template");
        var podSpec = pod.GetProperty("spec");
        var container = podSpec.GetProperty("containers")[0];

        container.GetProperty("image").GetString().Should().Be("websocketproxy-gateway:0.1.0");
        container.GetProperty("resources").GetProperty("requests").GetProperty("cpu").GetString().Should().NotBeNullOrEmpty();
        container.GetProperty("resources").GetProperty("requests").GetProperty("memory").GetString().Should().NotBeNullOrEmpty();
        container.GetProperty("resources").GetProperty("limits").GetProperty("memory").GetString().Should().NotBeNullOrEmpty();
        container.GetProperty("readinessProbe").GetProperty("httpGet").GetProperty("path").GetString().Should().Be("/healthz/ready");
        container.GetProperty("livenessProbe").GetProperty("httpGet").GetProperty("path").GetString().Should().Be("/healthz/live");
        container.GetProperty("startupProbe").GetProperty("httpGet").GetProperty("path").GetString().Should().Be("/healthz/live");

        // Rolling update: endpoints removed during the preStop sleep, then SIGTERM; the grace period covers it all.
        var preStop = container.GetProperty("lifecycle").GetProperty("preStop").GetProperty("exec").GetProperty("command").EnumerateArray().Select(e => e.GetString()).ToArray();
        preStop[0].Should().Be("sleep");
        var preStopSeconds = int.Parse(preStop[1]!, CultureInfo.InvariantCulture);
        preStopSeconds.Should().BePositive();
        var environment = container.GetProperty("env").EnumerateArray().ToDictionary(e => e.GetProperty("name").GetString()!, e => e.GetProperty("value").GetString()!);
        var delay = TimeSpan.Parse(environment["Gateway__ShutdownDelay"], CultureInfo.InvariantCulture);
        var drain = TimeSpan.Parse(environment["WebSocketProxy__DrainTimeout"], CultureInfo.InvariantCulture);
        var hostTimeout = TimeSpan.Parse(environment["Gateway__ShutdownTimeout"], CultureInfo.InvariantCulture);
        hostTimeout.Should().BeGreaterThan(delay + drain, "the host must outlive the drain");
        var grace = TimeSpan.FromSeconds(podSpec.GetProperty("terminationGracePeriodSeconds").GetInt32());
        grace.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(preStopSeconds) + hostTimeout, "SIGKILL must not come before the drain is over");
        deployment.GetProperty("spec").GetProperty("strategy").GetProperty("rollingUpdate").GetProperty("maxUnavailable").GetInt32().Should().Be(0);

        // Read-only root filesystem, non-root, /tmp writable, configuration mounted where the image looks for it.
        container.GetProperty("securityContext").GetProperty("readOnlyRootFilesystem").GetBoolean().Should().BeTrue();
        container.GetProperty("securityContext").GetProperty("allowPrivilegeEscalation").GetBoolean().Should().BeFalse();
        podSpec.GetProperty("securityContext").GetProperty("runAsNonRoot").GetBoolean().Should().BeTrue();
        var mounts = container.GetProperty("volumeMounts").EnumerateArray().ToDictionary(m => m.GetProperty("mountPath").GetString()!, m => m.GetProperty("name").GetString()!);
        mounts.Should().ContainKeys("/tmp", "/config");
        var volumes = podSpec.GetProperty("volumes").EnumerateArray().ToDictionary(v => v.GetProperty("name").GetString()!);
        volumes[mounts["/tmp"]].TryGetProperty("emptyDir", out _).Should().BeTrue();
        volumes[mounts["/config"]].GetProperty("configMap").GetProperty("name").GetString().Should().Be(Name);
        environment["Gateway__ConfigFiles"].Should().Be("/config/appsettings.json");

        using var settings = JsonDocument.Parse(objects["ConfigMap"].GetProperty("data").GetProperty("appsettings.json").GetString()!);
        settings.RootElement.TryGetProperty("WebSocketProxy", out _).Should().BeTrue("the ConfigMap carries the WebSocketProxy section");

        var podLabels = pod.GetProperty("metadata").GetProperty("labels");
        var service = objects["Service"].GetProperty("spec");
        service.GetProperty("ports")[0].GetProperty("targetPort").GetString().Should().Be("http");
        Selects(service.GetProperty("selector"), podLabels).Should().BeTrue();
        var pdb = objects["PodDisruptionBudget"].GetProperty("spec");
        pdb.GetProperty("maxUnavailable").GetInt32().Should().Be(1);
        Selects(pdb.GetProperty("selector").GetProperty("matchLabels"), podLabels).Should().BeTrue();
    }

    [Theory]
    [MemberData(nameof(Helms))]
    public async Task Template_IngressAutoscalingSecret_ValidObjects_WebSocketTimeouts_HpaOnCpuAndSessions(string version)
    {
        DeployTools.Require();
        var ct = Bounded.Timeout(120);

        var objects = await RenderValidAsync(version, AllFeatures, ct);

        objects.Keys.Should().BeEquivalentTo(["ConfigMap", "Secret", "Service", "Deployment", "PodDisruptionBudget", "HorizontalPodAutoscaler", "Ingress"]);
        var deployment = objects["Deployment"].GetProperty("spec");
        deployment.TryGetProperty("replicas", out _).Should().BeFalse("the HPA owns the replica count");
        var container = deployment.GetProperty("template").GetProperty("spec").GetProperty("containers")[0];
        container.GetProperty("envFrom")[0].GetProperty("secretRef").GetProperty("name").GetString().Should().Be(Name);
        objects["Secret"].GetProperty("stringData").GetProperty("WebSocketProxy__Llm__Providers__openai__ApiKey").GetString().Should().Be("sk-test");

        using var settings = JsonDocument.Parse(objects["ConfigMap"].GetProperty("data").GetProperty("appsettings.json").GetString()!);
        settings.RootElement.GetProperty("WebSocketProxy").GetProperty("Routes").GetProperty("chat").GetProperty("Path").GetString().Should().Be("/ws/chat");

        var hpa = objects["HorizontalPodAutoscaler"].GetProperty("spec");
        hpa.GetProperty("scaleTargetRef").GetProperty("name").GetString().Should().Be(Name);
        hpa.GetProperty("minReplicas").GetInt32().Should().BeGreaterThanOrEqualTo(2);
        var metrics = hpa.GetProperty("metrics").EnumerateArray().ToList();
        metrics.Should().Contain(m => m.GetProperty("type").GetString() == "Resource"
            && m.GetProperty("resource").GetProperty("name").GetString() == "cpu"
            && m.GetProperty("resource").GetProperty("target").GetProperty("type").GetString() == "Utilization");
        metrics.Should().Contain(m => m.GetProperty("type").GetString() == "Pods"
            && m.GetProperty("pods").GetProperty("metric").GetProperty("name").GetString() == "websocket_proxy_connections_active"
            && m.GetProperty("pods").GetProperty("target").GetProperty("type").GetString() == "AverageValue");

        var ingress = objects["Ingress"];
        var annotations = ingress.GetProperty("metadata").GetProperty("annotations");
        int.Parse(annotations.GetProperty("nginx.ingress.kubernetes.io/proxy-read-timeout").GetString()!, CultureInfo.InvariantCulture).Should().BeGreaterThanOrEqualTo(3600, "ingress-nginx cuts upgraded connections idle for longer (default 60 s)");
        int.Parse(annotations.GetProperty("nginx.ingress.kubernetes.io/proxy-send-timeout").GetString()!, CultureInfo.InvariantCulture).Should().BeGreaterThanOrEqualTo(3600);
        annotations.GetProperty("nginx.ingress.kubernetes.io/proxy-buffering").GetString().Should().Be("off");
        var backend = ingress.GetProperty("spec").GetProperty("rules")[0].GetProperty("http").GetProperty("paths")[0].GetProperty("backend").GetProperty("service");
        backend.GetProperty("name").GetString().Should().Be(Name);
        backend.GetProperty("port").GetProperty("name").GetString().Should().Be("http");
    }

    [Theory]
    [InlineData("helm3", "terminationGracePeriodSeconds=10", "terminationGracePeriodSeconds (10) must be at least")]
    [InlineData("helm4", "terminationGracePeriodSeconds=10", "terminationGracePeriodSeconds (10) must be at least")]
    [InlineData("helm3", "image.tag=latest", "not \"latest\"")]
    [InlineData("helm4", "webSocketProxy.DrainTimeout=00:01:00", "set shutdown.drainTimeoutSeconds instead")]
    [InlineData("helm4", "shutdown.marginSeconds=0", "shutdown.marginSeconds must be positive")]
    public async Task Template_UnsafeValues_AreRefused(string version, string set, string message)
    {
        DeployTools.Require();
        var ct = Bounded.Timeout(120);
        var helm = await DeployTools.HelmAsync(version, ct);

        var result = await DeployTools.RunHelmAsync(helm, ct, "template", Release, RepositoryPaths.Chart, "--set", set);

        result.ExitCode.Should().NotBe(0);
        result.Error.Should().Contain(message);
    }

    private static readonly Lazy<string> RoutesValues = new(() =>
    {
        // A values file (JSON is YAML): helm 3.8 has no --set-json.
        var file = Path.Combine(Directory.CreateTempSubdirectory("websocketproxy-helm-values-").FullName, "routes.json");
        File.WriteAllText(file, """{"webSocketProxy":{"Routes":{"chat":{"Path":"/ws/chat","Cluster":"chat"}},"Clusters":{"chat":{"Backends":{"a":{"Address":"ws://chat:8080/ws"}}}}}}""");
        return file;
    });

    private static string[] AllFeatures =>
    [
        "--set", "ingress.enabled=true",
        "--set", "autoscaling.enabled=true",
        "--set", "secret.env.WebSocketProxy__Llm__Providers__openai__ApiKey=sk-test",
        "--values", RoutesValues.Value,
    ];

    /// <summary>Renders the chart, validates every object against the Kubernetes schemas, and returns them by kind.</summary>
    private static async Task<Dictionary<string, JsonElement>> RenderValidAsync(string version, string[] values, CancellationToken ct)
    {
        var helm = await DeployTools.HelmAsync(version, ct);
        var rendered = await DeployTools.RunHelmAsync(helm, ct, ["template", Release, RepositoryPaths.Chart, "--namespace", "gateway", .. values]);
        rendered.ExitCode.Should().Be(0, rendered.All);
        var file = Path.Combine(Directory.CreateTempSubdirectory("websocketproxy-helm-").FullName, "rendered.yaml");
        await File.WriteAllTextAsync(file, rendered.Output, ct);

        var validation = await DeployTools.NodeAsync(ct, "manifests.mjs", "validate", file);
        validation.ExitCode.Should().Be(0, validation.All);
        using var report = JsonDocument.Parse(validation.Output);
        var objects = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var item in report.RootElement.GetProperty("objects").EnumerateArray())
        {
            var kind = item.GetProperty("kind").GetString()!;
            item.GetProperty("errors").EnumerateArray().Select(e => e.GetString()).Should().BeEmpty($"{kind} {item.GetProperty("name")} must match the Kubernetes schema");
            objects.Should().NotContainKey(kind, "the chart renders one object of each kind");
            objects[kind] = item.GetProperty("object").Clone();
        }

        return objects;
    }

    private static bool Selects(JsonElement selector, JsonElement labels)
        => selector.EnumerateObject().All(s => labels.TryGetProperty(s.Name, out var value) && value.GetString() == s.Value.GetString());
}
