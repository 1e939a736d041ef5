namespace CriPS.Engine.Conversion;

/// <summary>
/// Copies every file the plan will write before any is written, each under the step that writes it. Its undo
/// removes the directories the conversion created; it runs last, after the file steps' undos emptied them.
/// </summary>
internal sealed class BackupStep : NodeStep
{
    public override string Name => "Backup";

    public override IEnumerable<PlannedAction> Plan(ConversionContext c) =>
        c.Plan.Files.Select(f => f.NodePath).Distinct().Select(path => Planned("Back up", path, $"to {NodePaths.BackupDirectory}"));

    public override Task<ConversionStepStatus> RunAsync(ConversionStep record, ConversionContext c, CancellationToken cancel)
    {
        foreach (var file in c.Plan.Files.DistinctBy(f => f.NodePath))
        {
            c.Backup.EnsureSaved(file.NodePath, file.Step);
            record.Details.Add(file.NodePath);
        }
        return Task.FromResult(ConversionStepStatus.Done);
    }

    public override Task UndoAsync(RollbackContext c, CancellationToken cancel)
    {
        foreach (var directory in c.Backup.CreatedDirectories.Reverse())
            if (c.Files.RemoveEmptyDirectory(directory))
                c.Details.Add($"removed directory {directory}");
        return Task.CompletedTask;
    }
}
