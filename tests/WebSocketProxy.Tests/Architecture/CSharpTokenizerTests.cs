using FluentAssertions;

namespace WebSocketProxy.Tests.Architecture;

public sealed class CSharpTokenizerTests
{
    [Fact]
    public void Tokenize_CommentsLiteralsAndDirectives_LeaveOnlyCode()
    {
        var tokens = CSharpTokenizer.Tokenize(""""
            #pragma warning disable CA1000 // Hidden
            /// <see cref="Hidden"/>
            var a = "Hidden \" Hidden" + @"Hidden "" Hidden" + """Hidden "" Hidden""" + 'H' + '\'' + '"';
            /* Hidden
               Hidden */ var b = $"Hidden {First} {{Hidden}} {Second,-3:Hidden} {$"{Third}"}";
            var c = $$"""Hidden {Hidden} {{Fourth}}""" + 0x1F + 1_000UL + 1.5e3f + "Hidden"u8.Length;
            """");

        tokens.Where(t => t.IsIdentifier).Select(t => t.Text).Should().Equal(
            "var", "a", "var", "b", "First", "Second", "Third", "var", "c", "Fourth", "Length");
    }

    [Fact]
    public void Tokenize_MultiLineTrivia_KeepsLineNumbers()
    {
        var tokens = CSharpTokenizer.Tokenize(""""
            /* one
               two */
            var verbatim = @"
            ";
            var raw = """
                text
                """;
            var interpolated = $@"{
                Hole}
            ";
            Last
            """");

        tokens.Where(t => t.IsIdentifier).Select(t => (t.Text, t.Line)).Should().Equal(
            ("var", 3), ("verbatim", 3), ("var", 5), ("raw", 5), ("var", 8), ("interpolated", 8), ("Hole", 9), ("Last", 11));
    }

    [Fact]
    public void Tokenize_VerbatimIdentifierAndOperators_AreKeptApart()
    {
        var tokens = CSharpTokenizer.Tokenize("global::A.B @class x?.y ??= z => w");

        tokens.Select(t => t.Text).Should().Equal("global", "::", "A", ".", "B", "class", "x", "?.", "y", "??=", "z", "=>", "w");
        tokens.Single(t => t.Text == "class").IsVerbatimIdentifier.Should().BeTrue();
        tokens.Single(t => t.Text == "class").IsWord("class").Should().BeFalse();
    }
}
