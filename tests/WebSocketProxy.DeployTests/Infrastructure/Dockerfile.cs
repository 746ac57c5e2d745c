namespace WebSocketProxy.DeployTests.Infrastructure;

/// <summary>One instruction of a Dockerfile (continuation lines joined), with the build stage it belongs to.</summary>
public sealed record DockerInstruction(int Line, string Keyword, string Arguments, int Stage);

/// <summary>A small Dockerfile reader: enough to check the rules the deploy tests care about.</summary>
public sealed class Dockerfile
{
    private Dockerfile(IReadOnlyList<DockerInstruction> instructions)
    {
        Instructions = instructions;
    }

    public IReadOnlyList<DockerInstruction> Instructions { get; }

    public int StageCount => Instructions.Count(i => i.Keyword == "FROM");

    public IEnumerable<DockerInstruction> InStage(int stage) => Instructions.Where(i => i.Stage == stage);

    public IEnumerable<DockerInstruction> All(string keyword) => Instructions.Where(i => i.Keyword == keyword);

    /// <summary>The environment the final stage sets (ENV key=value pairs).</summary>
    public IReadOnlyDictionary<string, string> FinalEnvironment()
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var instruction in InStage(StageCount - 1).Where(i => i.Keyword == "ENV"))
        {
            foreach (var pair in instruction.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    throw new FormatException($"Line {instruction.Line}: only ENV key=value is supported ('{pair}').");
                }

                environment[pair[..equals]] = pair[(equals + 1)..].Trim('"');
            }
        }

        return environment;
    }

    public static Dockerfile Load(string path)
    {
        var instructions = new List<DockerInstruction>();
        var stage = -1;
        var pending = string.Empty;
        var pendingLine = 0;
        var lines = File.ReadAllLines(path);
        for (var index = 0; index < lines.Length; index++)
        {
            var line = lines[index].Trim();
            if (pending.Length == 0 && (line.Length == 0 || line.StartsWith('#')))
            {
                continue;
            }

            if (pending.Length > 0 && line.StartsWith('#'))
            {
                continue; // comments inside a continued instruction
            }

            if (pending.Length == 0)
            {
                pendingLine = index + 1;
            }

            if (line.EndsWith('\\'))
            {
                pending += line[..^1].Trim() + " ";
                continue;
            }

            var text = (pending + line).Trim();
            pending = string.Empty;
            var space = text.IndexOf(' ', StringComparison.Ordinal);
            var keyword = (space < 0 ? text : text[..space]).ToUpperInvariant();
            var arguments = space < 0 ? string.Empty : text[(space + 1)..].Trim();
            if (keyword == "FROM")
            {
                stage++;
            }

            instructions.Add(new DockerInstruction(pendingLine, keyword, arguments, stage));
        }

        return new Dockerfile(instructions);
    }
}
