using System.Globalization;
using Tomlyn.Syntax;

namespace CriPS.Engine.Conversion;

/// <summary>Builds, compares and shows TOML values of the syntax tree.</summary>
internal static class TomlValues
{
    public static ValueSyntax String(string value) => new StringValueSyntax(value);

    public static ValueSyntax Boolean(bool value) => new BooleanValueSyntax(value);

    public static ValueSyntax Integer(long value) => new IntegerValueSyntax(value);

    public static ValueSyntax StringArray(IEnumerable<string> values) => Array(values.Select(String));

    /// <summary>An inline array `[a, b]`; Tomlyn's empty ArraySyntax has no brackets or commas of its own.</summary>
    public static ArraySyntax Array(IEnumerable<ValueSyntax> values)
    {
        var array = new ArraySyntax
        {
            OpenBracket = SyntaxFactory.Token(TokenKind.OpenBracket),
            CloseBracket = SyntaxFactory.Token(TokenKind.CloseBracket),
        };
        ArrayItemSyntax? previous = null;
        foreach (var value in values)
        {
            if (previous is not null)
            {
                previous.Comma = SyntaxFactory.Token(TokenKind.Comma);
                previous.Comma.AddTrailingWhitespace();
            }
            previous = new ArrayItemSyntax { Value = value };
            array.Items.Add(previous);
        }
        return array;
    }

    public static string? AsString(ValueSyntax? value) => (value as StringValueSyntax)?.Value;

    public static bool? AsBoolean(ValueSyntax? value) => (value as BooleanValueSyntax)?.Value;

    public static long? AsInteger(ValueSyntax? value) => (value as IntegerValueSyntax)?.Value;

    public static List<ValueSyntax> Items(ValueSyntax? value) =>
        value is ArraySyntax array ? array.Items.Select(i => i.Value).OfType<ValueSyntax>().ToList() : [];

    /// <summary>Same TOML value, whatever the spelling ('x' and "x", 0x10 and 16).</summary>
    public static bool Same(ValueSyntax? a, ValueSyntax? b) => (a, b) switch
    {
        (StringValueSyntax x, StringValueSyntax y) => x.Value == y.Value,
        (BooleanValueSyntax x, BooleanValueSyntax y) => x.Value == y.Value,
        (IntegerValueSyntax x, IntegerValueSyntax y) => x.Value == y.Value,
        (ArraySyntax x, ArraySyntax y) => Items(x).Count == Items(y).Count && Items(x).Zip(Items(y)).All(p => Same(p.First, p.Second)),
        _ => false,
    };

    /// <summary>The value as a reader would write it in TOML, for change lines and notes.</summary>
    public static string Display(ValueSyntax? value) => value switch
    {
        null => "unset",
        StringValueSyntax s => Quote(s.Value ?? ""),
        BooleanValueSyntax b => b.Value ? "true" : "false",
        IntegerValueSyntax i => i.Value.ToString(CultureInfo.InvariantCulture),
        ArraySyntax => "[" + string.Join(", ", Items(value).Select(Display)) + "]",
        _ => value.ToString()?.Trim() ?? "",
    };

    public static string Quote(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
