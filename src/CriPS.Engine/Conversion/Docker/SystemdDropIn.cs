using System.Text;

namespace CriPS.Engine.Conversion;

/// <summary>The proxy settings of a systemd drop-in: read from docker.service.d, written for containerd.service.d.</summary>
internal static class SystemdDropIn
{
    private static readonly string[] ProxyVariables = ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"];

    /// <summary>True for HTTP_PROXY, HTTPS_PROXY and NO_PROXY, in any case (programs read both spellings).</summary>
    public static bool IsProxyVariable(string name) => ProxyVariables.Contains(name, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The HTTP_PROXY, HTTPS_PROXY and NO_PROXY assignments (any case) of the [Service] section's Environment=
    /// lines, as "NAME=value" in file order, unquoted as systemd unquotes them. An empty Environment= clears the
    /// list, as in systemd. % specifiers are left as written: the containerd drop-in hands them to systemd again.
    /// </summary>
    public static IReadOnlyList<string> ProxyEnvironment(string dropInText)
    {
        var found = new List<string>();
        foreach (var value in ServiceValues(dropInText, "Environment"))
        {
            var assignments = Words(value);
            if (assignments.Count == 0)
                found.Clear();
            foreach (var assignment in assignments)
                if (assignment.Contains('=') && IsProxyVariable(assignment.Split('=', 2)[0]))
                    found.Add(assignment);
        }
        return found;
    }

    /// <summary>
    /// The EnvironmentFile= paths of the [Service] section in file order; a leading '-' (the file may be missing)
    /// is reported as Optional. An empty EnvironmentFile= clears the list, as in systemd.
    /// </summary>
    public static IReadOnlyList<(string Path, bool Optional)> EnvironmentFiles(string dropInText)
    {
        var found = new List<(string, bool)>();
        foreach (var value in ServiceValues(dropInText, "EnvironmentFile"))
        {
            var words = Words(value);
            if (words.Count == 0)
                found.Clear();
            foreach (var word in words)
                found.Add(word.StartsWith('-') ? (word[1..], true) : (word, false));
        }
        return found;
    }

    /// <summary>The proxy variables an environment file sets, each name's last assignment winning as in systemd.</summary>
    public static IEnumerable<KeyValuePair<string, string>> ProxyVariablesOfFile(string environmentFileText) =>
        EnvFileAssignment.All(environmentFileText).Where(a => IsProxyVariable(a.Name)).GroupBy(a => a.Name, StringComparer.Ordinal)
            .Select(g => KeyValuePair.Create(g.Key, g.Last().Value(environmentFileText)));

    /// <summary>
    /// A containerd.service drop-in that reads the proxy variables from an environment file: any local user can
    /// read a unit's Environment= with `systemctl show`, a root-only file keeps a proxy's password to root.
    /// </summary>
    public static string RenderProxy(string environmentFile) =>
        "# Docker's proxy settings, carried over by CriPS so containerd pulls through the same proxy.\n"
        + $"# The values are in {environmentFile} (mode 0600): a proxy URL may carry a password.\n[Service]\nEnvironmentFile={environmentFile}\n";

    /// <summary>A systemd environment file with each NAME="value" once, in double quotes with \\ and \" escaped.</summary>
    public static string RenderEnvironmentFile(IEnumerable<KeyValuePair<string, string>> variables)
    {
        var text = new StringBuilder("# Docker's proxy settings, carried over by CriPS for containerd.service.\n");
        foreach (var (name, value) in variables)
            text.Append(name).Append("=\"").Append(value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append("\"\n");
        return text.ToString();
    }

    /// <summary>The values of one directive of the [Service] section, in file order.</summary>
    private static IEnumerable<string> ServiceValues(string dropInText, string directive) =>
        ServiceDirectives(dropInText).Where(d => d.Key == directive).Select(d => d.Value);

    /// <summary>The directives of the [Service] section in file order, with where each value is written.</summary>
    public static IReadOnlyList<SystemdDirective> ServiceDirectives(string text)
    {
        var found = new List<SystemdDirective>();
        var inService = false;
        foreach (var (line, map) in LogicalLines(text))
        {
            var trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed[0] is '#' or ';')
                continue;
            if (trimmed.StartsWith('['))
            {
                inService = trimmed == "[Service]";
                continue;
            }
            var equals = line.IndexOf('=');
            if (!inService || equals < 0)
                continue;
            // systemd strips the blanks around the value; the raw range covers what is left.
            var start = equals + 1;
            var end = line.Length;
            while (start < end && char.IsWhiteSpace(line[start]))
                start++;
            while (end > start && char.IsWhiteSpace(line[end - 1]))
                end--;
            var rawStart = start < line.Length ? map[start] : map[^1] + 1;
            var rawEnd = end > start ? map[end - 1] + 1 : rawStart;
            found.Add(new SystemdDirective(line[..equals].Trim(), line[start..end], rawStart, rawEnd));
        }
        return found;
    }

    // systemd joins a line ending in a backslash with the next one, the backslash read as a blank. Each logical
    // line comes with the position in the text of each of its characters.
    private static IEnumerable<(string Line, int[] Map)> LogicalLines(string text)
    {
        var line = new StringBuilder();
        var map = new List<int>();
        var lineStart = 0;
        while (lineStart <= text.Length)
        {
            var newline = text.IndexOf('\n', lineStart);
            var end = newline < 0 ? text.Length : newline;
            if (end > lineStart && text[end - 1] == '\r')
                end--;
            var continued = end > lineStart && text[end - 1] == '\\';
            for (var i = lineStart; i < end; i++)
            {
                line.Append(continued && i == end - 1 ? ' ' : text[i]);
                map.Add(i);
            }
            if (!continued || newline < 0)
            {
                if (line.Length > 0)
                    yield return (line.ToString(), map.ToArray());
                line.Clear();
                map.Clear();
            }
            if (newline < 0)
                break;
            lineStart = newline + 1;
        }
    }

    /// <summary>systemd's word splitting of a unit file value: blanks separate words, quotes group and are removed, a backslash escapes.</summary>
    public static List<string> Words(string value)
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
