namespace WebSocketProxy.RealtimeTests.Infrastructure;

/// <summary>Locates files of the repository from the test output folder.</summary>
internal static class RepositoryPaths
{
    public static string Root
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "WebSocketProxy.sln")))
            {
                directory = directory.Parent;
            }

            return directory?.FullName ?? throw new InvalidOperationException("Repository root (WebSocketProxy.sln) not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>tests/realtime-node: the Node servers and clients (node_modules from <c>npm ci</c>, run by .ci/run).</summary>
    public static string RealtimeNode => Path.Combine(Root, "tests", "realtime-node");
}
