namespace WebSocketProxy.Testing;

/// <summary>Locates files of the repository from a test's output folder.</summary>
public static class RepositoryPaths
{
    /// <summary>The name of the file that marks the repository root.</summary>
    public const string SolutionFileName = "WebSocketProxy.sln";

    /// <summary>Gets the repository root: the nearest folder above the test output that holds <see cref="SolutionFileName"/>.</summary>
    /// <exception cref="InvalidOperationException">No folder above the test output holds the solution file.</exception>
    public static string Root
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, SolutionFileName)))
            {
                directory = directory.Parent;
            }

            return directory?.FullName ?? throw new InvalidOperationException($"Repository root ({SolutionFileName}) not found above {AppContext.BaseDirectory}");
        }
    }
}
