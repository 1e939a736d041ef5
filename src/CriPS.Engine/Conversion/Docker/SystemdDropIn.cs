using System.Text;

namespace CriPS.Engine.Conversion;

/// <summary>The proxy settings of a systemd drop-in: read from docker.service.d, written for containerd.service.d.</summary>
internal static class SystemdDropIn
{
    private static readonly string[] ProxyVariables = ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"];

    /// <summary>
    /// The HTTP_PROXY, HTTPS_PROXY and NO_PROXY assignments (any case) of the [Service] section's Environment=
    /// lines, as "NAME=value" in file order, unquoted as systemd unquotes them. An empty Environment= clears the
    /// list, as in systemd. % specifiers are left as written: the containerd drop-in hands them to systemd again.
    /// </summary>
    public static IReadOnlyList<string> ProxyEnvironment(string dropInText)
    {
        var found = new List<string>();
        var inService = false;
        foreach (var line in LogicalLines(dropInText))
        {
            var text = line.Trim();
            if (text.Length == 0 || text[0] is '#' or ';')
                continue;
            if (text.StartsWith('['))
            {
                inService = text == "[Service]";
                continue;
            }
            var equals = text.IndexOf('=');
            if (!inService || equals < 0 || text[..equals].Trim() != "Environment")
                continue;
            var assignments = Words(text[(equals + 1)..]);
            if (assignments.Count == 0)
                found.Clear();
            foreach (var assignment in assignments)
            {
                var name = assignment.Split('=', 2)[0];
                if (assignment.Contains('=') && ProxyVariables.Contains(name, StringComparer.OrdinalIgnoreCase))
                    found.Add(assignment);
            }
        }
        return found;
    }

    /// <summary>A containerd.service drop-in that sets the given "NAME=value" variables, each quoted once.</summary>
    public static string RenderProxy(IReadOnlyList<string> environment)
    {
        var text = new StringBuilder("# Docker's proxy settings, carried over by CriPS so containerd pulls through the same proxy.\n[Service]\n");
        foreach (var assignment in environment.Distinct(StringComparer.Ordinal))
            text.Append("Environment=\"").Append(assignment.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append("\"\n");
        return text.ToString();
    }

    // systemd joins a line ending in a backslash with the next one.
    private static IEnumerable<string> LogicalLines(string text)
    {
        var pending = new StringBuilder();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.EndsWith('\\'))
            {
                pending.Append(line, 0, line.Length - 1).Append(' ');
                continue;
            }
            yield return pending.Append(line).ToString();
            pending.Clear();
        }
        if (pending.Length > 0)
            yield return pending.ToString();
    }

    // systemd's word splitting for Environment=: blanks separate words, quotes group and are removed, a backslash escapes.
    private static List<string> Words(string value)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        char? quote = null;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\\' && i + 1 < value.Length)
            {
                word.Append(value[++i]);
                inWord = true;
            }
            else if (quote is not null)
            {
                if (c == quote)
                    quote = null;
                else
                    word.Append(c);
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                    words.Add(word.ToString());
                word.Clear();
                inWord = false;
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }
        if (inWord)
            words.Add(word.ToString());
        return words;
    }
}
