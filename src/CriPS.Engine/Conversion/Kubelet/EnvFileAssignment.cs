namespace CriPS.Engine.Conversion;

/// <summary>
/// Where the value of one NAME=value assignment of a systemd EnvironmentFile (or of a unit's Environment= line)
/// sits in the file's text, so the value can be replaced while every other byte of the file stays as it was.
/// </summary>
internal sealed class EnvFileAssignment
{
    private EnvFileAssignment(string name, int contentStart, int contentEnd, char? quote)
    {
        Name = name;
        ContentStart = contentStart;
        ContentEnd = contentEnd;
        Quote = quote;
    }

    public string Name { get; }

    /// <summary>The first character of the value, inside its quotes.</summary>
    public int ContentStart { get; }

    /// <summary>Just past the last character of the value, before its closing quote.</summary>
    public int ContentEnd { get; }

    /// <summary>The quote around the value (' or "), or null for a bare value.</summary>
    public char? Quote { get; }

    /// <summary>The value as written (escapes and line continuations still in it).</summary>
    public string RawValue(string text) => text[ContentStart..ContentEnd];

    /// <summary>The value as systemd hands it on: double quotes and bare values lose their backslash escapes and continuations.</summary>
    public string Value(string text)
    {
        var raw = RawValue(text);
        if (Quote == '\'')
            return raw;
        var value = new System.Text.StringBuilder(raw.Length);
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] != '\\' || i + 1 >= raw.Length)
                value.Append(raw[i]);
            else if (raw[++i] is '\r' && i + 1 < raw.Length && raw[i + 1] == '\n')
                i++;
            else if (raw[i] != '\n')
                value.Append(raw[i]);
        }
        return value.ToString();
    }

    /// <summary>The last assignment of <paramref name="name"/> (systemd lets a later one win), or null.</summary>
    public static EnvFileAssignment? Find(string text, string name) => All(text).LastOrDefault(a => a.Name == name);

    /// <summary>
    /// Every assignment of an environment file in file order. A quoted value may run over several lines (kubespray
    /// writes KUBELET_ARGS="...\ newline ..."), so the file is read as one stream, not line by line.
    /// </summary>
    public static IReadOnlyList<EnvFileAssignment> All(string text)
    {
        var found = new List<EnvFileAssignment>();
        var i = 0;
        while (i < text.Length)
        {
            i = SkipBlanks(text, i, text.Length);
            if (i >= text.Length)
                break;
            if (text[i] is '#' or ';' or '\r' or '\n')
            {
                i = LineEnd(text, i) + 1;
                continue;
            }
            var keyStart = i;
            while (i < text.Length && text[i] is not ('=' or '\n'))
                i++;
            if (i >= text.Length || text[i] != '=')
            {
                i++;
                continue;
            }
            var name = text[keyStart..i].TrimEnd(' ', '\t');
            i = SkipBlanks(text, i + 1, text.Length);

            if (i < text.Length && text[i] is '"' or '\'')
            {
                var quote = text[i];
                var close = ClosingQuote(text, i + 1, quote);
                if (close >= 0)
                {
                    found.Add(new EnvFileAssignment(name, i + 1, close, quote));
                    i = LineEnd(text, close) + 1;
                    continue;
                }
            }
            // A bare value runs to the end of the line; a backslash at the end continues it on the next.
            var start = i;
            while (i < text.Length && text[i] != '\n')
                i += text[i] == '\\' ? 2 : 1;
            i = Math.Min(i, text.Length);
            var end = i;
            while (end > start && text[end - 1] is ' ' or '\t' or '\r')
                end--;
            found.Add(new EnvFileAssignment(name, start, end, null));
            i++;
        }
        return found;
    }

    /// <summary>
    /// The assignments of one Environment= value of a unit file (text[start..end]), in the forms a value can be
    /// replaced in place: "NAME=value", 'NAME=value', NAME="value", NAME='value' or a bare NAME=value. Another
    /// form of the wanted name comes back with Editable false.
    /// </summary>
    public static (bool Found, EnvFileAssignment? Editable) FindInEnvironmentLine(string text, int start, int end, string name)
    {
        (bool, EnvFileAssignment?) result = (false, null);
        foreach (var (wordStart, wordEnd) in RawWords(text, start, end))
        {
            var word = text[wordStart..wordEnd];
            var prefix = name + "=";
            if (word.Length >= prefix.Length + 2 && word[0] is '"' or '\'' && word[^1] == word[0]
                && string.CompareOrdinal(word, 1, prefix, 0, prefix.Length) == 0)
            {
                var inner = word[(1 + prefix.Length)..^1];
                result = (true, Unquoted(inner, word[0]) ? new EnvFileAssignment(name, wordStart + 1 + prefix.Length, wordEnd - 1, word[0]) : null);
            }
            else if (word.StartsWith(prefix, StringComparison.Ordinal))
            {
                var rest = word[prefix.Length..];
                if (rest.Length >= 2 && rest[0] is '"' or '\'' && rest[^1] == rest[0] && Unquoted(rest[1..^1], rest[0]))
                    result = (true, new EnvFileAssignment(name, wordStart + prefix.Length + 1, wordEnd - 1, rest[0]));
                else
                    result = (true, rest.IndexOfAny(['"', '\'']) < 0 ? new EnvFileAssignment(name, wordStart + prefix.Length, wordEnd, null) : null);
            }
        }
        return result;
    }

    // True when the text holds no unescaped quote of this kind: the quote around it is the only one.
    private static bool Unquoted(string inner, char quote)
    {
        for (var i = 0; i < inner.Length; i++)
        {
            if (inner[i] == '\\')
                i++;
            else if (inner[i] == quote)
                return false;
        }
        return true;
    }

    // Words of a unit file value as raw ranges: blanks outside quotes separate them, a backslash escapes the next
    // character (a backslash-newline is a continued line, which systemd reads as a blank).
    private static IEnumerable<(int Start, int End)> RawWords(string text, int start, int end)
    {
        var i = start;
        while (i < end)
        {
            while (i < end && (char.IsWhiteSpace(text[i]) || (text[i] == '\\' && i + 1 < end && text[i + 1] is '\n' or '\r')))
                i += text[i] == '\\' ? 2 : 1;
            if (i >= end)
                yield break;
            var wordStart = i;
            char? quote = null;
            while (i < end && (quote is not null || !char.IsWhiteSpace(text[i])))
            {
                if (text[i] == '\\' && i + 1 < end && text[i + 1] is '\n' or '\r' && quote is null)
                    break;
                if (text[i] == '\\')
                    i++;
                else if (quote is null && text[i] is '"' or '\'')
                    quote = text[i];
                else if (quote == text[i])
                    quote = null;
                i++;
            }
            yield return (wordStart, Math.Min(i, end));
        }
    }

    private static int ClosingQuote(string text, int from, char quote)
    {
        for (var i = from; i < text.Length; i++)
        {
            // Only double quotes know backslash escapes in systemd's environment files.
            if (quote == '"' && text[i] == '\\')
                i++;
            else if (text[i] == quote)
                return i;
        }
        return -1;
    }

    private static int LineEnd(string text, int i)
    {
        var newline = text.IndexOf('\n', i);
        return newline < 0 ? text.Length : newline;
    }

    private static int SkipBlanks(string text, int i, int end)
    {
        while (i < end && text[i] is ' ' or '\t')
            i++;
        return i;
    }
}
