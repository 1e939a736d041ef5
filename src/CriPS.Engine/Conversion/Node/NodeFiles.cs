using System.Security.Cryptography;

// Unix file modes throughout: the conversion runs on Linux nodes only, and the constructor refuses anything else.
#pragma warning disable CA1416

namespace CriPS.Engine.Conversion;

/// <summary>
/// The node's files below a root prefix ("/" on a live node, a directory for a prepared tree or a mounted node
/// image). Every path the conversion reads or writes goes through here, named as on the node, and is resolved
/// link by link the way the node itself would see it, so no link leads outside the root and a linked file is
/// read and written where it really lives (the link itself stays).
/// </summary>
internal sealed class NodeFiles
{
    // Linux gives up after 40 links in one lookup (ELOOP); so does this.
    private const int MaxLinks = 40;

    // The node files the conversion reads are configs, drop-ins and certificates of a few KiB; the largest
    // containerd config seen (every plugin written out) is 40 KiB. 4 MiB is far above that and still bounded.
    private const int MaxFileBytes = 4 << 20;

    private static readonly UnixFileMode DirectoryMode = (UnixFileMode)Convert.ToInt32("0755", 8);

    public NodeFiles(string root)
    {
        if (!OperatingSystem.IsLinux())
            throw new CriException("ConversionNotSupported", CriErrorCategory.NotImplemented, "Converting a node works on Linux only.", root);
        Root = Path.GetFullPath(root).TrimEnd('/');
        if (Root.Length == 0)
            Root = "/";
        if (!Directory.Exists(Root))
            throw new CriException("ConversionRootNotFound", CriErrorCategory.ObjectNotFound, $"The root directory '{root}' does not exist.", root);
    }

    public string Root { get; }

    /// <summary>
    /// The node path with every link followed, as the node would see it: an absolute link target starts again at
    /// the root, ".." stops at the root, and parts that do not exist are kept as they are.
    /// </summary>
    public string Resolve(string nodePath)
    {
        if (!nodePath.StartsWith('/'))
            throw new ArgumentException($"'{nodePath}' is not an absolute node path.", nameof(nodePath));
        var pending = new Stack<string>();
        Push(pending, nodePath);
        var resolved = new List<string>();
        var links = 0;
        while (pending.TryPop(out var part))
        {
            if (part is "" or ".")
                continue;
            if (part == "..")
            {
                if (resolved.Count > 0)
                    resolved.RemoveAt(resolved.Count - 1);
                continue;
            }
            resolved.Add(part);
            if (new FileInfo(Join(resolved)).LinkTarget is not { } target)
                continue;
            if (++links > MaxLinks)
                throw new CriException("ConversionLinkLoop", CriErrorCategory.InvalidData,
                    $"'{nodePath}' goes through more than {MaxLinks} links below '{Root}'.", nodePath);
            resolved.RemoveAt(resolved.Count - 1);
            if (target.StartsWith('/'))
                resolved.Clear();
            Push(pending, target);
        }
        return "/" + string.Join('/', resolved);
    }

    private static void Push(Stack<string> pending, string path)
    {
        var parts = path.Split('/');
        for (var i = parts.Length - 1; i >= 0; i--)
            pending.Push(parts[i]);
    }

    private string Join(List<string> parts) => (Root == "/" ? "" : Root) + "/" + string.Join('/', parts);

    /// <summary>Where a node path is on this machine, links followed: always below the root.</summary>
    public string HostPath(string nodePath) => Unresolved(Resolve(nodePath));

    // Only for paths Resolve returned: joins without following anything.
    private string Unresolved(string resolvedNodePath) => Root == "/" ? resolvedNodePath : Root + (resolvedNodePath == "/" ? "" : resolvedNodePath);

    public bool Exists(string nodePath) => File.Exists(HostPath(nodePath));

    public bool DirectoryExists(string nodePath) => Directory.Exists(HostPath(nodePath));

