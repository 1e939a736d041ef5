using System.Text.RegularExpressions;

namespace CriPS.Engine;

/// <summary>Takes secrets out of text before it is shown or saved.</summary>
public static partial class Redaction
{
    /// <summary>The password of every URL's user information: http://user:pass@proxy:3128 becomes http://user:***@proxy:3128.</summary>
    public static string UrlPasswords(string text) => UrlPassword().Replace(text, "${user}:***@");

    // scheme://user:password@ where neither part holds '/', '@' or blanks; a password may hold ':'.
    [GeneratedRegex(@"(?<=[A-Za-z][A-Za-z0-9+.-]*://)(?<user>[^/@\s:]*):[^/@\s]+@", RegexOptions.CultureInvariant)]
    private static partial Regex UrlPassword();
}
