using System.Text.RegularExpressions;

namespace WebSocketProxy.Tests.Architecture;

/// <summary>One line of the <c>layers</c> block: a folder, its position and the folders it must never name.</summary>
internal sealed record LayerRule(string Folder, int Position, IReadOnlyList<string> NeverNames);

/// <summary>
/// The layer order written in <c>docs/architecture.md</c>: a fenced code block whose info string is
/// <c>layers</c>, one folder per line, from the top (depends on nothing) to the bottom (the composition
/// root). A folder may name types only from itself and from folders listed above it; a line may add
/// explicit prohibitions: <c>Routing (never names: Llm)</c>.
/// </summary>
internal sealed partial class LayerRules
{
    private readonly Dictionary<string, LayerRule> _byFolder;

    private LayerRules(IReadOnlyList<LayerRule> layers)
    {
        Layers = layers;
        _byFolder = layers.ToDictionary(l => l.Folder, StringComparer.Ordinal);
    }

    /// <summary>The folders from the top layer to the bottom one.</summary>
    public IReadOnlyList<LayerRule> Layers { get; }

    /// <summary>Every folder the block names: listed folders and the ones in <c>never names</c>.</summary>
    public IEnumerable<string> MentionedFolders =>
        Layers.Select(l => l.Folder).Concat(Layers.SelectMany(l => l.NeverNames)).Distinct(StringComparer.Ordinal);

    public LayerRule? Find(string folder) => _byFolder.GetValueOrDefault(folder);

    /// <summary>Reads the one <c>layers</c> block of a Markdown document.</summary>
    /// <exception cref="FormatException">No block, more than one, an unclosed one, or a line that is not a layer.</exception>
    public static LayerRules Parse(string markdown)
    {
        var lines = markdown.ReplaceLineEndings("\n").Split('\n');
        List<LayerRule>? layers = null;
        for (var i = 0; i < lines.Length; i++)
        {
            if (!FenceOpening().IsMatch(lines[i]))
            {
                continue;
            }

            if (layers is not null)
            {
                throw new FormatException($"Line {i + 1}: a second ```layers block; the layer order must be written once.");
            }

            layers = [];
            var closed = false;
            for (i++; i < lines.Length; i++)
            {
                var line = lines[i].Trim();
                if (line.StartsWith("```", StringComparison.Ordinal))
                {
                    closed = true;
                    break;
                }

                if (line.Length == 0)
                {
                    continue;
                }

                var match = LayerLine().Match(line);
                if (!match.Success)
                {
                    throw new FormatException(
                        $"Line {i + 1}: '{line}' is not a layer; write a folder name, optionally followed by '(never names: A, B)'.");
                }

                var folder = match.Groups["folder"].Value;
                if (layers.Any(l => l.Folder == folder))
                {
                    throw new FormatException($"Line {i + 1}: folder '{folder}' is listed twice.");
                }

                var never = match.Groups["never"].Success
                    ? match.Groups["never"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                    : [];
                layers.Add(new LayerRule(folder, layers.Count, never));
            }

            if (!closed)
            {
                throw new FormatException("The ```layers block is not closed.");
            }
        }

        if (layers is null)
        {
            throw new FormatException("No ```layers block found.");
        }

        return new LayerRules(layers);
    }

    [GeneratedRegex(@"^\s*```\s*layers\s*$")]
    private static partial Regex FenceOpening();

    [GeneratedRegex(@"^(?<folder>\(root\)|[A-Za-z_][A-Za-z0-9_]*)(\s*\(never names:\s*(?<never>[^)]*)\))?$")]
    private static partial Regex LayerLine();
}
