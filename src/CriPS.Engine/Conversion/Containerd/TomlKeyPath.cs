using Tomlyn.Syntax;

namespace CriPS.Engine.Conversion;

/// <summary>Keys as lists of their parts, so `a.b = 1` under `[x]` and `[x.a]` with `b = 1` compare equal.</summary>
internal static class TomlKeyPath
{
    public static List<string> Parts(KeySyntax? key)
    {
        var parts = new List<string>();
        if (key?.Key is { } first)
        {
            parts.Add(PartText(first));
        }
        if (key is not null)
        {
            foreach (var dotted in key.DotKeys)
            {
                if (dotted.Key is { } part)
                {
                    parts.Add(PartText(part));
                }
            }
        }
        return parts;
    }

    /// <summary>A key for the given parts; Tomlyn quotes the parts that are not bare keys.</summary>
    public static KeySyntax Create(IReadOnlyList<string> parts)
    {
        var key = new KeySyntax(parts[0]);
        for (var i = 1; i < parts.Count; i++)
        {
            key.DotKeys.Add(new DottedKeyItemSyntax(parts[i]));
        }
        return key;
    }

    public static bool StartsWith(IReadOnlyList<string> path, IReadOnlyList<string> prefix)
    {
        if (prefix.Count > path.Count)
        {
            return false;
        }
        for (var i = 0; i < prefix.Count; i++)
        {
            if (!string.Equals(path[i], prefix[i], StringComparison.Ordinal))
            {
                return false;
            }
        }
        return true;
    }

    public static bool AreEqual(IReadOnlyList<string> a, IReadOnlyList<string> b) => a.Count == b.Count && StartsWith(a, b);

    public static string Display(IReadOnlyList<string> parts) =>
        string.Join('.', parts.Select(p => BareKeySyntax.IsBareKey(p) ? p : "\"" + p + "\""));

    private static string PartText(BareKeyOrStringValueSyntax part) => part switch
    {
        BareKeySyntax bare => bare.Key?.Text ?? "",
        StringValueSyntax quoted => quoted.Value ?? "",
        _ => part.ToString() ?? "",
    };
}
