using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace WebSocketProxy.Tests.Architecture;

/// <summary>Where a folder names a type of another folder: the first place found, for messages.</summary>
internal sealed record DependencyExample(string File, int Line, string TypeName)
{
    public override string ToString() => $"{File}:{Line} names {TypeName}";
}

/// <summary>Folder <see cref="From"/> names types defined in folder <see cref="To"/>.</summary>
internal sealed record FolderDependency(
    string From,
    string To,
    DependencyExample Example,
    IReadOnlyList<string> TypeNames,
    int ReferenceCount,
    int FileCount)
{
    public override string ToString() =>
        $"{From} → {To}: {ReferenceCount} reference(s) in {FileCount} file(s) to {string.Join(", ", TypeNames)}; e.g. {Example}";
}

/// <summary>A name that resolves to top-level types of more than one other folder.</summary>
internal sealed record AmbiguousReference(DependencyExample Example, IReadOnlyList<string> Declarations)
{
    public override string ToString() =>
        $"{Example}, which is declared in {string.Join(" and in ", Declarations)}: rename one of them";
}

/// <summary>A dependency that breaks the layer order.</summary>
internal sealed record LayerViolation(FolderDependency Dependency, string Rule)
{
    public override string ToString() => $"{Dependency} ({Rule})";
}

/// <summary>
/// The folder dependency graph of a C# source tree, read from the source text alone (no compilation).
/// </summary>
/// <remarks>
/// <para>A folder is the first path segment under the source root (files directly in it belong to
/// <see cref="RootFolder"/>); <c>obj/</c> and <c>bin/</c> are skipped. A folder's types are its top-level
/// declarations (class, struct, interface, enum, record, record struct, delegate outside any type's braces);
/// nested types are not folder types.</para>
/// <para>A folder depends on another when its code names a type defined there. Only code counts:
/// comments (XML docs too), string text and character literals are dropped, the code in interpolation
/// holes is kept (see <see cref="CSharpTokenizer"/>). A name is resolved the way the compiler would see
/// it, without binding members:</para>
/// <list type="number">
/// <item>a type nested in the same file, or a top-level type of the file's own folder, wins: no dependency;</item>
/// <item>a name after <c>Namespace.</c> (or <c>global::Namespace.</c>) resolves in that namespace; after any
/// other <c>x.</c> it is a member access and does not count;</item>
/// <item>a name that is being declared or assigned (<c>Foo Backend {</c>, <c>Backend = …</c>) is a member,
/// not a type;</item>
/// <item>otherwise the candidates are the other folders' types of that name whose namespace the file can
/// see: its own namespace and the ones enclosing it, its <c>using</c> directives, <c>global using</c>
/// directives of any file and <c>&lt;Using Include&gt;</c> items of a project file in the source root.
/// One folder: a dependency. Several: an <see cref="AmbiguousReference"/>. None: not a type reference
/// (a local or member that happens to share a type's name).</item>
/// </list>
/// <para><c>[Name]</c> also finds a type <c>NameAttribute</c>. A namespace alias (<c>using X = A.B;</c>)
/// is expanded in qualified names; a type alias or <c>using static</c> counts its target once, at the directive.</para>
/// <para>Known limits. Two err toward a dependency too many: the code of every <c>#if</c> branch counts, and
/// a member or local that has the name of a type visible from the file and is used unqualified as a value
/// (<c>return Backend;</c> for a property <c>Backend</c>) counts as that type. One could hide a dependency:
/// global usings are read from <c>.cs</c> files and the source root's project file, not from
/// <c>Directory.Build.props</c>. Checked against Roslyn's semantic model on the library when this test was
/// written: the same dependencies, type names and reference counts.</para>
/// </remarks>
internal sealed partial class SourceDependencyGraph
{
    /// <summary>The folder of the files directly in the source root.</summary>
    public const string RootFolder = "(root)";

