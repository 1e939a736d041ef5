namespace CriPS.Engine.Conversion;

/// <summary>
/// The node's files below a root prefix ("/" on a live node, a directory for a prepared tree or a mounted node
/// image). Every path the conversion reads or writes goes through here, named as on the node.
/// </summary>
internal sealed class NodeFiles
{
    public NodeFiles(string root)
    {
        Root = Path.GetFullPath(root);
        if (!Directory.Exists(Root))
            throw new CriException("ConversionRootNotFound", CriErrorCategory.ObjectNotFound, $"The root directory '{root}' does not exist.", root);
    }

    public string Root { get; }

    /// <summary>Where a node path is on this machine. Node paths are absolute and never climb out of the root.</summary>
    public string HostPath(string nodePath)
    {
        if (!nodePath.StartsWith('/'))
            throw new ArgumentException($"'{nodePath}' is not an absolute node path.", nameof(nodePath));
        var full = Path.GetFullPath(Path.Join(Root, nodePath));
        var rootWithSlash = Root.EndsWith('/') ? Root : Root + "/";
        if (full != Root && !full.StartsWith(rootWithSlash, StringComparison.Ordinal))
            throw new ArgumentException($"'{nodePath}' leaves the root '{Root}'.", nameof(nodePath));
        return full;
    }

    public bool Exists(string nodePath) => File.Exists(HostPath(nodePath));

    public bool DirectoryExists(string nodePath) => Directory.Exists(HostPath(nodePath));

    public byte[]? ReadBytes(string nodePath)
    {
        var path = HostPath(nodePath);
        return File.Exists(path) ? File.ReadAllBytes(path) : null;
    }

    public string? ReadText(string nodePath) => ReadBytes(nodePath) is { } bytes ? System.Text.Encoding.UTF8.GetString(bytes) : null;

    /// <summary>Node paths of the files in a node directory that match a pattern, sorted; none when it is absent.</summary>
    public IReadOnlyList<string> List(string nodeDirectory, string pattern)
    {
        var directory = HostPath(nodeDirectory);
        if (!Directory.Exists(directory))
            return [];
        return Directory.GetFiles(directory, pattern).Order(StringComparer.Ordinal)
            .Select(f => nodeDirectory.TrimEnd('/') + "/" + Path.GetFileName(f)).ToList();
    }

    /// <summary>Node paths of the subdirectories of a node directory, sorted.</summary>
    public IReadOnlyList<string> Subdirectories(string nodeDirectory)
    {
        var directory = HostPath(nodeDirectory);
        if (!Directory.Exists(directory))
            return [];
        return Directory.GetDirectories(directory).Order(StringComparer.Ordinal)
            .Select(d => nodeDirectory.TrimEnd('/') + "/" + Path.GetFileName(d)).ToList();
    }

    public UnixFileFacts? Facts(string nodePath)
    {
        var path = HostPath(nodePath);
        return File.Exists(path) ? UnixFileFacts.Of(path) : null;
    }

    /// <summary>
    /// Replaces a file in one step (a temporary file beside it, then a rename), so a crash leaves the old or the
    /// new content, never half of it. The file keeps its owner and mode; a new one gets <paramref name="facts"/>.
    /// Returns the directories it had to create, outermost first.
    /// </summary>
    public IReadOnlyList<string> WriteAtomic(string nodePath, byte[] content, UnixFileFacts facts)
    {
        var path = HostPath(nodePath);
        var created = CreateParents(nodePath);
        RemoveLeftoverTemporaries(path);
        var temporary = TemporaryName(path, Environment.ProcessId);
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            facts.ApplyTo(temporary);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
        return created;
    }

    private static string TemporaryName(string path, int processId) => $"{path}.crips-{processId}.tmp";

    /// <summary>
    /// A run killed between writing a temporary file and renaming it leaves the temporary behind; the run that
    /// resumes removes it, unless the process that wrote it still runs.
    /// </summary>
    private static void RemoveLeftoverTemporaries(string path)
    {
        var directory = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(directory))
            return;
        var prefix = Path.GetFileName(path) + ".crips-";
        foreach (var file in Directory.EnumerateFiles(directory, prefix + "*.tmp"))
        {
            var pid = Path.GetFileName(file)[prefix.Length..^".tmp".Length];
            if (int.TryParse(pid, out var id) && id != Environment.ProcessId && !Directory.Exists($"/proc/{id}"))
                File.Delete(file);
        }
    }

    public void Delete(string nodePath) => File.Delete(HostPath(nodePath));

    /// <summary>Removes a node directory if it is empty; true when it did.</summary>
    public bool RemoveEmptyDirectory(string nodePath)
    {
        var path = HostPath(nodePath);
        if (!Directory.Exists(path) || Directory.EnumerateFileSystemEntries(path).Any())
            return false;
        Directory.Delete(path);
        return true;
    }

    private List<string> CreateParents(string nodePath)
    {
        var missing = new List<string>();
        for (var parent = ParentOf(nodePath); parent != "/" && !Directory.Exists(HostPath(parent)); parent = ParentOf(parent))
            missing.Insert(0, parent);
        foreach (var directory in missing)
            Directory.CreateDirectory(HostPath(directory));
        return missing;
    }

    public static string ParentOf(string nodePath)
    {
        var slash = nodePath.TrimEnd('/').LastIndexOf('/');
        return slash <= 0 ? "/" : nodePath[..slash];
    }
}
