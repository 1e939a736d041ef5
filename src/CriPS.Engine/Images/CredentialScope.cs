namespace CriPS.Engine.Images;

/// <summary>
/// The one registry that credentials given on the command line (-Credential, -IdentityToken, -RegistryToken) may
/// go to: the host -Registry names, else the registry of the first image. An image of any other registry is refused
/// before anything is sent, so a password meant for one registry never reaches another (crictl and docker scope
/// credentials to one registry too). A config.json scopes itself: it has one entry per registry.
/// </summary>
public sealed class CredentialScope
{
    // host[:port] is at most a 255-character name and a port; longer text is refused before any parsing.
    private const int MaxRegistryLength = 255 + 6;
    private const string NotHostPort = "it is not a host name with an optional port, such as registry.example:5000 (no scheme, no path)";

    /// <summary>The registry the credentials are for, as <see cref="RegistryCredential.CanonicalHost"/> gives it; null until the first image fixes it.</summary>
    public string? Registry { get; private set; }

    /// <summary>What fixed the registry, for the error message: "-Registry" or the first image's reference.</summary>
    public string? FixedBy { get; private set; }

    /// <summary>What the credentials came from ("-Credential", "the token parameters"), for the error message.</summary>
    public string Source { get; }

    public CredentialScope(string? registry, string source)
    {
        Source = source;
        if (registry is null)
            return;
        Registry = RegistryCredential.CanonicalHost(ParseRegistry(registry));
        FixedBy = "-Registry";
    }

    /// <summary>
    /// Checks that <paramref name="image"/> is on the scope's registry; the first image fixes it when -Registry did
    /// not. Throws CriCredentialRegistryMismatch (target: the reference as given) for an image of another registry.
    /// </summary>
    public void Admit(ImageReference image, string reference)
    {
        var registry = RegistryCredential.CanonicalHost(image.Registry);
        if (Registry is null)
        {
            Registry = registry;
            FixedBy = reference;
            return;
        }
        if (registry == Registry)
            return;
        var why = FixedBy == "-Registry" ? "-Registry names" : $"the first image, '{FixedBy}', is on";
        throw new CriException("CriCredentialRegistryMismatch", CriErrorCategory.InvalidArgument,
            $"'{reference}' is on the registry {registry}, but the credentials of {Source} are for {Registry} only ({why} {Registry}); " +
            "nothing was pulled. Pull the images of each registry in a command of their own, or take the credentials from an " +
            "-AuthFile, which holds one entry per registry.", reference);
    }

    /// <summary>
    /// Checks a registry host given as text (host[:port], as an image reference's first part names it) and returns
    /// it; CriInvalidRegistry otherwise. A bare name without a dot or port, other than localhost, is refused: an
    /// image reference never reads it as a registry (docker takes myhost/app for Docker Hub's myhost/app).
    /// </summary>
    public static string ParseRegistry(string text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > MaxRegistryLength || text.Contains('/') || text.Trim() != text)
            throw InvalidRegistry(text, NotHostPort);
        ImageReference parsed;
        try
        {
            parsed = ImageReference.Parse(text + "/x");
        }
        catch (CriException)
        {
            throw InvalidRegistry(text, NotHostPort);
        }
        if (!string.Equals(parsed.Domain, text, StringComparison.OrdinalIgnoreCase))
            throw InvalidRegistry(text, "an image reference reads a first part without a dot or a port, other than localhost, as a Docker Hub repository, never as a registry");
        return text;
    }

    private static CriException InvalidRegistry(string text, string why) =>
        new("CriInvalidRegistry", CriErrorCategory.InvalidArgument,
            $"'{(text.Length > 80 ? text[..80] + "…" : text)}' is not a registry for -Registry: {why}.", text);
}
