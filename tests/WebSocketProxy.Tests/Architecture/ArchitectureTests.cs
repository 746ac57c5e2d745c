using System.Diagnostics;
using System.Text;
using FluentAssertions;
using FluentAssertions.Execution;

namespace WebSocketProxy.Tests.Architecture;

/// <summary>
/// The library's folders form layers with no import cycles, in the order written in
/// <c>docs/architecture.md</c> (the <c>layers</c> block), so the document and the code cannot drift apart.
/// </summary>
public sealed class ArchitectureTests
{
    private static readonly Lazy<string> RepositoryRoot = new(FindRepositoryRoot);
    private static readonly Lazy<(SourceDependencyGraph Graph, TimeSpan Elapsed)> Loaded = new(() =>
    {
        var stopwatch = Stopwatch.StartNew();
        var graph = SourceDependencyGraph.Load(Path.Combine(RepositoryRoot.Value, "src", "WebSocketProxy"));
        return (graph, stopwatch.Elapsed);
    });

    private static SourceDependencyGraph Graph => Loaded.Value.Graph;

    private static string ArchitectureDoc => Path.Combine(RepositoryRoot.Value, "docs", "architecture.md");

    [Fact]
    public void Folders_HaveNoImportCycles()
    {
        var graph = Graph;
        WriteDependencies(graph);

        var groups = graph.FindCycleGroups();

        var message = new StringBuilder();
        foreach (var group in groups)
        {
            message.AppendLine($"Folders that import each other: {string.Join(", ", group)}. Shortest cycles:");
            foreach (var cycle in graph.ShortestCycles(group))
            {
                message.AppendLine($"  {string.Join(" → ", cycle.Select(step => step.From))} → {cycle[0].From}");
                foreach (var step in cycle)
                {
                    message.AppendLine($"    {step}");
                }
            }
        }

        groups.Should().BeEmpty("no folder may depend on itself through other folders:\n{0}", message);
    }

    [Fact]
    public void Folders_FollowTheLayersInArchitectureDoc()
    {
        var graph = Graph;
        var rules = LayerRules.Parse(File.ReadAllText(ArchitectureDoc));

        var violations = graph.CheckLayers(rules);

        Lines(violations).Should().BeEmpty(
            "a folder may name types only from itself and from the folders listed above it in the layers block of docs/architecture.md");
    }

    [Fact]
    public void LayersBlock_ListsEveryFolder()
    {
        var folders = Graph.Folders;
        var rules = LayerRules.Parse(File.ReadAllText(ArchitectureDoc));

        var unlisted = folders.Where(f => rules.Find(f) is null).ToList();
        var missing = rules.MentionedFolders.Where(f => !folders.Contains(f)).ToList();

        using (new AssertionScope())
        {
            Lines(unlisted).Should().BeEmpty(
                "every folder under src/WebSocketProxy must have its place in the layers block of docs/architecture.md");
            Lines(missing).Should().BeEmpty(
                "every folder named in the layers block of docs/architecture.md must exist under src/WebSocketProxy (with a .cs file)");
        }
    }

    [Fact]
    public void TypeNames_UsedAcrossFolders_ResolveToOneFolder()
    {
        var ambiguities = Graph.Ambiguities;

        Lines(ambiguities).Should().BeEmpty(
            "a name that could mean a type of either of two folders hides a dependency from this test");
    }

    // One item per line: FluentAssertions shows only the first item of a non-empty collection.
    private static string Lines<T>(IEnumerable<T> items) => string.Join(Environment.NewLine, items);

    private static void WriteDependencies(SourceDependencyGraph graph)
    {
        var output = TestContext.Current.TestOutputHelper;
        if (output is null)
        {
            return;
        }

        output.WriteLine($"Folder dependencies in src/WebSocketProxy (read in {Loaded.Value.Elapsed.TotalMilliseconds:F0} ms):");
        foreach (var dependency in graph.Dependencies)
        {
            output.WriteLine($"  {dependency}");
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "WebSocketProxy.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No WebSocketProxy.sln above {AppContext.BaseDirectory}.");
    }
}
