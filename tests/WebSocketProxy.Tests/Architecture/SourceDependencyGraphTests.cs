using FluentAssertions;

namespace WebSocketProxy.Tests.Architecture;

public sealed class SourceDependencyGraphTests
{
    [Fact]
    public void Load_TwoFoldersNamingEachOther_FindsTheCycleWithExampleEdges()
    {
        using var tree = TempSourceTree.Create(
            ("A/Alpha.cs", """
                using Ns.B;

                namespace Ns.A;

                internal sealed class Alpha
                {
                    public Beta? Partner { get; set; }
                }
                """),
            ("B/Beta.cs", """
                using Ns.A;

                namespace Ns.B;

                internal sealed class Beta
                {
                    public void Use(Alpha alpha) { }
                }
                """),
            ("C/Gamma.cs", """
                using Ns.A;

                namespace Ns.C;

                internal sealed class Gamma
                {
                    private readonly Alpha _alpha = new();
                }
                """));

        var graph = tree.Load();

        graph.FindCycleGroups().Should().BeEquivalentTo(new[] { new[] { "A", "B" } });
        var cycle = graph.ShortestCycles(graph.FindCycleGroups()[0]).Should().ContainSingle().Subject;
        cycle.Select(step => (step.From, step.To)).Should().Equal(("A", "B"), ("B", "A"));
        cycle[0].Example.Should().Be(new DependencyExample("A/Alpha.cs", 7, "Beta"));
        cycle[1].Example.Should().Be(new DependencyExample("B/Beta.cs", 7, "Alpha"));
        graph.TryGetDependency("C", "A", out var gammaToAlpha).Should().BeTrue();
        gammaToAlpha!.ToString().Should().Be("C → A: 1 reference(s) in 1 file(s) to Alpha; e.g. C/Gamma.cs:7 names Alpha");
    }

    [Fact]
    public void FindCycleGroups_ChainAndDiamond_FindsNone()
    {
        using var tree = TempSourceTree.Create(
            ("Top/T.cs", "namespace Ns.Top; internal sealed class T { }"),
            ("Left/L.cs", "using Ns.Top; namespace Ns.Left; internal sealed class L { T? _t; }"),
            ("Right/R.cs", "using Ns.Top; namespace Ns.Right; internal sealed class R { T? _t; }"),
            ("Bottom/B.cs", "using Ns.Left; using Ns.Right; namespace Ns.Bottom; internal sealed class B { L? _l; R? _r; }"));

        var graph = tree.Load();

        graph.FindCycleGroups().Should().BeEmpty();
        graph.Dependencies.Select(d => $"{d.From}>{d.To}").Should().Equal("Bottom>Left", "Bottom>Right", "Left>Top", "Right>Top");
    }

    [Fact]
    public void FindCycleGroups_TwoCyclesThroughOneFolder_OneGroupWithBothShortestCycles()
    {
        using var tree = TempSourceTree.Create(
            ("A/A1.cs", "using Ns.B; using Ns.C; namespace Ns.A; internal sealed class A1 { B1? _b; C1? _c; }"),
            ("B/B1.cs", "using Ns.A; namespace Ns.B; internal sealed class B1 { A1? _a; }"),
            ("C/C1.cs", "using Ns.A; namespace Ns.C; internal sealed class C1 { A1? _a; }"),
            ("D/D1.cs", "using Ns.A; namespace Ns.D; internal sealed class D1 { A1? _a; }"));

        var graph = tree.Load();

        var group = graph.FindCycleGroups().Should().ContainSingle().Subject;
        group.Should().Equal("A", "B", "C");
        graph.ShortestCycles(group)
            .Select(cycle => string.Join(">", cycle.Select(step => step.From)))
            .Should().BeEquivalentTo("A>B", "A>C");
    }

    [Fact]
    public void Load_NestedTypes_AreNotFolderTypes()
    {
        using var tree = TempSourceTree.Create(
            ("A/Outer.cs", """
                using Microsoft.Extensions.Logging;

                namespace Ns.A;

                internal sealed partial class Outer
                {
                    private enum Mode { On, Off }

                    private sealed record Inner(int Value);

                    private static partial class Log
                    {
                        [LoggerMessage(EventId = 1, EventName = "Started", Level = LogLevel.Information, Message = "Started")]
                        public static partial void Started(ILogger logger);
                    }
                }
                """),
            ("B/User.cs", """
                using Ns.A;

                namespace Ns.B;

                internal sealed partial class User
                {
                    private Mode _mode;
                    private Inner? _inner;

                    private static partial class Log
                    {
                    }
                }
                """));

        var graph = tree.Load();

        graph.TypesByFolder["A"].Should().Equal("Outer");
        graph.TypesByFolder["B"].Should().Equal("User");
        graph.Dependencies.Should().BeEmpty("Log, Mode and Inner are nested types, not types of folder A");
    }

