using System.Text;

namespace CriPS.Engine.Conversion;

/// <summary>Every write of the conversion: backed up first, written atomically, skipped when the bytes are already right.</summary>
internal sealed class NodeChanges(NodeFiles files, NodeBackup backup)
{
    private static readonly UnixFileFacts NewFile = new(
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, 0, 0);

    public NodeFiles Files => files;
    public NodeBackup Backup => backup;

    /// <summary>Writes the text unless the file already holds it; true when it wrote.</summary>
    public bool WriteText(string nodePath, string text, UnixFileFacts? facts = null) =>
        WriteBytes(nodePath, Encoding.UTF8.GetBytes(text), facts);

    /// <param name="step">The step that writes the file, whose undo puts it back (see NodeBackup.EnsureSaved).</param>
    public bool WriteBytes(string nodePath, byte[] content, UnixFileFacts? facts = null, string? step = null)
    {
        var current = files.ReadBytes(nodePath);
        if (current is not null && current.AsSpan().SequenceEqual(content))
            return false;
        backup.EnsureSaved(nodePath, step);
        // Recorded before they exist: a run killed right after creating them still leaves them for rollback to remove.
        backup.RecordCreatedDirectories(files.MissingParents(nodePath));
        files.WriteAtomic(nodePath, content, files.Facts(nodePath) ?? facts ?? NewFile);
        return true;
    }

    /// <summary>Copies a node file (a certificate) with its mode; true when it wrote.</summary>
    public bool CopyFile(string fromNodePath, string toNodePath)
    {
        var content = files.ReadBytes(fromNodePath)
            ?? throw new CriException("ConversionFileNotFound", CriErrorCategory.ObjectNotFound, $"{fromNodePath} does not exist.", fromNodePath);
        return WriteBytes(toNodePath, content, files.Facts(fromNodePath));
    }
}
