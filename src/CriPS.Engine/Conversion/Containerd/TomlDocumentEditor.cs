using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace CriPS.Engine.Conversion;

/// <summary>
/// Reads and edits a TOML file through Tomlyn's lossless syntax tree, so comments, order and spelling
/// of everything it does not touch come out byte for byte. Keys are addressed by their full path,
/// wherever the file spells them: under a [table] header, as a dotted key or inside an inline table.
/// A key is set where it already is (a second definition would make the file invalid); a missing key
/// goes where TOML allows it without redefining a table.
/// </summary>
internal sealed class TomlDocumentEditor
{
    private readonly DocumentSyntax _document;
    private readonly string _newLine;
    private readonly string _unsupportedErrorId;
    private readonly string _fileDescription;

    private TomlDocumentEditor(DocumentSyntax document, string newLine, string unsupportedErrorId, string fileDescription)
    {
        _document = document;
        _newLine = newLine;
        _unsupportedErrorId = unsupportedErrorId;
        _fileDescription = fileDescription;
    }

    /// <summary>
    /// Parses the text; invalid TOML (including a key defined twice) fails with invalidErrorId, naming line and column.
    /// Edits TOML cannot express (a table where the file has a plain value) fail later with unsupportedErrorId.
    /// </summary>
    public static TomlDocumentEditor Parse(string text, string invalidErrorId, string unsupportedErrorId, string fileDescription)
    {
        var document = SyntaxParser.Parse(text, sourceName: null, validate: true);
        foreach (var diagnostic in document.Diagnostics)
        {
            if (diagnostic.Kind == DiagnosticMessageKind.Error)
            {
                var start = diagnostic.Span.Start;
                throw new CriException(invalidErrorId, CriErrorCategory.InvalidData,
                    $"The {fileDescription} is not valid TOML: line {start.Line + 1}, column {start.Column + 1}: {diagnostic.Message}",
                    fileDescription);
            }
        }
        var newLine = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        return new TomlDocumentEditor(document, newLine, unsupportedErrorId, fileDescription);
    }

    public string Text => _document.ToString() ?? "";

    public ValueSyntax? Get(params string[] path) => Find(BuildIndex(), path)?.KeyValue.Value;

    /// <summary>True when anything (a key, a [table] header, an inline table) lives under the prefix.</summary>
    public bool HasAnythingUnder(params string[] prefix)
    {
        var index = BuildIndex();
        return index.Entries.Any(e => e.Path.Count > prefix.Length && TomlKeyPath.StartsWith(e.Path, prefix))
            || index.Containers.Any(c => c.Path.Count > prefix.Length && TomlKeyPath.StartsWith(c.Path, prefix))
            || index.TableArrays.Any(a => a.Count > prefix.Length && TomlKeyPath.StartsWith(a, prefix));
    }

    /// <summary>Every key path of the file (the full path of each key = value).</summary>
    public IEnumerable<IReadOnlyList<string>> KeyPaths() => BuildIndex().Entries.Select(e => e.Path);

    /// <summary>Sets the value; false when the file already holds the same value (then nothing is touched).</summary>
    public bool Set(IReadOnlyList<string> path, ValueSyntax value)
    {
        var index = BuildIndex();
        RefuseScalarOnTheWay(index, path);
        if (Find(index, path) is { } existing)
        {
            if (TomlValues.Same(existing.KeyValue.Value, value))
            {
                return false;
            }
            ReplaceValue(existing.KeyValue, value);
            return true;
        }
        Insert(index, path, value);
        return true;
    }

    /// <summary>Adds the key as the first key of the file (e.g. `version`), under the file's header comment.</summary>
    public void InsertFirst(string key, ValueSyntax value) => InsertFirst([key], value);

    private void InsertFirst(IReadOnlyList<string> key, ValueSyntax value)
    {
        var keyValue = NewKeyValue(key, value);
        if (_document.KeyValues.ChildrenCount > 0)
        {
            var first = _document.KeyValues.GetChild(0)!;
            keyValue.LeadingTrivia = TakeLeadingTrivia(first);
            InsertAt(_document.KeyValues, 0, keyValue);
            return;
        }
        if (_document.Tables.ChildrenCount > 0)
        {
            var firstTable = _document.Tables.GetChild(0)!;
            keyValue.LeadingTrivia = TakeLeadingTrivia(firstTable);
            firstTable.LeadingTrivia = [NewLineTrivia()];
        }
        _document.KeyValues.Add(keyValue);
    }