    [Fact]
    public void Load_NamesInCommentsStringsAndCharLiterals_DoNotCount()
    {
        using var tree = TempSourceTree.Create(
            ("A/Beta.cs", "namespace Ns.A; public sealed class Beta { }"),
            ("B/User.cs", """"
                using Ns.A;

                namespace Ns.B;

                /// <summary>Uses a <see cref="Beta"/>.</summary>
                internal sealed class User
                {
                    // Beta
                    /* Beta
                       Beta */
                    private const string Regular = "Beta \" Beta";
                    private const string Verbatim = @"Beta "" Beta";
                    private const string Raw = """Beta "" Beta""";
                    private static readonly ReadOnlyMemory<byte> Utf8 = """{"type":"Beta"}"""u8.ToArray();
                    private const char Quote = '"';
                    private const char Escaped = '\'';
                    private readonly string _interpolated = $"Beta {Regular} {{Beta}}";
                    private readonly string _rawInterpolated = $$"""Beta {Beta} {{Regular}}""";
                    private readonly string _multiLine = @"
                        Beta
                        ";
                #if Beta
                #endif
                }
                """"));

        var graph = tree.Load();

        graph.Dependencies.Should().BeEmpty();
    }

    [Fact]
    public void Load_CodeInInterpolationHoles_Counts()
    {
        using var tree = TempSourceTree.Create(
            ("A/Beta.cs", "namespace Ns.A; public sealed class Beta { public const int Size = 1; }"),
            ("B/Gamma.cs", "namespace Ns.B; public sealed class Gamma { public const int Size = 2; }"),
            ("C/Delta.cs", "namespace Ns.C; public sealed class Delta { public const int Size = 3; }"),
            ("D/User.cs", """"
                using Ns.A;
                using Ns.B;
                using Ns.C;

                namespace Ns.D;

                internal static class User
                {
                    public static string Describe() => $"{nameof(Beta)}: {Beta.Size,5:N0}";

                    public static string Raw() => $$"""
                        {Delta} {{Gamma.Size}}
                        """;

                    public static string Nested() => $"{(true ? $"{Delta.Size:D2}" : "Delta")}";
                }
                """"));

        var graph = tree.Load();

        graph.Dependencies.Select(d => $"{d.To}:{d.Example.Line}").Should().Equal("A:9", "B:12", "C:15");
    }

    [Fact]
    public void Load_NameDeclaredInOwnFolderAndAnother_ResolvesToOwnFolder()
    {
        using var tree = TempSourceTree.Create(
            ("A/Options.cs", "namespace Ns.A; public sealed class Options { }"),
            ("B/Options.cs", "namespace Ns.B; public sealed class Options { }"),
            ("B/User.cs", "using Ns.A; namespace Ns.B; internal sealed class User { Options? _options; }"));

        var graph = tree.Load();

        graph.Dependencies.Should().BeEmpty();
        graph.Ambiguities.Should().BeEmpty();
    }

    [Fact]
    public void Load_NameDeclaredInTwoOtherFolders_ResolvedByUsingsOrReportedAsAmbiguous()
    {
        using var tree = TempSourceTree.Create(
            ("A/Options.cs", "namespace Ns.A; public sealed class Options { }"),
            ("B/Options.cs", "namespace Ns.B; public sealed class Options { }"),
            ("C/OnlyA.cs", "using Ns.A; namespace Ns.C; internal sealed class OnlyA { Options? _options; }"),
            ("D/Both.cs", """
                using Ns.A;
                using Ns.B;

                namespace Ns.D;

                internal sealed class Both
                {
                    private Options? _options;
                }
                """));

        var graph = tree.Load();

        graph.Dependencies.Select(d => $"{d.From}>{d.To}").Should().Equal("C>A");
        var ambiguity = graph.Ambiguities.Should().ContainSingle().Subject;
        ambiguity.ToString().Should().Be(
            "D/Both.cs:8 names Options, which is declared in A (Ns.A) and in B (Ns.B): rename one of them");
    }

    [Fact]
    public void Load_NameOfAnInvisibleNamespace_DoesNotCount()
    {
        using var tree = TempSourceTree.Create(
            ("A/Backend.cs", "namespace Ns.A; public sealed class Backend { }"),
            ("B/User.cs", """
                namespace Ns.B;

                internal sealed class User
                {
                    public string Backend => "";

                    public int Length() => Backend.Length;
                }
                """));

        var graph = tree.Load();

        graph.Dependencies.Should().BeEmpty("without 'using Ns.A;' the name Backend cannot mean Ns.A.Backend");
    }

    [Fact]
    public void Load_MembersNamedLikeATypeOfAnotherFolder_DoNotCount()
    {
        using var tree = TempSourceTree.Create(
            ("A/Backend.cs", "namespace Ns.A; public sealed class Backend { }"),
            ("A/Holder.cs", "namespace Ns.A; public sealed class Holder { public int Backend { get; set; } }"),
            ("B/User.cs", """
                using Ns.A;

                namespace Ns.B;

                internal sealed class User
                {
                    public int Backend { get; init; }

                    public int Read(Holder holder) => holder.Backend + holder?.Backend ?? 0;

                    public Holder Make() => new Holder { Backend = 1 };
                }
                """));

        var graph = tree.Load();

        var dependency = graph.Dependencies.Should().ContainSingle().Subject;
        dependency.TypeNames.Should().Equal("Holder");
    }

    [Fact]
    public void Load_QualifiedNames_ResolveWithoutUsing()
    {
        using var tree = TempSourceTree.Create(
            ("A/Alpha.cs", "namespace Ns.A; public sealed class Alpha { }"),
            ("B/Beta.cs", "namespace Ns.B; public sealed class Beta { }"),
            ("C/Gamma.cs", "namespace Ns.C; public sealed class Gamma { }"),
            ("D/User.cs", """
                namespace Ns.D;

                internal sealed class User
                {
                    private global::Ns.A.Alpha? _alpha;
                    private Ns.B.Beta? _beta;
                    private C.Gamma? _gamma;
                }
                """));

        var graph = tree.Load();

        graph.Dependencies.Select(d => $"{d.To}:{d.Example.TypeName}").Should().Equal("A:Alpha", "B:Beta", "C:Gamma");
    }

    [Fact]
    public void Load_UsingStaticAndAlias_CountTheirTarget()
    {
        using var tree = TempSourceTree.Create(
            ("A/Alpha.cs", "namespace Ns.A; public static class Alpha { public const int One = 1; }"),
            ("B/Beta.cs", "namespace Ns.B; public sealed class Beta { }"),
            ("C/User.cs", """
                using static Ns.A.Alpha;
                using Renamed = Ns.B.Beta;

                namespace Ns.C;

                internal sealed class User
                {
                    private Renamed? _beta;
                    private int _one = One;
                }
                """));

        var graph = tree.Load();

        graph.Dependencies.Select(d => d.Example.ToString()).Should().Equal("C/User.cs:1 names Alpha", "C/User.cs:2 names Beta");
    }

    [Fact]
    public void Load_NamespaceAlias_ResolvesQualifiedNames()
    {
        using var tree = TempSourceTree.Create(
            ("A/Alpha.cs", "namespace Ns.A; public sealed class Alpha { }"),
            ("B/Beta.cs", "namespace Ns.B; public sealed class Beta { }"),
            ("C/User.cs", """
                using AliasA = Ns.A;
                using AliasB = global::Ns.B;

                namespace Ns.C;

                internal sealed class User
                {
                    private AliasA.Alpha? _alpha;
                    private AliasB::Beta? _beta;
                }
                """));

        var graph = tree.Load();

        graph.Dependencies.Select(d => d.Example.ToString()).Should().Equal("C/User.cs:8 names Alpha", "C/User.cs:9 names Beta");
    }

    [Fact]
    public void Load_GlobalUsings_MakeNamespacesVisibleEverywhere()
    {
        using var tree = TempSourceTree.Create(
            ("GlobalUsings.cs", "global using Ns.A;"),
            ("A/Alpha.cs", "namespace Ns.A; public sealed class Alpha { }"),
            ("B/User.cs", "namespace Ns.B; internal sealed class User { Alpha? _alpha; }"));

        var graph = tree.Load();

        graph.Dependencies.Select(d => $"{d.From}>{d.To}").Should().Equal("B>A");
        graph.Folders.Should().Equal(SourceDependencyGraph.RootFolder, "A", "B");
    }

    [Fact]
    public void Load_EveryKindOfTopLevelDeclaration_IsAFolderType()
    {
        using var tree = TempSourceTree.Create(
            ("A/Kinds.cs", """
                namespace Ns.A;

                public sealed class Plain<T> where T : class { }
                public readonly record struct Point(int X, int Y);
                public sealed record class Named(string Name);
                public record Shorthand(int Value) : Named("x");
                public interface IThing { }
                public enum Color : byte { Red, Green }
                public delegate ValueTask Handler<TContext>(TContext context, CancellationToken cancellationToken);
                internal ref struct Span2 { }
                [Obsolete("old")] internal static class Old { private static Action Make() => delegate { }; }
                """),
            ("A/Block.cs", """
                namespace Ns.A
                {
                    internal struct InBlock
                    {
                        private struct Nested { }
                    }
                }
                """));

        var graph = tree.Load();

        graph.TypesByFolder["A"].Should().Equal(
            "Color", "Handler", "IThing", "InBlock", "Named", "Old", "Plain", "Point", "Shorthand", "Span2");
    }

    [Fact]
    public void Load_RootFilesObjAndBin_RootCountsObjAndBinAreSkipped()
    {
        using var tree = TempSourceTree.Create(
            ("Marker.cs", "namespace Ns; public sealed class Marker { }"),
            ("A/Alpha.cs", "namespace Ns.A; public sealed class Alpha { Marker? _marker; }"),
            ("obj/Debug/Generated.cs", "namespace Ns.Gen; public sealed class Generated { }"),
            ("A/bin/Copied.cs", "namespace Ns.A; public sealed class Copied { }"));

        var graph = tree.Load();

        graph.Folders.Should().Equal(SourceDependencyGraph.RootFolder, "A");
        graph.TypesByFolder["A"].Should().Equal("Alpha");
        graph.Dependencies.Should().ContainSingle().Which.To.Should().Be(
            SourceDependencyGraph.RootFolder, "code in Ns.A sees the types of its enclosing namespace Ns");
    }

    [Fact]
    public void Load_Attribute_FindsTheAttributeClass()
    {
        using var tree = TempSourceTree.Create(
            ("A/MarkAttribute.cs", "namespace Ns.A; public sealed class MarkAttribute : Attribute { }"),
            ("B/User.cs", "using Ns.A; namespace Ns.B; [Serializable, Mark] internal sealed class User { }"));

        var graph = tree.Load();

        graph.Dependencies.Select(d => d.Example.ToString()).Should().Equal("B/User.cs:1 names MarkAttribute");
    }

    [Fact]
    public void CheckLayers_FolderNamingALowerLayer_ReportsTheViolationWithItsExample()
    {
        using var tree = TempSourceTree.Create(
            ("Top/T.cs", "using Ns.Bottom; namespace Ns.Top; internal sealed class T { B? _b; }"),
            ("Bottom/B.cs", "using Ns.Top; namespace Ns.Bottom; internal sealed class B { T? _t; }"));
        var rules = LayerRules.Parse("""
            ```layers
            Top
            Bottom
            ```
            """);

        var violations = tree.Load().CheckLayers(rules);

        violations.Select(v => v.ToString()).Should().Equal(
            "Top → Bottom: 1 reference(s) in 1 file(s) to B; e.g. Top/T.cs:1 names B "
            + "(Bottom is listed below Top; a folder may name only folders above it)");
    }

    [Fact]
    public void CheckLayers_NeverNames_ForbidsAFolderAbove()
    {
        using var tree = TempSourceTree.Create(
            ("Core/C.cs", "namespace Ns.Core; internal sealed class C { }"),
            ("Extra/E.cs", "using Ns.Core; namespace Ns.Extra; internal sealed class E { C? _c; }"),
            ("Setup/S.cs", "using Ns.Core; using Ns.Extra; namespace Ns.Setup; internal sealed class S { C? _c; E? _e; }"));
        var rules = LayerRules.Parse("""
            ```layers
            Core
            Extra
            Setup (never names: Extra)
            ```
            """);

        var violations = tree.Load().CheckLayers(rules);

        violations.Select(v => v.ToString()).Should().Equal(
            "Setup → Extra: 1 reference(s) in 1 file(s) to E; e.g. Setup/S.cs:1 names E (Setup never names Extra)");
    }

    [Fact]
    public void CheckLayers_OnlyUpperLayersNamed_NoViolation()
    {
        using var tree = TempSourceTree.Create(
            ("Core/C.cs", "namespace Ns.Core; internal sealed class C { }"),
            ("Setup/S.cs", "using Ns.Core; namespace Ns.Setup; internal sealed class S { C? _c; }"));
        var rules = LayerRules.Parse("""
            ```layers
            Core
            Setup
            ```
            """);

        tree.Load().CheckLayers(rules).Should().BeEmpty();
    }
}
