using System.Text.RegularExpressions;

namespace CriPS.Engine.Images;

/// <summary>
/// An image reference checked against the distribution reference grammar ([domain/]path[:tag][@digest]) before
/// any call, so a typo fails at once with CriInvalidImageReference instead of as a registry error.
/// </summary>
public sealed partial record ImageReference(string Domain, string Path, string? Tag, string? Digest)
{
    private const string DockerHub = "docker.io";

    /// <summary>The full form runtimes list, e.g. docker.io/library/busybox:latest.</summary>
    public string FullName => Domain + "/" + Path + (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest);

    /// <summary>The registry host the credentials are looked up for (Docker Hub's is docker.io).</summary>
    public string Registry => Domain;

    public override string ToString() => FullName;

    public static ImageReference Parse(string text)
    {
        var value = text?.Trim() ?? "";
        var match = Grammar().Match(value);
        if (value.Length == 0 || !match.Success)
            throw Invalid(text ?? "", "it does not follow [registry/]repository[:tag][@digest], in lower case");
        var name = match.Groups["name"].Value;
        if (name.Length > 255)
            throw Invalid(value, "the repository name is longer than 255 characters");

        var (domain, path) = SplitDomain(name);
        if (!PathGrammar().IsMatch(path))
            throw Invalid(value, "the repository path must be lower case letters, digits and separators (. _ __ -) between /");

        var tag = match.Groups["tag"].Success ? match.Groups["tag"].Value : null;
        var digest = match.Groups["digest"].Success ? match.Groups["digest"].Value : null;
        if (tag is null && digest is null)
            tag = "latest";
        return new ImageReference(domain, path, tag, digest);
    }

    /// <summary>The reference, or null when the text is not one.</summary>
    public static ImageReference? TryParse(string text) => TryParse(text, out _);

    /// <summary>The reference, or null and the CriInvalidImageReference error that says why the text is not one.</summary>
    public static ImageReference? TryParse(string text, out CriException? invalid)
    {
        invalid = null;
        try
        {
            return Parse(text);
        }
        catch (CriException e)
        {
            invalid = e;
            return null;
        }
    }

    /// <summary>
    /// The names a typed name or a wildcard pattern of one may stand for in a listing of full names, unchecked: as
    /// typed; in docker's reading ("busybox" is docker.io/library/busybox, "team/app:1" docker.io/team/app:1); and
    /// without a tag or digest, each of those with :latest too.
    /// </summary>
    internal static IReadOnlyList<string> FullForms(string pattern)
    {
        var (domain, path) = SplitDomain(pattern);
        var full = domain + "/" + path;
        var forms = full == pattern ? new List<string> { pattern } : [pattern, full];
        var hasTagOrDigest = pattern.Contains('@') || pattern.LastIndexOf(':') > pattern.LastIndexOf('/');
        return hasTagOrDigest ? forms : [.. forms, .. forms.Select(f => f + ":latest")];
    }

    /// <summary>
    /// The reverse of docker's reading, as Docker writes a name in manifest.json: docker.io/library/busybox:1.36 is
    /// busybox:1.36, docker.io/team/app:1 is team/app:1, docker.io/library/a/b stays library/a/b (a/b would read back
    /// as docker.io/a/b); other registries' names stay as they are.
    /// </summary>
    internal static string FamiliarForm(string fullName)
    {
        if (!fullName.StartsWith(DockerHub + "/", StringComparison.Ordinal))
            return fullName;
        var path = fullName[(DockerHub.Length + 1)..];
        const string library = "library/";
        var repository = path.Split('@')[0];
        return path.StartsWith(library, StringComparison.Ordinal) && !repository[library.Length..].Contains('/') ? path[library.Length..] : path;
    }

    /// <summary>
    /// As docker reads a name: a first part with a dot or a port, or "localhost", is a registry; else the name is on
    /// Docker Hub, where a single path is under library/. In a pattern, a first part with * may stand for a registry.
    /// </summary>
    private static (string Domain, string Path) SplitDomain(string name)
    {
        var slash = name.IndexOf('/');
        var first = slash < 0 ? "" : name[..slash];
        if (slash > 0 && (first.Contains('.') || first.Contains(':') || first == "localhost" || first.Contains('*')))
            return (first, name[(slash + 1)..]);
        return (DockerHub, slash < 0 ? "library/" + name : name);
    }

    private static CriException Invalid(string value, string why) =>
        new("CriInvalidImageReference", CriErrorCategory.InvalidArgument, $"'{value}' is not a valid image reference: {why}.", value);

    // name: optional domain (host[:port]) then path components; tag: [\w][\w.-]{0,127}; digest: algorithm:hex (32+).
    [GeneratedRegex(@"^(?<name>(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::(?<tag>[\w][\w.-]{0,127}))?(?:@(?<digest>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?$")]
    private static partial Regex Grammar();

    [GeneratedRegex(@"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")]
    private static partial Regex PathGrammar();
}