    private static readonly HashSet<string> ReservedKeywords = new(StringComparer.Ordinal)
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const",
        "continue", "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern",
        "false", "finally", "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface",
        "internal", "is", "lock", "long", "namespace", "new", "null", "object", "operator", "out", "override",
        "params", "private", "protected", "public", "readonly", "ref", "return", "sbyte", "sealed", "short",
        "sizeof", "stackalloc", "static", "string", "struct", "switch", "this", "throw", "true", "try", "typeof",
        "uint", "ulong", "unchecked", "unsafe", "ushort", "using", "virtual", "void", "volatile", "while",
    };

    // Keywords that are types: "int Backend {" declares a member named Backend.
    private static readonly HashSet<string> PredefinedTypes = new(StringComparer.Ordinal)
    {
        "bool", "byte", "char", "decimal", "double", "float", "int", "long", "object", "sbyte", "short",
        "string", "uint", "ulong", "ushort", "void",
    };

    // Contextual keywords after which a type can follow: "required Backend Backend {", "await Backend.X()".
    private static readonly HashSet<string> ContextualKeywords = new(StringComparer.Ordinal)
    {
        "add", "and", "alias", "ascending", "async", "await", "by", "descending", "equals", "file", "from", "get",
        "global", "group", "init", "into", "join", "let", "managed", "nameof", "not", "notnull", "on", "or",
        "orderby", "partial", "record", "remove", "required", "scoped", "select", "set", "unmanaged", "value",
        "when", "where", "with", "yield",
    };

    private static readonly HashSet<string> DeclarationModifiers = new(StringComparer.Ordinal)
    {
        "public", "private", "protected", "internal", "static", "sealed", "abstract", "partial", "readonly",
        "ref", "unsafe", "new", "file", "extern",
    };

    // After "Type Name": the name is declared here (field, property, method, parameter, local, foreach).
    private static readonly HashSet<string> DeclaredNameFollowers = new(StringComparer.Ordinal)
    {
        ";", "=", "{", "(", ")", ",", "=>", "in",
    };

    private static readonly HashSet<string> AssignmentOperators = new(StringComparer.Ordinal)
    {
        "=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "??=", "<<=",
    };

    private readonly Dictionary<string, Dictionary<string, FolderDependency>> _dependencies;

    private SourceDependencyGraph(
        IReadOnlyList<string> folders,
        IReadOnlyDictionary<string, IReadOnlyList<string>> typesByFolder,
        Dictionary<string, Dictionary<string, FolderDependency>> dependencies,
        IReadOnlyList<AmbiguousReference> ambiguities)
    {
        Folders = folders;
        TypesByFolder = typesByFolder;
        _dependencies = dependencies;
        Ambiguities = ambiguities;
        Dependencies = dependencies.Values.SelectMany(d => d.Values)
            .OrderBy(d => d.From, StringComparer.Ordinal)
            .ThenBy(d => d.To, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The folders that hold at least one <c>.cs</c> file, sorted.</summary>
    public IReadOnlyList<string> Folders { get; }

    /// <summary>Each folder's top-level type names, sorted.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> TypesByFolder { get; }

    /// <summary>Every folder-to-folder dependency, sorted by source then target folder.</summary>
    public IReadOnlyList<FolderDependency> Dependencies { get; }

    /// <summary>Names that could mean a type of either of two (or more) other folders.</summary>
    public IReadOnlyList<AmbiguousReference> Ambiguities { get; }

    public bool TryGetDependency(string from, string to, [NotNullWhen(true)] out FolderDependency? dependency)
    {
        dependency = null;
        return _dependencies.TryGetValue(from, out var targets) && targets.TryGetValue(to, out dependency);
    }

    /// <summary>Reads every <c>*.cs</c> file under <paramref name="sourceRoot"/> (except <c>obj/</c> and <c>bin/</c>).</summary>
    public static SourceDependencyGraph Load(string sourceRoot)
    {
        var root = Path.GetFullPath(sourceRoot);
        var files = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(root, path).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(relative => !relative.Split('/').SkipLast(1).Any(segment => segment is "obj" or "bin"))
            .Order(StringComparer.Ordinal)
            .Select(relative => SourceFile.Read(relative, File.ReadAllText(Path.Combine(root, relative))))
            .ToList();

        var globalUsings = new HashSet<string>(StringComparer.Ordinal);
        foreach (var project in Directory.EnumerateFiles(root, "*.csproj"))
        {
            globalUsings.UnionWith(ProjectUsings(File.ReadAllText(project)));
        }

        return Build(files, globalUsings);
    }

    /// <summary>The groups of folders that import each other (strongly connected components of more than one folder).</summary>
    public IReadOnlyList<IReadOnlyList<string>> FindCycleGroups()
    {
        // Tarjan's algorithm over the folder graph.
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var lowLink = new Dictionary<string, int>(StringComparer.Ordinal);
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var groups = new List<IReadOnlyList<string>>();

        void Connect(string folder)
        {
            index[folder] = lowLink[folder] = index.Count;
            stack.Push(folder);
            onStack.Add(folder);
            foreach (var next in Targets(folder))
            {
                if (!index.ContainsKey(next))
                {
                    Connect(next);
                    lowLink[folder] = Math.Min(lowLink[folder], lowLink[next]);
                }
                else if (onStack.Contains(next))
                {
                    lowLink[folder] = Math.Min(lowLink[folder], index[next]);
                }
            }

            if (lowLink[folder] == index[folder])
            {
                var group = new List<string>();
                string member;
                do
                {
                    member = stack.Pop();
                    onStack.Remove(member);
                    group.Add(member);
                }
                while (member != folder);

                if (group.Count > 1)
                {
                    group.Sort(StringComparer.Ordinal);
                    groups.Add(group);
                }
            }
        }

        foreach (var folder in Folders)
        {
            if (!index.ContainsKey(folder))
            {
                Connect(folder);
            }
        }

        return groups.OrderBy(g => g[0], StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Within one cycle group, the shortest cycle through each of its folders (duplicates removed), each
    /// as the list of dependencies that make it: a short to-do list of edges to cut.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<FolderDependency>> ShortestCycles(IReadOnlyList<string> group)
    {
        var members = new HashSet<string>(group, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var cycles = new List<IReadOnlyList<FolderDependency>>();
        foreach (var start in group)
        {
            // Breadth-first from start back to start, inside the group.
            var previous = new Dictionary<string, string>(StringComparer.Ordinal);
            var queue = new Queue<string>();
            queue.Enqueue(start);
            string? last = null;
            while (queue.Count > 0 && last is null)
            {
                var folder = queue.Dequeue();
                foreach (var next in Targets(folder).Where(members.Contains))
                {
                    if (next == start)
                    {
                        last = folder;
                        break;
                    }

                    if (previous.TryAdd(next, folder))
                    {
                        queue.Enqueue(next);
                    }
                }
            }

            if (last is null)
            {
                continue;
            }

            var path = new List<string> { start };
            for (var folder = last; folder != start; folder = previous[folder])
            {
                path.Insert(1, folder);
            }

            // Start every cycle at its smallest folder, so one found again from another folder is a duplicate.
            // Min is not null: a path holds at least its start.
            var smallest = path.IndexOf(path.Min(StringComparer.Ordinal)!);
            path = path.Skip(smallest).Concat(path.Take(smallest)).ToList();
            if (!seen.Add(string.Join(" → ", path)))
            {
                continue;
            }

            var steps = new List<FolderDependency>();
            for (var i = 0; i < path.Count; i++)
            {
                steps.Add(_dependencies[path[i]][path[(i + 1) % path.Count]]);
            }

            cycles.Add(steps);
        }

        return cycles;
    }

    /// <summary>Every dependency between two listed folders that the layer order forbids.</summary>
    public IReadOnlyList<LayerViolation> CheckLayers(LayerRules rules)
    {
        var violations = new List<LayerViolation>();
        foreach (var dependency in Dependencies)
        {
            var from = rules.Find(dependency.From);
            var to = rules.Find(dependency.To);
            if (from is null || to is null)
            {
                continue;
            }

            var broken = new List<string>();
            if (to.Position >= from.Position)
            {
                broken.Add($"{dependency.To} is listed below {dependency.From}; a folder may name only folders above it");
            }

            if (from.NeverNames.Contains(dependency.To, StringComparer.Ordinal))
            {
                broken.Add($"{dependency.From} never names {dependency.To}");
            }

            if (broken.Count > 0)
            {
                violations.Add(new LayerViolation(dependency, string.Join("; ", broken)));
            }
        }

        return violations;
    }

    private IEnumerable<string> Targets(string folder) =>
        _dependencies.TryGetValue(folder, out var targets)
            ? targets.Keys.Order(StringComparer.Ordinal)
            : [];

    private static IEnumerable<string> ProjectUsings(string project)
    {
        // <Using Include="Some.Namespace" /> without Alias or Static: a global using of a namespace.
        foreach (Match match in UsingItem().Matches(project))
        {
            var rest = match.Groups["rest"].Value;
            if (!rest.Contains("Alias", StringComparison.Ordinal) && !rest.Contains("Static", StringComparison.Ordinal))
            {
                yield return match.Groups["ns"].Value;
            }
        }
    }

    [GeneratedRegex(@"<Using\s+Include=""(?<ns>[^""]+)""(?<rest>[^>]*)>")]
    private static partial Regex UsingItem();

    private static SourceDependencyGraph Build(List<SourceFile> files, HashSet<string> globalUsings)
    {
        // Every top-level declaration: name → (folder, namespace).
        var declarations = new Dictionary<string, List<(string Folder, string Namespace)>>(StringComparer.Ordinal);
        var namespaces = new HashSet<string>(StringComparer.Ordinal);
        var typesByFolder = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var folderTypes = typesByFolder.TryGetValue(file.Folder, out var set)
                ? set
                : typesByFolder[file.Folder] = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var (name, ns) in file.TopLevelTypes)
            {
                folderTypes.Add(name);
                var list = declarations.TryGetValue(name, out var existing) ? existing : declarations[name] = [];
                if (!list.Contains((file.Folder, ns)))
                {
                    list.Add((file.Folder, ns));
                }
            }

            namespaces.UnionWith(file.DeclaredNamespaces);
            globalUsings.UnionWith(file.GlobalUsings);
        }

        var references = new Dictionary<(string From, string To), List<(DependencyExample Example, string File)>>();
        var ambiguities = new Dictionary<string, AmbiguousReference>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var visibleCache = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            var tokens = file.Tokens;
            for (var i = 0; i < tokens.Count; i++)
            {
                var token = tokens[i];
                if (!token.IsIdentifier || file.IsDirectiveOrDeclaredName(i)
                    || (!token.IsVerbatimIdentifier && ReservedKeywords.Contains(token.Text)))
                {
                    continue;
                }

                var name = token.Text;
                if (!declarations.ContainsKey(name))
                {
                    var previous = i > 0 ? tokens[i - 1] : default;
                    if ((previous.Is("[") || previous.Is(",")) && declarations.ContainsKey(name + "Attribute"))
                    {
                        name += "Attribute";
                    }
                    else
                    {
                        continue;
                    }
                }

                if (file.NestedTypes.Contains(name) || typesByFolder[file.Folder].Contains(name))
                {
                    continue;
                }

                List<(string Folder, string Namespace)> candidates;
                if (QualifiedBy(tokens, i, file.Aliases, out var qualifier))
                {
                    var qualifyingNamespace = ResolveNamespace(qualifier, file.NamespaceAt(i), namespaces);
                    if (qualifyingNamespace is null)
                    {
                        continue;
                    }

                    candidates = declarations[name].Where(d => d.Namespace == qualifyingNamespace).ToList();
                }
                else
                {
                    if (IsMemberName(tokens, i))
                    {
                        continue;
                    }

                    var ns = file.NamespaceAt(i);
                    if (!visibleCache.TryGetValue(ns, out var visible))
                    {
                        visible = new HashSet<string>(file.Usings, StringComparer.Ordinal);
                        visible.UnionWith(globalUsings);
                        for (var n = ns; ; n = n[..Math.Max(0, n.LastIndexOf('.'))])
                        {
                            visible.Add(n);
                            if (n.Length == 0)
                            {
                                break;
                            }
                        }

                        visibleCache[ns] = visible;
                    }

                    candidates = declarations[name].Where(d => visible.Contains(d.Namespace)).ToList();
                }

                var folders = candidates.Select(c => c.Folder).Distinct().ToList();
                var example = new DependencyExample(file.Path, token.Line, name);
                if (folders.Count == 1)
                {
                    var key = (file.Folder, folders[0]);
                    var list = references.TryGetValue(key, out var existing) ? existing : references[key] = [];
                    list.Add((example, file.Path));
                }
                else if (folders.Count > 1)
                {
                    var described = candidates
                        .Select(c => c.Namespace.Length == 0 ? c.Folder : $"{c.Folder} ({c.Namespace})")
                        .Order(StringComparer.Ordinal)
                        .ToList();
                    ambiguities.TryAdd($"{file.Folder}|{name}|{string.Join("|", described)}", new AmbiguousReference(example, described));
                }
            }
        }

        var dependencies = new Dictionary<string, Dictionary<string, FolderDependency>>(StringComparer.Ordinal);
        foreach (var ((from, to), list) in references)
        {
            var targets = dependencies.TryGetValue(from, out var existing) ? existing : dependencies[from] = new(StringComparer.Ordinal);
            targets[to] = new FolderDependency(
                from,
                to,
                list[0].Example,
                list.Select(r => r.Example.TypeName).Distinct().Order(StringComparer.Ordinal).ToList(),
                list.Count,
                list.Select(r => r.File).Distinct().Count());
        }

        return new SourceDependencyGraph(
            typesByFolder.Keys.ToList(),
            typesByFolder.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value.ToList(), StringComparer.Ordinal),
            dependencies,
            ambiguities.Values.OrderBy(a => a.Example.File, StringComparer.Ordinal).ThenBy(a => a.Example.Line).ToList());
    }

    // The namespace a qualifier names: "A.B" itself, or "Outer.A.B" seen from inside namespace Outer
    // ("Backends.Backend" from WebSocketProxy.Forwarding); null when it is not a namespace (x.Name).
    private static string? ResolveNamespace(string? qualifier, string enclosing, HashSet<string> namespaces)
    {
        if (qualifier is null)
        {
            return null;
        }

        if (qualifier.Length == 0 || namespaces.Contains(qualifier))
        {
            return qualifier;
        }

        for (var n = enclosing; n.Length > 0; n = n[..Math.Max(0, n.LastIndexOf('.'))])
        {
            var candidate = $"{n}.{qualifier}";
            if (namespaces.Contains(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    // "A.B.Name", "global::A.B.Name" or "alias::B.Name": true, with the qualifier ("A.B"; "" for global::Name;
    // an alias's first segment replaced by its target). "x.Name" is qualified by "x", which is no namespace.
    // "f().Name", "x[0].Name", "Foo<T>.Name", "x?.Name": true with a null qualifier (a member access).
    private static bool QualifiedBy(IReadOnlyList<CSharpToken> tokens, int i, IReadOnlyDictionary<string, string> aliases, out string? qualifier)
    {
        qualifier = null;
        if (i == 0)
        {
            return false;
        }

        var previous = tokens[i - 1];
        if (previous.Is("?.") || previous.Is("->"))
        {
            return true;
        }

        if (!previous.Is(".") && !previous.Is("::"))
        {
            return false;
        }

        var segments = new List<string>();
        var j = i - 1;
        var global = false;
        while (j >= 1 && (tokens[j].Is(".") || tokens[j].Is("::")) && tokens[j - 1].IsIdentifier)
        {
            if (tokens[j].Is("::") && tokens[j - 1].IsWord("global"))
            {
                global = true;
                j -= 2;
                break;
            }

            segments.Insert(0, tokens[j - 1].Text);
            j -= 2;
        }

        if (j >= 0 && (tokens[j].Is(".") || tokens[j].Is("::")))
        {
            // Something other than a name before the dot.
            return true;
        }

        if (!global && segments.Count > 0 && aliases.TryGetValue(segments[0], out var target))
        {
            segments[0] = target;
        }

        qualifier = string.Join('.', segments);
        return true;
    }

    // A name that is declared ("Foo Backend {", "int Backend(") or assigned ("Backend = …") is a member or a
    // local, never a type.
    private static bool IsMemberName(IReadOnlyList<CSharpToken> tokens, int i)
    {
        if (i + 1 >= tokens.Count)
        {
            return false;
        }

        var next = tokens[i + 1];
        if (next.Kind == CSharpTokenKind.Punctuation && AssignmentOperators.Contains(next.Text))
        {
            return true;
        }

        if (i == 0 || !(DeclaredNameFollowers.Contains(next.Text)
            && (next.Kind == CSharpTokenKind.Punctuation || next.IsWord("in"))))
        {
            return false;
        }

        var previous = tokens[i - 1];
        if (previous.IsIdentifier)
        {
            return previous.IsVerbatimIdentifier
                || PredefinedTypes.Contains(previous.Text)
                || !(ReservedKeywords.Contains(previous.Text) || ContextualKeywords.Contains(previous.Text));
        }

        // List<Foo> Name, Foo? Name, Foo[] Name, Foo* Name.
        return previous.Is(">") || previous.Is("?") || previous.Is("*")
            || (previous.Is("]") && i >= 2 && (tokens[i - 2].Is("[") || tokens[i - 2].Is(",")));
    }

    /// <summary>One source file: its tokens and what the first pass learnt from them.</summary>
    private sealed class SourceFile
    {
        private readonly bool[] _directiveOrDeclaredName;
        private readonly string[] _namespaceAt;

        private SourceFile(string path, IReadOnlyList<CSharpToken> tokens)
        {
            Path = path;
            Tokens = tokens;
            var slash = path.IndexOf('/', StringComparison.Ordinal);
            Folder = slash < 0 ? RootFolder : path[..slash];
            _directiveOrDeclaredName = new bool[tokens.Count];
            _namespaceAt = new string[tokens.Count];
        }

        public string Path { get; }

        public string Folder { get; }

        public IReadOnlyList<CSharpToken> Tokens { get; }

        public List<(string Name, string Namespace)> TopLevelTypes { get; } = [];

        public HashSet<string> NestedTypes { get; } = new(StringComparer.Ordinal);

        public HashSet<string> DeclaredNamespaces { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Usings { get; } = new(StringComparer.Ordinal);

        public HashSet<string> GlobalUsings { get; } = new(StringComparer.Ordinal);

        /// <summary><c>using Alias = A.B;</c>: alias → target, for qualified names that start with the alias.</summary>
        public Dictionary<string, string> Aliases { get; } = new(StringComparer.Ordinal);

        public bool IsDirectiveOrDeclaredName(int index) => _directiveOrDeclaredName[index];

        public string NamespaceAt(int index) => _namespaceAt[index];

        public static SourceFile Read(string path, string text)
        {
            var file = new SourceFile(path, CSharpTokenizer.Tokenize(text));
            file.ReadDeclarations();
            return file;
        }

        private enum Scope
        {
            Namespace,
            Type,
            Other,
        }

        // First pass: namespaces, using directives and type declarations, tracking brace depth.
        private void ReadDeclarations()
        {
            var scopes = new Stack<(Scope Kind, string OuterNamespace)>();
            var typeOrCodeScopes = 0;
            var ns = "";
            Scope? pending = null;
            var pendingNamespace = "";
            for (var i = 0; i < Tokens.Count; i++)
            {
                _namespaceAt[i] = ns;
                var token = Tokens[i];
                if (token.Kind == CSharpTokenKind.Punctuation)
                {
                    switch (token.Text)
                    {
                        case "{":
                            scopes.Push((pending ?? Scope.Other, ns));
                            typeOrCodeScopes += pending == Scope.Namespace ? 0 : 1;
                            if (pending == Scope.Namespace)
                            {
                                ns = pendingNamespace;
                            }

                            pending = null;
                            break;
                        case "}" when scopes.Count > 0:
                            var scope = scopes.Pop();
                            ns = scope.OuterNamespace;
                            typeOrCodeScopes -= scope.Kind == Scope.Namespace ? 0 : 1;
                            break;
                        case ";":
                            pending = null;
                            break;
                    }

                    continue;
                }

                if (token.IsVerbatimIdentifier)
                {
                    continue;
                }

                var atNamespaceLevel = typeOrCodeScopes == 0;
                switch (token.Text)
                {
                    case "namespace" when atNamespaceLevel:
                    {
                        var end = ReadQualifiedName(i + 1, out var name);
                        MarkDirective(i, end);
                        var full = ns.Length == 0 ? name : $"{ns}.{name}";
                        DeclaredNamespaces.Add(full);
                        if (end < Tokens.Count && Tokens[end].Is("{"))
                        {
                            pending = Scope.Namespace;
                            pendingNamespace = full;
                        }
                        else
                        {
                            // File-scoped: everything after it.
                            ns = full;
                        }

                        for (var j = i; j < end; j++)
                        {
                            _namespaceAt[j] = ns;
                        }

                        i = end - 1;
                        break;
                    }

                    case "using" when atNamespaceLevel && pending is null
                        && i + 1 < Tokens.Count && Tokens[i + 1].IsIdentifier && !Tokens[i + 1].IsWord("var"):
                    {
                        var end = ReadUsingDirective(i);
                        for (var j = i; j <= end && j < Tokens.Count; j++)
                        {
                            _namespaceAt[j] = ns;
                        }

                        i = end;
                        break;
                    }

                    case "class" or "struct" or "interface" or "enum" or "record" or "delegate" when IsDeclarationPosition(i):
                    {
                        var nameIndex = DeclaredTypeName(i);
                        if (nameIndex < 0)
                        {
                            break;
                        }

                        _directiveOrDeclaredName[nameIndex] = true;
                        if (atNamespaceLevel)
                        {
                            TopLevelTypes.Add((Tokens[nameIndex].Text, ns));
                        }
                        else
                        {
                            NestedTypes.Add(Tokens[nameIndex].Text);
                        }

                        pending = Scope.Type;
                        break;
                    }
                }
            }
        }

        // using A.B;  global using A.B;  using static A.B.Type;  using X = A.B.Type;
        // Namespace imports are recorded; the type of a static or alias directive stays a reference.
        private int ReadUsingDirective(int i)
        {
            var isGlobal = i > 0 && Tokens[i - 1].IsWord("global");
            if (isGlobal)
            {
                _directiveOrDeclaredName[i - 1] = true;
            }

            var j = i + 1;
            var namesType = false;
            if (Tokens[j].IsWord("static"))
            {
                namesType = true;
                j++;
            }
            else if (j + 1 < Tokens.Count && Tokens[j + 1].Is("="))
            {
                ReadQualifiedName(j + 2, out var target);
                Aliases[Tokens[j].Text] = target;
                namesType = true;
                j += 2;
            }

            var end = j;
            while (end < Tokens.Count && !Tokens[end].Is(";"))
            {
                end++;
            }

            if (namesType)
            {
                // Keep the target's tokens: "A.B.Type" resolves as a qualified name in the second pass.
                MarkDirective(i, j);
                return end;
            }

            ReadQualifiedName(j, out var name);
            (isGlobal ? GlobalUsings : Usings).Add(name);
            MarkDirective(i, end);
            return end;
        }

        private void MarkDirective(int start, int end)
        {
            for (var j = start; j < end && j < Tokens.Count; j++)
            {
                _directiveOrDeclaredName[j] = true;
            }
        }

        // A.B.C (optionally global::A.B.C), returns the index after it.
        private int ReadQualifiedName(int start, out string name)
        {
            var j = start;
            if (j + 1 < Tokens.Count && Tokens[j].IsWord("global") && Tokens[j + 1].Is("::"))
            {
                j += 2;
            }

            var segments = new List<string>();
            while (j < Tokens.Count && Tokens[j].IsIdentifier)
            {
                segments.Add(Tokens[j].Text);
                j++;
                if (j < Tokens.Count && Tokens[j].Is("."))
                {
                    j++;
                }
                else
                {
                    break;
                }
            }

            name = string.Join('.', segments);
            return j;
        }

        private bool IsDeclarationPosition(int i)
        {
            if (i == 0)
            {
                return true;
            }

            var previous = Tokens[i - 1];
            return previous.Is(";") || previous.Is("{") || previous.Is("}") || previous.Is("]")
                || (previous.IsIdentifier && !previous.IsVerbatimIdentifier && DeclarationModifiers.Contains(previous.Text));
        }

        // The index of the declared name, or -1 when the keyword does not declare a type here
        // ("where T : class", "delegate (x) { }", "delegate*<int, void>").
        private int DeclaredTypeName(int i)
        {
            var keyword = Tokens[i].Text;
            if (keyword == "delegate")
            {
                var open = i + 1;
                while (open < Tokens.Count && !Tokens[open].Is("(") && !Tokens[open].Is(";") && !Tokens[open].Is("{")
                    && !Tokens[open].Is("*"))
                {
                    open++;
                }

                if (open >= Tokens.Count || !Tokens[open].Is("(") || open == i + 1)
                {
                    return -1;
                }

                var k = open - 1;
                if (Tokens[k].Is(">"))
                {
                    // delegate void Name<T>(…): skip the type parameter list.
                    for (var depth = 0; k > i; k--)
                    {
                        depth += Tokens[k].Is(">") ? 1 : Tokens[k].Is("<") ? -1 : 0;
                        if (depth == 0)
                        {
                            break;
                        }
                    }

                    k--;
                }

                return k > i + 1 && IsPlainName(Tokens[k]) ? k : -1;
            }

            var nameIndex = i + 1;
            if (keyword == "record" && nameIndex < Tokens.Count && (Tokens[nameIndex].IsWord("struct") || Tokens[nameIndex].IsWord("class")))
            {
                nameIndex++;
            }

            return nameIndex < Tokens.Count && IsPlainName(Tokens[nameIndex]) && !Tokens[nameIndex].IsWord("where")
                ? nameIndex
                : -1;
        }

        private static bool IsPlainName(CSharpToken token) =>
            token.IsIdentifier && (token.IsVerbatimIdentifier || !ReservedKeywords.Contains(token.Text));
    }
}
