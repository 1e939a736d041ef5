namespace CriPS.Engine.Conversion;

/// <summary>
/// Where the value of one NAME=value line of a systemd EnvironmentFile sits in the file's text, so the value
/// can be replaced while every other byte of the file stays as it was.
/// </summary>
internal sealed class EnvFileAssignment
{
    private EnvFileAssignment(int contentStart, int contentEnd, char? quote)
    {
        ContentStart = contentStart;
        ContentEnd = contentEnd;
        Quote = quote;
    }

    /// <summary>The first character of the value, inside its quotes.</summary>
    public int ContentStart { get; }

    /// <summary>Just past the last character of the value, before its closing quote.</summary>
    public int ContentEnd { get; }

    /// <summary>The quote around the value (' or "), or null for a bare value.</summary>
    public char? Quote { get; }

    /// <summary>The last assignment of <paramref name="name"/> (systemd lets a later one win), or null.</summary>
    public static EnvFileAssignment? Find(string text, string name)
    {
        EnvFileAssignment? found = null;
        var lineStart = 0;
        while (lineStart <= text.Length)
        {
            var newline = text.IndexOf('\n', lineStart);
            var lineEnd = newline < 0 ? text.Length : newline;
            if (lineEnd > lineStart && text[lineEnd - 1] == '\r')
                lineEnd--;
            found = Match(text, lineStart, lineEnd, name) ?? found;
            if (newline < 0)
                break;
            lineStart = newline + 1;
        }
        return found;
    }

    private static EnvFileAssignment? Match(string text, int start, int end, string name)
    {
        var i = SkipBlanks(text, start, end);
        if (string.CompareOrdinal(text, i, name, 0, name.Length) != 0)
            return null;
        i = SkipBlanks(text, i + name.Length, end);
        if (i >= end || text[i] != '=')
            return null;
        i = SkipBlanks(text, i + 1, end);

        if (i < end && text[i] is '"' or '\'')
        {
            var quote = text[i];
            var close = ClosingQuote(text, i + 1, end, quote);
            if (close >= 0)
                return new EnvFileAssignment(i + 1, close, quote);
        }
        var valueEnd = end;
        while (valueEnd > i && text[valueEnd - 1] is ' ' or '\t')
            valueEnd--;
        return new EnvFileAssignment(i, valueEnd, null);
    }

    private static int ClosingQuote(string text, int from, int end, char quote)
    {
        for (var i = from; i < end; i++)
        {
            // Only double quotes know backslash escapes in systemd's environment files.
            if (quote == '"' && text[i] == '\\')
                i++;
            else if (text[i] == quote)
                return i;
        }
        return -1;
    }

    private static int SkipBlanks(string text, int i, int end)
    {
        while (i < end && text[i] is ' ' or '\t')
            i++;
        return i;
    }
}
