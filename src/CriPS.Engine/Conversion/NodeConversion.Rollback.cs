namespace CriPS.Engine.Conversion;

public sealed partial class NodeConversion
{
    /// <summary>
    /// Undoes a conversion (finished or not) from its state and backup: every changed file back byte for byte with
    /// its mode and owner, the files it created removed, containerd restarted on its old config, Docker enabled and
    /// started again, the directories it created removed, the kubelet restarted. Images moved into containerd stay
    /// (they do no harm).
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
        var record = new ConversionStep { Name = "Rollback", StartedAt = DateTimeOffset.Now };
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var context = new RollbackContext(files, backup, state, systemctl, record, options);

        // Stop the kubelet first so it does not run against a half-restored node.
        await systemctl.ActAsync(cancel, "stop", "kubelet").ConfigureAwait(false);
        // Each step that started undoes its own changes, the last first: the files go back before containerd
        // restarts on its old config, and both before Docker starts again.
        foreach (var step in ConversionSteps.All.AsEnumerable().Reverse().Where(s => state.HasStarted(s.Name)))
            await step.UndoAsync(context, cancel).ConfigureAwait(false);
        await systemctl.ActAsync(cancel, "start", "kubelet").ConfigureAwait(false);
        record.Status = ConversionStepStatus.Done;
        record.Duration = watch.Elapsed;

        state.Outcome = ConversionOutcome.RolledBack;
        state.Steps.Add(record);
        state.Save(files, NodePaths.StateFile);
        return new ConversionReport
        {
            Root = files.Root,
            Outcome = ConversionOutcome.RolledBack,
            Steps = [record],
            StateFile = NodePaths.StateFile,
            BackupDirectory = NodePaths.BackupDirectory,
            ComputerName = Environment.MachineName,
            ManualSteps = ["Images moved into containerd's k8s.io namespace were kept; remove them with Remove-ContainerdImage if you wish."],
        };
    }
}
