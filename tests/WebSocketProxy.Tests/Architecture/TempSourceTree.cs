namespace WebSocketProxy.Tests.Architecture;

/// <summary>A small source tree in a temporary folder, deleted on dispose.</summary>
internal sealed class TempSourceTree : IDisposable
{
    private TempSourceTree(string root)
    {
        Root = root;
    }

    public string Root { get; }

    /// <summary>Writes each (relative path, text) pair under a new temporary folder.</summary>
    public static TempSourceTree Create(params (string Path, string Text)[] files)
    {
        var tree = new TempSourceTree(Path.Combine(Path.GetTempPath(), "wsp-architecture-" + Guid.NewGuid().ToString("N")));
        foreach (var (path, text) in files)
        {
            var full = Path.Combine(tree.Root, path);
            // A file path under Root always has a directory.
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, text);
        }

        return tree;
    }

    public SourceDependencyGraph Load() => SourceDependencyGraph.Load(Root);

    public void Dispose()
    {
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}
