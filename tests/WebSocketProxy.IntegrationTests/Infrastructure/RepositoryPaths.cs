namespace WebSocketProxy.IntegrationTests.Infrastructure;

/// <summary>Locates files of the repository from the test output folder.</summary>
public static class RepositoryPaths
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
}
