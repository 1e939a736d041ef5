namespace CriPS.Engine;

/// <summary>Takes secrets out of text before it is shown or saved.</summary>
public static class Redaction
{
    /// <summary>The password of every URL's user information: http://user:pass@proxy:3128 becomes http://user:***@proxy:3128.</summary>
    public static string UrlPasswords(string text) => SecretText.UrlPasswords(text);
}
