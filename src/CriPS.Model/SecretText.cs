using System.Text.RegularExpressions;

namespace CriPS;

/// <summary>
/// Takes the secrets that have a recognisable shape out of text: a URL's password and an Authorization header's
/// credentials. Code that knows the exact secret (the kubeconfig's token, say) scrubs it as well.
/// </summary>
public static partial class SecretText
{
    /// <summary>Both redactions below.</summary>
    public static string Redact(string text) => AuthorizationValues(UrlPasswords(text));

    /// <summary>The password of every URL's user information: http://user:pass@proxy:3128 becomes http://user:***@proxy:3128.</summary>
    public static string UrlPasswords(string text) => UrlPassword().Replace(text, "${user}:***@");

    /// <summary>"Bearer abc.def" and "Basic dXNlcjpwdw==" become "Bearer ***" and "Basic ***".</summary>
    public static string AuthorizationValues(string text) => AuthorizationValue().Replace(text, "${scheme} ***");

    // scheme://user:password@ where neither part holds '/', '@' or blanks; a password may hold ':'.
    [GeneratedRegex(@"(?<=[A-Za-z][A-Za-z0-9+.-]*://)(?<user>[^/@\s:]*):[^/@\s]+@", RegexOptions.CultureInvariant)]
    private static partial Regex UrlPassword();

    // The token68 of RFC 9110 (letters, digits and -._~+/, then '=' padding). The scheme as headers spell it, so
    // prose such as "the bearer token expired" keeps its words.
    [GeneratedRegex(@"\b(?<scheme>Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*", RegexOptions.CultureInvariant)]
    private static partial Regex AuthorizationValue();
}
