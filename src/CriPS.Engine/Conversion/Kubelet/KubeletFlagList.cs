using System.Text;

namespace CriPS.Engine.Conversion;

/// <summary>
/// The kubelet flags in one environment variable's value (KUBELET_KUBEADM_ARGS="--a=b --c d"), kept as the tokens
/// and blanks they were written with. Edits touch only the tokens they change, so the rest of the value keeps its
/// order, spacing and quoting byte for byte (a plain re-join would lose the user's quoting).
/// </summary>
internal sealed class KubeletFlagList
{
    private readonly List<Token> _tokens;
    private readonly string _trailing;

    private KubeletFlagList(List<Token> tokens, string trailing)
    {
        _tokens = tokens;
        _trailing = trailing;
    }

    private sealed class Token(string before, string raw, string value)
    {
        public string Before { get; set; } = before;
        public string Raw { get; set; } = raw;
        public string Value { get; } = value;
    }

    /// <summary>
    /// Splits a value the way systemd splits an unbraced $VARIABLE on the kubelet's command line: at blanks
    /// outside quotes. <paramref name="outerQuote"/> is the quote around the whole value in the file; inside
    /// double quotes (and bare values) a backslash escapes the next character.
    /// </summary>
    public static KubeletFlagList Parse(string content, char? outerQuote)
    {
        // Undo the file's own escaping first, remembering where each character came from in the raw text.
        var chars = new List<(char C, int RawStart, int RawEnd)>();
        for (var i = 0; i < content.Length; i++)
        {
            if (outerQuote != '\'' && content[i] == '\\' && i + 1 < content.Length)
            {
                chars.Add((content[i + 1], i, i + 2));
                i++;
            }
            else
                chars.Add((content[i], i, i + 1));
        }

        var tokens = new List<Token>();
        var blankStart = 0;
        var k = 0;
        while (k < chars.Count)
        {
            if (char.IsWhiteSpace(chars[k].C))
            {
                k++;
                continue;
            }
            var rawStart = chars[k].RawStart;
            var value = new StringBuilder();
            char? inner = null;
            for (; k < chars.Count && (inner is not null || !char.IsWhiteSpace(chars[k].C)); k++)
            {
                var c = chars[k].C;
                if (inner is null && c is '"' or '\'')
                    inner = c;
                else if (inner == c)
                    inner = null;
                else
                    value.Append(c);
            }
            var rawEnd = chars[k - 1].RawEnd;
            tokens.Add(new Token(content[blankStart..rawStart], content[rawStart..rawEnd], value.ToString()));
            blankStart = rawEnd;
        }
        return new KubeletFlagList(tokens, content[blankStart..]);
    }

    /// <summary>Flags already split into words (ExecStart's own): read only, never rendered back into a file.</summary>
    public static KubeletFlagList FromWords(IEnumerable<string> words) =>
        new(words.Select(w => new Token(" ", w, w)).ToList(), "");

    /// <summary>The flags in order; a token after a flag that does not start with '-' is that flag's value.</summary>
    public IReadOnlyList<KubeletFlag> Flags
    {
        get
        {
            var flags = new List<KubeletFlag>();
            for (var i = 0; i < _tokens.Count; i++)
            {
                var text = _tokens[i].Value;
                if (!text.StartsWith('-') || text.TrimStart('-').Length == 0)
                    continue;
                var body = text.TrimStart('-');
                var equals = body.IndexOf('=');
                if (equals >= 0)
                    flags.Add(new KubeletFlag(body[..equals], body[(equals + 1)..], i, null));
                else if (i + 1 < _tokens.Count && !_tokens[i + 1].Value.StartsWith('-'))
                {
                    flags.Add(new KubeletFlag(body, _tokens[i + 1].Value, i, i + 1));
                    i++;
                }
                else
                    flags.Add(new KubeletFlag(body, null, i, null));
            }
            return flags;
        }
    }

    /// <summary>The value of the last occurrence (pflag lets the last one win), "true" for a bare flag, or null.</summary>
    public string? Get(string name) => Flags.LastOrDefault(f => f.Name == name) is { } flag ? flag.Value ?? "true" : null;

    public bool Has(string name) => Flags.Any(f => f.Name == name);

    /// <summary>Sets every occurrence to <paramref name="value"/>, keeping each one's --a=b or --a b form.</summary>
    /// <returns>The occurrences that had another value.</returns>
    public IReadOnlyList<KubeletFlag> Set(string name, string value)
    {
        var changed = Flags.Where(f => f.Name == name && f.Value != value).ToList();
        foreach (var flag in changed)
        {
            if (flag.ValueToken is { } valueToken)
                _tokens[valueToken].Raw = value;
            else
                _tokens[flag.Token].Raw = $"{DashesOf(flag)}{name}={value}";
        }
        return changed;
    }

    /// <summary>Removes every occurrence with its value.</summary>
    /// <returns>The occurrences removed.</returns>
    public IReadOnlyList<KubeletFlag> Remove(string name)
    {
        var removed = Flags.Where(f => f.Name == name).ToList();
        foreach (var flag in Enumerable.Reverse(removed))
        {
            if (flag.ValueToken is { } valueToken)
                RemoveToken(valueToken);
            RemoveToken(flag.Token);
        }
        return removed;
    }

    /// <summary>Inserts --name=value before the token at <paramref name="position"/> (the count appends).</summary>
    public void Insert(int position, string name, string value)
    {
        var raw = $"--{name}={value}";
        if (_tokens.Count == 0)
            _tokens.Add(new Token("", raw, raw));
        else if (position == 0)
        {
            // The new first flag takes over the value's leading blanks.
            _tokens.Insert(0, new Token(_tokens[0].Before, raw, raw));
            _tokens[1].Before = " ";
        }
        else
            _tokens.Insert(position, new Token(" ", raw, raw));
    }

    /// <summary>The token count, for Insert at the end.</summary>
    public int TokenCount => _tokens.Count;

    public string Render()
    {
        var text = new StringBuilder();
        foreach (var token in _tokens)
            text.Append(token.Before).Append(token.Raw);
        return text.Append(_trailing).ToString();
    }

    private void RemoveToken(int index)
    {
        // A removed first token leaves its leading blanks to the next one; any other takes its own blanks along.
        if (index == 0 && _tokens.Count > 1)
            _tokens[1].Before = _tokens[0].Before;
        _tokens.RemoveAt(index);
    }

    private string DashesOf(KubeletFlag flag)
    {
        var value = _tokens[flag.Token].Value;
        return value[..(value.Length - value.TrimStart('-').Length)];
    }
}
