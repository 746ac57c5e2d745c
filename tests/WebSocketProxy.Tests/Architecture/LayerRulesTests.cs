using FluentAssertions;

namespace WebSocketProxy.Tests.Architecture;

public sealed class LayerRulesTests
{
    [Fact]
    public void Parse_LayersBlock_ReadsOrderAndProhibitions()
    {
        var rules = LayerRules.Parse("""
            # Doc

            ```
            Not a layer block
            ```

            ```layers
            Configuration
            (root)

            Routing (never names: Llm, Backends)
            ```
            """);

        rules.Layers.Should().BeEquivalentTo(
            new[]
            {
                new LayerRule("Configuration", 0, []),
                new LayerRule("(root)", 1, []),
                new LayerRule("Routing", 2, ["Llm", "Backends"]),
            },
            options => options.WithStrictOrdering());
        rules.MentionedFolders.Should().Equal("Configuration", "(root)", "Routing", "Llm", "Backends");
        rules.Find("Routing")!.Position.Should().Be(2);
        rules.Find("Llm").Should().BeNull();
    }

    [Fact]
    public void Parse_NoLayersBlock_Throws()
    {
        var parse = () => LayerRules.Parse("```text\nConfiguration\n```\n");

        parse.Should().Throw<FormatException>().WithMessage("No ```layers block found.");
    }

    [Fact]
    public void Parse_LineThatIsNotAFolder_ThrowsNamingTheLine()
    {
        var parse = () => LayerRules.Parse("intro\n```layers\nConfiguration\nRouting -> Llm\n```\n");

        parse.Should().Throw<FormatException>().WithMessage("Line 4: 'Routing -> Llm' is not a layer*");
    }

    [Fact]
    public void Parse_FolderListedTwice_Throws()
    {
        var parse = () => LayerRules.Parse("```layers\nModel\nModel\n```\n");

        parse.Should().Throw<FormatException>().WithMessage("Line 3: folder 'Model' is listed twice.");
    }

    [Fact]
    public void Parse_UnclosedOrSecondBlock_Throws()
    {
        var unclosed = () => LayerRules.Parse("```layers\nModel\n");
        var twice = () => LayerRules.Parse("```layers\nModel\n```\n```layers\nModel\n```\n");

        unclosed.Should().Throw<FormatException>().WithMessage("*not closed*");
        twice.Should().Throw<FormatException>().WithMessage("*second ```layers block*");
    }
}
