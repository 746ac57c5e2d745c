namespace WebSocketProxy.DeployTests.Infrastructure;

/// <summary>Locates files of the repository from the test output folder.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Deploy => Path.Combine(Root, "deploy");

    public static string Dockerfile => Path.Combine(Deploy, "Dockerfile");

    public static string Compose => Path.Combine(Deploy, "compose.yaml");

    public static string Chart => Path.Combine(Deploy, "helm", "websocketproxy");

    public static string Tools => Path.Combine(Root, "tests", "deploy-tools");

    public static string GatewaySettings => Path.Combine(Root, "src", "WebSocketProxy.Gateway", "appsettings.json");

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "WebSocketProxy.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Repository root (WebSocketProxy.sln) not found above " + AppContext.BaseDirectory);
    }
}