    /// <summary>Removes array items the predicate picks, keeping the array's other items and its layout.</summary>
    public IReadOnlyList<string> RemoveFromStringArray(IReadOnlyList<string> path, Func<string, bool> remove)
    {
        if (Find(BuildIndex(), path)?.KeyValue.Value is not ArraySyntax array)
        {
            return [];
        }
        var removed = new List<string>();
        for (var i = array.Items.ChildrenCount - 1; i >= 0; i--)
        {
            var item = array.Items.GetChild(i)!;
            if (item.Value is StringValueSyntax { Value: { } text } && remove(text))
            {
                RemoveArrayItem(array, i);
                removed.Insert(0, text);
            }
        }
        return removed;
    }

    private static void RemoveArrayItem(ArraySyntax array, int position)
    {
        var item = array.Items.GetChild(position)!;
        var isLast = position == array.Items.ChildrenCount - 1;
        array.Items.RemoveChildAt(position);
        if (array.Items.ChildrenCount == 0)
        {
            // `["cri"]` becomes `[]`, also when it was spread over lines.
            if (array.OpenBracket?.TrailingTrivia is { } open && open.All(t => t.Kind is TokenKind.Whitespaces or TokenKind.NewLine))
            {
                array.OpenBracket.TrailingTrivia = null;
            }
            return;
        }
        if (isLast && item.Comma is null)
        {
            // The new last item keeps no dangling comma (`["a", "x"]` -> `["a"]`) unless a comment hangs on it.
            var previous = array.Items.GetChild(position - 1)!;
            if (previous.Comma is { } comma && !(comma.TrailingTrivia?.Any(t => t.Kind == TokenKind.Comment) ?? false))
            {
                previous.Comma = null;
                if (LastToken(item) is { TrailingTrivia: { } trailing } && LastToken(previous) is { } previousEnd)
                {
                    previousEnd.TrailingTrivia = trailing;
                }
            }
        }
    }

    private void ReplaceValue(KeyValueSyntax keyValue, ValueSyntax value)
    {
        // The old value's trailing spaces and comment (`false  # why`) stay with the new value.
        if (keyValue.Value is { } old && LastToken(old) is { } oldEnd && LastToken(value) is { } newEnd)
        {
            newEnd.TrailingTrivia = oldEnd.TrailingTrivia;
        }
        keyValue.Value = value;
    }

    private void RefuseScalarOnTheWay(Index index, IReadOnlyList<string> path)
    {
        for (var length = 1; length < path.Count; length++)
        {
            var prefix = path.Take(length).ToList();
            if (Find(index, prefix) is { KeyValue.Value: not InlineTableSyntax } scalar)
            {
                throw Unsupported($"`{TomlKeyPath.Display(scalar.Path)}` holds a value where a table is needed for `{TomlKeyPath.Display(path)}`.");
            }
            if (index.TableArrays.Any(a => TomlKeyPath.AreEqual(a, prefix)))
            {
                throw Unsupported($"`{TomlKeyPath.Display(prefix)}` is an array of tables where a table is needed for `{TomlKeyPath.Display(path)}`.");
            }
        }
    }

    private CriException Unsupported(string message) =>
        new(_unsupportedErrorId, CriErrorCategory.InvalidData, $"The {_fileDescription} cannot be edited safely: {message}", _fileDescription);

    private void Insert(Index index, IReadOnlyList<string> path, ValueSyntax value)
    {
        var owner = index.Containers
            .Where(c => c.Path.Count < path.Count && TomlKeyPath.StartsWith(path, c.Path))
            .MaxBy(c => c.Path.Count)!;

        // A table made by dotted keys (`runc.options.X = 1`) cannot get a [header]: add a dotted key beside them.
        var besideDottedKeys = false;
        for (var length = path.Count - 1; length > owner.Path.Count; length--)
        {
            if (index.DottedTables.TryGetValue(PathKey(path.Take(length)), out var dottedOwner))
            {
                owner = dottedOwner;
                besideDottedKeys = true;
                break;
            }
        }

        var relative = path.Skip(owner.Path.Count).ToList();
        if (besideDottedKeys || relative.Count == 1 || owner.Node is InlineTableSyntax)
        {
            AppendTo(owner, relative, value);
        }
        else
        {
            AddTable(path.Take(path.Count - 1).ToList(), path[^1], value);
        }
    }

