using System.IO.Enumeration;

namespace CriPS.Engine.Filtering;

/// <summary>PowerShell-style name patterns: * and ?, case-insensitive (names in CRI are case-sensitive, users' typing is not).</summary>
internal static class Wildcard
{
    public static bool IsMatch(string pattern, string value) =>
        FileSystemName.MatchesSimpleExpression(pattern, value, ignoreCase: true);

    public static bool HasWildcards(string pattern) => pattern.AsSpan().IndexOfAny('*', '?') >= 0;

    public static bool AnyMatch(IReadOnlyCollection<string>? patterns, string value) =>
        patterns is null || patterns.Count == 0 || patterns.Any(p => IsMatch(p, value));
}
