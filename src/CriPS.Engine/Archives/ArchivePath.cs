namespace CriPS.Engine.Archives;

/// <summary>Paths inside a tar archive: always '/', relative, no '.' or '..' left (docker save links layers with '../').</summary>
internal static class ArchivePath
{
    public static string Normalize(string path) => Resolve("", path);

    public static string Directory(string path) => path.LastIndexOf('/') is var i and > 0 ? path[..i] : "";

    /// <summary>A link target relative to the directory of its link.</summary>
    public static string Resolve(string directory, string relative)
    {
        var parts = new List<string>();
        var start = relative.StartsWith('/') ? relative : directory + "/" + relative;
        foreach (var part in start.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
                continue;
            if (part == "..")
            {
                if (parts.Count > 0)
                    parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(part);
        }
        return string.Join('/', parts);
    }
}