    private void AppendTo(Container owner, IReadOnlyList<string> relative, ValueSyntax value)
    {
        switch (owner.Node)
        {
            case TableSyntax table:
                AppendToTable(table, relative, value);
                break;
            case DocumentSyntax:
                AppendToRoot(relative, value);
                break;
            case InlineTableSyntax inline:
                AppendToInlineTable(inline, relative, value);
                break;
        }
    }

    private void AppendToTable(TableSyntax table, IReadOnlyList<string> relativeKey, ValueSyntax value)
    {
        var keyValue = NewKeyValue(relativeKey, value);
        var count = table.Items.ChildrenCount;
        SyntaxToken lineEnd;
        SyntaxToken indentSource;
        if (count > 0)
        {
            var last = table.Items.GetChild(count - 1)!;
            lineEnd = EnsureLineEnd(last);
            indentSource = count > 1 ? EnsureLineEnd(table.Items.GetChild(count - 2)!) : EnsureHeaderLineEnd(table);
        }
        else
        {
            lineEnd = EnsureHeaderLineEnd(table);
            indentSource = lineEnd;
        }
        MoveFollowingTrivia(lineEnd, keyValue.EndOfLineToken!, IndentAfter(indentSource));
        table.Items.Add(keyValue);
    }

    private void AppendToRoot(IReadOnlyList<string> relativeKey, ValueSyntax value)
    {
        var count = _document.KeyValues.ChildrenCount;
        if (count == 0)
        {
            InsertFirst(relativeKey, value);
            return;
        }
        var keyValue = NewKeyValue(relativeKey, value);
        var lineEnd = EnsureLineEnd(_document.KeyValues.GetChild(count - 1)!);
        MoveFollowingTrivia(lineEnd, keyValue.EndOfLineToken!, "");
        _document.KeyValues.Add(keyValue);
    }

    private static void AppendToInlineTable(InlineTableSyntax inline, IReadOnlyList<string> relativeKey, ValueSyntax value)
    {
        var keyValue = new KeyValueSyntax(TomlKeyPath.Create(relativeKey), value) { EndOfLineToken = null };
        var item = new InlineTableItemSyntax(keyValue);
        var count = inline.Items.ChildrenCount;
        if (count == 0)
        {
            inline.OpenBrace!.TrailingTrivia = [Space()];
            LastToken(keyValue)!.TrailingTrivia = [Space()];
        }
        else
        {
            var last = inline.Items.GetChild(count - 1)!;
            // The spacing before `}` moves behind the new last item.
            var before = last.Comma ?? LastToken(last.KeyValue!)!;
            LastToken(keyValue)!.TrailingTrivia = before.TrailingTrivia;
            before.TrailingTrivia = null;
            last.Comma ??= SyntaxFactory.Token(TokenKind.Comma);
            last.Comma.TrailingTrivia = [Space()];
        }
        inline.Items.Add(item);
    }

