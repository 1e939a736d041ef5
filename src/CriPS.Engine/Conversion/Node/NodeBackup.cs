using System.Text.Json;
using System.Text.Json.Serialization;

namespace CriPS.Engine.Conversion;

/// <summary>
/// The first copy of every node file the conversion changes (content, mode, owner), taken just before the first
/// change and never replaced, listed in a manifest. A resumed run reads the node's original files from here, and
/// rollback puts them back byte for byte (and removes the files and directories the conversion created).
/// </summary>
internal sealed class NodeBackup
{
    public const string ManifestName = "manifest.json";
    private static readonly UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
    private readonly NodeFiles _files;
    private readonly BackupManifest _manifest;

    /// <param name="fresh">Start a new backup: an existing manifest (of an earlier conversion) is not read.</param>
    public NodeBackup(NodeFiles files, string nodeDirectory, bool fresh = false)
    {
        _files = files;
        Directory = nodeDirectory;
        var text = fresh ? null : files.ReadText(ManifestPath);
        _manifest = text is null ? new BackupManifest() : JsonSerializer.Deserialize<BackupManifest>(text, Json)
            ?? throw new CriException("ConversionBackupInvalid", CriErrorCategory.InvalidData, $"The backup manifest {ManifestPath} is empty.", ManifestPath);
    }

    /// <summary>The backup's node directory, e.g. /var/lib/crips/docker-to-containerd/backup.</summary>
    public string Directory { get; }

    public string ManifestPath => Directory + "/" + ManifestName;

    public IReadOnlyList<BackupEntry> Entries => _manifest.Entries;

    /// <summary>Entries are kept under the path a file really has (a link's target), which rollback writes back.</summary>
    public bool Has(string nodePath) => Entry(nodePath) is not null;

    private BackupEntry? Entry(string nodePath)
    {
        var resolved = _files.Resolve(nodePath);
        return _manifest.Entries.FirstOrDefault(e => e.Path == resolved);
    }

    /// <summary>The file as it was before the conversion touched it: the backup's copy, or the live file.</summary>
    public byte[]? ReadOriginal(string nodePath)
    {
        var entry = Entry(nodePath);
        if (entry is null)
            return _files.ReadBytes(nodePath);
        return entry.Existed ? _files.ReadBytes(Directory + "/" + entry.Copy) : null;
    }

    public string? ReadOriginalText(string nodePath) => ReadOriginal(nodePath) is { } b ? System.Text.Encoding.UTF8.GetString(b) : null;

    /// <summary>Copies the file once, before its first change; later calls keep the first copy.</summary>
    /// <param name="step">The step that writes the file, whose undo puts it back.</param>
    public void EnsureSaved(string nodePath, string? step)
    {
        nodePath = _files.Resolve(nodePath);
        if (_manifest.Entries.Any(e => e.Path == nodePath))
            return;
        var facts = _files.Facts(nodePath);
        var entry = new BackupEntry { Path = nodePath, Existed = facts is not null, Step = step };
        if (facts is { } f)
        {
            var bytes = _files.ReadBytes(nodePath)!;
            entry.Copy = $"files/{_manifest.Entries.Count + 1:D4}{Path.GetExtension(nodePath)}";
            entry.Mode = f.ModeText;
            entry.Uid = f.Uid;
            entry.Gid = f.Gid;
            entry.Size = bytes.Length;
            CreateDirectory();
            _files.WriteAtomic(Directory + "/" + entry.Copy, bytes, new UnixFileFacts(UnixFileMode.UserRead | UnixFileMode.UserWrite, 0, 0));
        }
        _manifest.Entries.Add(entry);
        Save();
    }

    /// <summary>Directories the conversion created, so rollback can remove them again when they are empty.</summary>
    public void RecordCreatedDirectories(IEnumerable<string> nodeDirectories)
    {
        var added = false;
        foreach (var directory in nodeDirectories.Where(d => !_manifest.CreatedDirectories.Contains(d)))
        {
            _manifest.CreatedDirectories.Add(directory);
            added = true;
        }
        if (added)
            Save();
    }

    public IReadOnlyList<string> CreatedDirectories => _manifest.CreatedDirectories;

    private void Save()
    {
        if (_manifest.CreatedAt is null)
            _manifest.CreatedAt = DateTimeOffset.Now;
        var bytes = JsonSerializer.SerializeToUtf8Bytes(_manifest, Json);
        CreateDirectory();
        _files.WriteAtomic(ManifestPath, bytes, new UnixFileFacts(UnixFileMode.UserRead | UnixFileMode.UserWrite, 0, 0));
    }

    // Copies of keys and configs: only root may enter.
    private void CreateDirectory() => _files.CreateDirectory(Directory, OwnerOnlyDirectory);

    /// <summary>True when the conversion created this file (it did not exist before).</summary>
    public bool Created(string nodePath) => Entry(nodePath) is { Existed: false };

    private sealed class BackupManifest
    {
        public DateTimeOffset? CreatedAt { get; set; }
        public List<BackupEntry> Entries { get; set; } = new();
        public List<string> CreatedDirectories { get; set; } = new();
    }
}

/// <summary>One backed-up node file: whether it existed, and if so where its copy is and its facts.</summary>
internal sealed class BackupEntry
{
    public string Path { get; set; } = "";

    /// <summary>The step that writes the file; null in manifests written before entries named their step.</summary>
    public string? Step { get; set; }
    public bool Existed { get; set; }
    public string? Copy { get; set; }
    public string? Mode { get; set; }
    public uint Uid { get; set; }
    public uint Gid { get; set; }
    // No checksum: nothing reads one (rollback copies the bytes back), and it was the conversion's only reason to
    // load OpenSSL, 4-5 MiB of a process that must stay under 150 MiB.
    public long Size { get; set; }

    public UnixFileFacts Facts => new((UnixFileMode)Convert.ToInt32(Mode ?? "0644", 8), Uid, Gid);
}
