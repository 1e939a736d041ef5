namespace CriPS.Engine.Conversion;

public sealed partial class NodeConversion
{
    /// <summary>
    /// Undoes a conversion (finished or not) from its backup: every changed file back byte for byte with its mode
    /// and owner, the files and directories it created removed, then Docker enabled and started again, containerd
    /// restarted on its old config, the kubelet restarted. Images moved into containerd stay (they do no harm).
    /// </summary>
    public static async Task<ConversionReport> RollbackAsync(ConversionOptions options, IConversionLog log, CancellationToken cancel)
    {
        var files = new NodeFiles(options.Root);
        var state = ConversionState.Load(files, NodePaths.StateFile);
        if (state is null || state.Outcome == ConversionOutcome.RolledBack)
            throw new CriException("ConversionNothingToRollBack", CriErrorCategory.ObjectNotFound,
                state is null ? $"No conversion is recorded under {files.HostPath(NodePaths.StateDirectory)}." : "The last conversion was already rolled back.",
                files.HostPath(NodePaths.StateFile));
        var backup = new NodeBackup(files, NodePaths.BackupDirectory);
        var systemctl = new Systemctl(options.CallTimeout, line => log.Verbose(line));
        var step = new ConversionStep { Name = "Rollback", StartedAt = DateTimeOffset.Now };
        var watch = System.Diagnostics.Stopwatch.StartNew();

        // Stop the kubelet first so it does not run against a half-restored node.
        await systemctl.ActAsync(cancel, "stop", "kubelet").ConfigureAwait(false);
        foreach (var entry in backup.Entries)
        {
            if (entry.Existed)
            {
                files.WriteAtomic(entry.Path, files.ReadBytes(backup.Directory + "/" + entry.Copy)
                    ?? throw new CriException("ConversionBackupMissing", CriErrorCategory.ObjectNotFound,
                        $"The backup copy of {entry.Path} ({entry.Copy}) is missing; that file is left as it is.", entry.Path), entry.Facts);
                step.Details.Add($"restored {entry.Path}");
            }
            else if (files.Exists(entry.Path))
            {
                files.Delete(entry.Path);
                step.Details.Add($"removed {entry.Path}");
            }
        }
        foreach (var directory in backup.CreatedDirectories.Reverse())
            if (files.RemoveEmptyDirectory(directory))
                step.Details.Add($"removed directory {directory}");

        if (backup.Entries.Any(e => e.Path.StartsWith(NodePaths.ContainerdDropIns + "/", StringComparison.Ordinal)))
            await systemctl.ActAsync(cancel, "daemon-reload").ConfigureAwait(false);
        await systemctl.ActAsync(cancel, "restart", "containerd").ConfigureAwait(false);
        foreach (var unit in state.DisabledUnits)
        {
            await systemctl.ActAsync(cancel, "enable", "--now", unit).ConfigureAwait(false);
            step.Details.Add($"{unit} enabled and started");
        }
        await systemctl.ActAsync(cancel, "start", "kubelet").ConfigureAwait(false);
        step.Status = ConversionStepStatus.Done;
        step.Duration = watch.Elapsed;

        state.Outcome = ConversionOutcome.RolledBack;
        state.Steps.Add(step);
        state.Save(files, NodePaths.StateFile);
        return new ConversionReport
        {
            Root = files.Root,
            Outcome = ConversionOutcome.RolledBack,
            Steps = [step],
            StateFile = NodePaths.StateFile,
            BackupDirectory = NodePaths.BackupDirectory,
            ComputerName = Environment.MachineName,
            ManualSteps = ["Images moved into containerd's k8s.io namespace were kept; remove them with Remove-ContainerdImage if you wish."],
        };
    }
}