    /// <summary>Adds [tablePath] with one key, next to the tables of the same family (or at the end).</summary>
    private void AddTable(IReadOnlyList<string> tablePath, string key, ValueSyntax value)
    {
        var table = new TableSyntax(TomlKeyPath.Create(tablePath)) { EndOfLineToken = NewLineToken() };
        table.Items.Add(NewKeyValue([key], value));

        var tables = Enumerable.Range(0, _document.Tables.ChildrenCount).Select(i => _document.Tables.GetChild(i)!).ToList();
        var paths = tables.Select(t => (IReadOnlyList<string>)TomlKeyPath.Parts(t.Name)).ToList();
        var position = paths.FindIndex(p => p.Count > tablePath.Count && TomlKeyPath.StartsWith(p, tablePath));
        if (position < 0)
        {
            position = tables.Count;
            for (var length = tablePath.Count - 1; length >= 1; length--)
            {
                var family = tablePath.Take(length).ToList();
                var lastOfFamily = paths.FindLastIndex(p => TomlKeyPath.StartsWith(p, family));
                if (lastOfFamily >= 0)
                {
                    position = lastOfFamily + 1;
                    break;
                }
            }
        }

        if (position == tables.Count)
        {
            if (tables.Count > 0 || _document.KeyValues.ChildrenCount > 0)
            {
                EnsureEndsWithNewLine();
                table.LeadingTrivia = [NewLineTrivia()];
            }
            _document.Tables.Add(table);
            return;
        }

        SyntaxNode? previous = position > 0 ? tables[position - 1]
            : _document.KeyValues.ChildrenCount > 0 ? _document.KeyValues.GetChild(_document.KeyValues.ChildrenCount - 1) : null;
        if (previous is null)
        {
            // Before the first table of a file without top-level keys: the file's header comment stays on top.
            table.LeadingTrivia = TakeLeadingTrivia(tables[0]);
            tables[0].LeadingTrivia = [NewLineTrivia()];
        }
        else
        {
            var lineEnd = previous is TableSyntaxBase previousTable ? EnsureTableLineEnd(previousTable) : EnsureLineEnd((KeyValueSyntax)previous);
            table.LeadingTrivia = [NewLineTrivia()];
            MoveFollowingTrivia(lineEnd, LastToken(table)!, "");
        }
        InsertAt(_document.Tables, position, table);
    }

    /// <summary>
    /// What follows a line end moves behind the new line: blank lines, comments about the next item and its
    /// indentation, so the new key or table lands right after the previous one. Comment lines directly under the
    /// previous line (no blank line between) stay with it.
    /// </summary>
    private static void MoveFollowingTrivia(SyntaxToken previousLineEnd, SyntaxToken newLineEnd, string indent)
    {
        var trivia = previousLineEnd.TrailingTrivia ?? [];
        var kept = 0;
        var lineStart = 0;
        for (var i = 0; i < trivia.Count; i++)
        {
            if (trivia[i].Kind != TokenKind.NewLine)
            {
                continue;
            }
            var line = trivia.Skip(lineStart).Take(i - lineStart);
            if (!line.Any(t => t.Kind == TokenKind.Comment))
            {
                break;
            }
            kept = i + 1;
            lineStart = i + 1;
        }
        var stay = trivia.Take(kept).ToList();
        if (indent.Length > 0)
        {
            stay.Add(new SyntaxTrivia(TokenKind.Whitespaces, indent));
        }
        var move = trivia.Skip(kept).ToList();
        previousLineEnd.TrailingTrivia = stay.Count > 0 ? stay : null;
        newLineEnd.TrailingTrivia = move.Count > 0 ? move : null;
    }

    /// <summary>The indentation of the line after the token (whitespace after its last line break).</summary>
    private static string IndentAfter(SyntaxToken lineEnd)
    {
        var trivia = lineEnd.TrailingTrivia;
        if (trivia is null)
        {
            return "";
        }
        var lastBreak = trivia.FindLastIndex(t => t.Kind == TokenKind.NewLine);
        return string.Concat(trivia.Skip(lastBreak + 1).Where(t => t.Kind == TokenKind.Whitespaces).Select(t => t.Text));
    }

    private SyntaxToken EnsureLineEnd(KeyValueSyntax keyValue) => keyValue.EndOfLineToken ??= NewLineToken();

    private SyntaxToken EnsureHeaderLineEnd(TableSyntaxBase table) => table.EndOfLineToken ??= NewLineToken();

    private SyntaxToken EnsureTableLineEnd(TableSyntaxBase table) =>
        table.Items.ChildrenCount > 0 ? EnsureLineEnd(table.Items.GetChild(table.Items.ChildrenCount - 1)!) : EnsureHeaderLineEnd(table);

    /// <summary>A file whose last line has no line break gets one before anything is appended.</summary>
    private void EnsureEndsWithNewLine()
    {
        if (LastToken(_document) is not { } last)
        {
            return;
        }
        var trivia = last.TrailingTrivia;
        var lastTrivia = trivia?.LastOrDefault(t => t.Kind != TokenKind.Whitespaces);
        var endsWithBreak = lastTrivia is null ? last.TokenKind == TokenKind.NewLine && (trivia is null || trivia.Count == 0)
            : lastTrivia.Kind == TokenKind.NewLine && trivia![^1].Kind == TokenKind.NewLine;
        if (!endsWithBreak)
        {
            last.TrailingTrivia ??= [];
            last.TrailingTrivia.Add(NewLineTrivia());
        }
    }