    public byte[]? ReadBytes(string nodePath)
    {
        var path = HostPath(nodePath);
        if (!File.Exists(path))
            return null;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        if (stream.Length > MaxFileBytes)
            throw new CriException("ConversionFileTooLarge", CriErrorCategory.InvalidData,
                $"{nodePath} is {Display.Bytes(stream.Length)}; node configuration files are read up to {Display.Bytes(MaxFileBytes)}.", nodePath);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    public string? ReadText(string nodePath) => ReadBytes(nodePath) is { } bytes ? System.Text.Encoding.UTF8.GetString(bytes) : null;

    /// <summary>
    /// Node paths of the files in a node directory that match a pattern, sorted, named as listed (a link to a
    /// file counts as the file); none when the directory is absent.
    /// </summary>
    public IReadOnlyList<string> List(string nodeDirectory, string pattern)
    {
        var directory = HostPath(nodeDirectory);
        if (!Directory.Exists(directory))
            return [];
        return Directory.EnumerateFileSystemEntries(directory, pattern)
            .Select(f => nodeDirectory.TrimEnd('/') + "/" + Path.GetFileName(f))
            .Where(Exists)
            .Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Links in a node directory whose target does not exist below the root, with what they point at.</summary>
    public IReadOnlyList<(string Link, string Target)> BrokenLinks(string nodeDirectory)
    {
        var directory = HostPath(nodeDirectory);
        if (!Directory.Exists(directory))
            return [];
        return new DirectoryInfo(directory).EnumerateFileSystemInfos()
            .Where(i => i.LinkTarget is not null)
            .Select(i => (Link: nodeDirectory.TrimEnd('/') + "/" + i.Name, Target: i.LinkTarget!))
            .Where(l => !Exists(l.Link) && !DirectoryExists(l.Link))
            .OrderBy(l => l.Link, StringComparer.Ordinal).ToList();
    }

    /// <summary>Node paths of the subdirectories of a node directory (links to directories included), sorted.</summary>
    public IReadOnlyList<string> Subdirectories(string nodeDirectory)
    {
        var directory = HostPath(nodeDirectory);
        if (!Directory.Exists(directory))
            return [];
        return Directory.EnumerateFileSystemEntries(directory)
            .Select(d => nodeDirectory.TrimEnd('/') + "/" + Path.GetFileName(d))
            .Where(DirectoryExists)
            .Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Owner and mode of the file a node path leads to (a link's target, not the link).</summary>
    public UnixFileFacts? Facts(string nodePath)
    {
        var path = HostPath(nodePath);
        return File.Exists(path) ? UnixFileFacts.Of(path) : null;
    }

    /// <summary>
    /// Replaces the file a node path leads to in one step, so a crash leaves the old or the new content, never
    /// half of it: a new temporary file beside it, created exclusively (O_CREAT|O_EXCL refuses any existing entry,
    /// a planted link included, so nothing redirects the write) with the final owner and mode before a byte is
    /// written, then renamed over it. A link on the way stays a link. Returns the directories it created,
    /// outermost first.
    /// </summary>
    public IReadOnlyList<string> WriteAtomic(string nodePath, byte[] content, UnixFileFacts facts)
    {
        var resolved = Resolve(nodePath);
        var path = Unresolved(resolved);
        var created = CreateParents(resolved, DirectoryMode);
        RemoveTemporaries(path);
        var temporary = $"{path}.crips-{Environment.ProcessId}-{Convert.ToHexString(RandomNumberGenerator.GetBytes(4))}.tmp";
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None,
                UnixCreateMode = facts.Mode & (UnixFileMode)Convert.ToInt32("0777", 8),
            };
            using (var stream = new FileStream(temporary, options))
            {
                // The create mode passes through the umask (which can only narrow it); this makes owner and mode exact.
                facts.ApplyTo(stream.SafeFileHandle);
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
        return created;
    }

    /// <summary>The directories a write to this node path would create, outermost first (resolved node paths).</summary>
    public IReadOnlyList<string> MissingParents(string nodePath)
    {
        var missing = new List<string>();
        for (var parent = ParentOf(Resolve(nodePath)); parent != "/" && !Directory.Exists(Unresolved(parent)); parent = ParentOf(parent))
            missing.Insert(0, parent);
        return missing;
    }

    /// <summary>Creates a node directory (and its parents) with this mode whatever the umask; returns those it created.</summary>
    public IReadOnlyList<string> CreateDirectory(string nodePath, UnixFileMode mode) =>
        CreateParents(Resolve(nodePath) + "/.", mode);

    /// <summary>
    /// A run killed between writing a temporary file and renaming it leaves the temporary behind; the run that
    /// resumes removes it, unless the process that wrote it still runs.
    /// </summary>
    public void RemoveLeftoverTemporaries(string nodePath) => RemoveTemporaries(HostPath(nodePath));

    private static void RemoveTemporaries(string path)
    {
        var directory = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(directory))
            return;
        var prefix = Path.GetFileName(path) + ".crips-";
        foreach (var file in Directory.EnumerateFiles(directory, prefix + "*.tmp"))
        {
            var pid = Path.GetFileName(file)[prefix.Length..^".tmp".Length].Split('-')[0];
            if (int.TryParse(pid, out var id) && id != Environment.ProcessId && !Directory.Exists($"/proc/{id}"))
                File.Delete(file);
        }
    }

    /// <summary>Removes the entry itself (a link is removed, not what it points at).</summary>
    public void Delete(string nodePath) => File.Delete(Unresolved(Resolve(ParentOf(nodePath)).TrimEnd('/') + "/" + Path.GetFileName(nodePath)));

    /// <summary>Removes a node directory if it is empty; true when it did.</summary>
    public bool RemoveEmptyDirectory(string nodePath)
    {
        var path = HostPath(nodePath);
        if (!Directory.Exists(path) || Directory.EnumerateFileSystemEntries(path).Any())
            return false;
        Directory.Delete(path);
        return true;
    }

    /// <summary>Creates the missing directories above a node path: the innermost gets <paramref name="mode"/>, the others 0755.</summary>
    private List<string> CreateParents(string resolvedNodePath, UnixFileMode mode)
    {
        var missing = new List<string>();
        var innermost = ParentOf(resolvedNodePath);
        for (var parent = innermost; parent != "/" && !Directory.Exists(Unresolved(parent)); parent = ParentOf(parent))
            missing.Insert(0, parent);
        foreach (var directory in missing)
        {
            var wanted = directory == innermost ? mode : DirectoryMode;
            // mkdir's mode passes through the umask, which only narrows it; the chmod makes it exact.
            Directory.CreateDirectory(Unresolved(directory), wanted);
            File.SetUnixFileMode(Unresolved(directory), wanted);
        }
        return missing;
    }

    public static string ParentOf(string nodePath)
    {
        var slash = nodePath.TrimEnd('/').LastIndexOf('/');
        return slash <= 0 ? "/" : nodePath[..slash];
    }
}
