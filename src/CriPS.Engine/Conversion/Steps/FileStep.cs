namespace CriPS.Engine.Conversion;

/// <summary>
/// A step that writes the files the plan filed under its name: -WhatIf shows each with its diff, a run writes
/// those that differ, and the undo puts back the files the backup holds for the step.
/// </summary>
internal abstract class FileStep : NodeStep
{
    public override IEnumerable<PlannedAction> Plan(ConversionContext c)
    {
        var files = c.Plan.FilesOf(Name).Select(file => Planned(c.Files.Exists(file.NodePath) ? "Edit file" : "Create file", file.NodePath,
            string.Join("; ", file.Changes) + "\n" + file.Diff(c.Files)));
        return c.Plan.ChangesUnitsOf(Name) ? files.Append(Planned("Run", "systemctl daemon-reload")) : files;
    }

    public override async Task<ConversionStepStatus> RunAsync(ConversionStep record, ConversionContext c, CancellationToken cancel)
    {
        WriteFiles(record, c);
        // Before anything starts the unit again.
        if (c.Plan.ChangesUnitsOf(Name))
            await c.Systemctl.ActAsync(cancel, "daemon-reload").ConfigureAwait(false);
        return ConversionStepStatus.Done;
    }

    private void WriteFiles(ConversionStep record, ConversionContext c)
    {
        foreach (var file in c.Plan.FilesOf(Name))
        {
            var wrote = c.Changes.WriteBytes(file.NodePath, file.Content, file.Facts, Name);
            record.Details.Add($"{file.NodePath}: {(wrote ? string.Join("; ", file.Changes) : "already as planned")}");
        }
    }

    /// <summary>
    /// Every file back byte for byte with its mode and owner, or removed when the conversion created it; systemd
    /// reloads its units when a unit file or drop-in (containerd's, the kubelet's) was among them.
    /// </summary>
    public override async Task UndoAsync(RollbackContext c, CancellationToken cancel)
    {
        var entries = c.Backup.Entries.Where(Restores).ToList();
        foreach (var entry in entries)
        {
            // A run killed between writing a temporary file and renaming it left one beside the file.
            c.Files.RemoveLeftoverTemporaries(entry.Path);
            if (entry.Existed)
            {
                c.Files.WriteAtomic(entry.Path, c.Files.ReadBytes(c.Backup.Directory + "/" + entry.Copy)
                    ?? throw new CriException("ConversionBackupMissing", CriErrorCategory.ObjectNotFound,
                        $"The backup copy of {entry.Path} ({entry.Copy}) is missing; that file is left as it is.", entry.Path), entry.Facts);
                c.Details.Add($"restored {entry.Path}");
            }
            else if (c.Files.Exists(entry.Path))
            {
                c.Files.Delete(entry.Path);
                c.Details.Add($"removed {entry.Path}");
            }
        }
        if (entries.Any(e => NodePaths.IsUnitFile(e.Path)))
            await c.Systemctl.ActAsync(cancel, "daemon-reload").ConfigureAwait(false);
    }

    /// <summary>Whether the undo puts this backup entry back: by default, when it is this step's.</summary>
    protected virtual bool Restores(BackupEntry entry) => entry.Step == Name;
}
