namespace CriPS.Engine.Archives;

/// <summary>
/// Paths inside a tar archive: always '/', relative, no '.' or '..' left (docker save links layers with '../').
/// A path that is absolute or climbs above the archive's top names nothing in it: that is an error, never
/// quietly cut back to the top (a name like ../../etc/x is an attack or a broken archive, not a blob).
/// </summary>
internal static class ArchivePath
{
    /// <summary>An entry's name, or a path manifest.json gives, relative to the archive's top.</summary>
    public static string Normalize(string path) => Resolve("", path);

    public static string Directory(string path) => path.LastIndexOf('/') is var i and > 0 ? path[..i] : "";

    /// <summary>A link target relative to the directory of its link.</summary>
    public static string Resolve(string directory, string relative)
    {
        if (relative.StartsWith('/'))
            throw Outside(relative);
        var parts = new List<string>();
        foreach (var part in (directory + "/" + relative).Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
                continue;
            if (part == "..")
            {
                if (parts.Count == 0)
                    throw Outside(relative);
                parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(part);
        }
        return string.Join('/', parts);
    }

    private static ImageArchiveException Outside(string path) => new(ArchiveProblem.PathOutside,
        $"The archive names '{path}', which is outside the archive (absolute, or above its top with '..'): a broken or hostile archive.", path);
}