    private KeyValueSyntax NewKeyValue(IReadOnlyList<string> key, ValueSyntax value) =>
        new(TomlKeyPath.Create(key), value) { EndOfLineToken = NewLineToken() };

    private SyntaxToken NewLineToken() => new(TokenKind.NewLine, _newLine);

    private SyntaxTrivia NewLineTrivia() => new(TokenKind.NewLine, _newLine);

    private static SyntaxTrivia Space() => new(TokenKind.Whitespaces, " ");

    /// <summary>Takes the comments in front of a node (Tomlyn keeps them on the node or on its first token).</summary>
    private static List<SyntaxTrivia>? TakeLeadingTrivia(SyntaxNode node)
    {
        for (SyntaxNode? current = node; current is not null; current = FirstChild(current))
        {
            if (current.LeadingTrivia is { Count: > 0 } trivia)
            {
                current.LeadingTrivia = null;
                return trivia;
            }
        }
        return null;
    }

    private static SyntaxNode? FirstChild(SyntaxNode node)
    {
        for (var i = 0; i < node.ChildrenCount; i++)
        {
            if (node.GetChild(i) is { } child)
            {
                return child;
            }
        }
        return null;
    }

    private static SyntaxToken? LastToken(SyntaxNode node)
    {
        if (node is SyntaxToken token)
        {
            return token;
        }
        for (var i = node.ChildrenCount - 1; i >= 0; i--)
        {
            if (node.GetChild(i) is { } child && LastToken(child) is { } last)
            {
                return last;
            }
        }
        return null;
    }

    /// <summary>Tomlyn's SyntaxList has no Insert: the tail is taken off and put back behind the new item.</summary>
    private static void InsertAt<T>(SyntaxList<T> list, int position, T item) where T : SyntaxNode
    {
        var tail = new List<T>();
        while (list.ChildrenCount > position)
        {
            tail.Add(list.GetChild(position)!);
            list.RemoveChildAt(position);
        }
        list.Add(item);
        foreach (var node in tail)
        {
            list.Add(node);
        }
    }

    private static Entry? Find(Index index, IReadOnlyList<string> path) =>
        index.Entries.FirstOrDefault(e => TomlKeyPath.AreEqual(e.Path, path));

    private static string PathKey(IEnumerable<string> path) => string.Join('\u0001', path);

    private Index BuildIndex()
    {
        var index = new Index();
        var root = new Container([], _document);
        index.Containers.Add(root);
        AddEntries(index, root, _document.KeyValues);
        foreach (var table in _document.Tables)
        {
            var path = TomlKeyPath.Parts(table.Name);
            if (table is TableSyntax standard)
            {
                var container = new Container(path, standard);
                index.Containers.Add(container);
                AddEntries(index, container, standard.Items);
            }
            else
            {
                // Keys inside [[arrays]] belong to one element each and are never addressed by a path here.
                index.TableArrays.Add(path);
            }
        }
        return index;
    }

    private static void AddEntries(Index index, Container owner, IEnumerable<KeyValueSyntax> keyValues)
    {
        foreach (var keyValue in keyValues)
        {
            var relative = TomlKeyPath.Parts(keyValue.Key);
            var path = owner.Path.Concat(relative).ToList();
            index.Entries.Add(new Entry(owner, keyValue, path));
            for (var length = 1; length < relative.Count; length++)
            {
                index.DottedTables.TryAdd(PathKey(owner.Path.Concat(relative.Take(length))), owner);
            }
            if (keyValue.Value is InlineTableSyntax inline)
            {
                var container = new Container(path, inline);
                index.Containers.Add(container);
                AddEntries(index, container, inline.Items.Select(i => i.KeyValue).OfType<KeyValueSyntax>());
            }
        }
    }

    private sealed record Container(IReadOnlyList<string> Path, SyntaxNode Node);

    private sealed record Entry(Container Owner, KeyValueSyntax KeyValue, IReadOnlyList<string> Path);

    private sealed class Index
    {
        public List<Container> Containers { get; } = [];
        public List<Entry> Entries { get; } = [];
        public Dictionary<string, Container> DottedTables { get; } = [];
        public List<IReadOnlyList<string>> TableArrays { get; } = [];
    }
}
