namespace CriPS.Engine.Conversion;

/// <summary>
/// Writes containerd's config.toml with the CRI plugin enabled and set up for the kubelet. Its undo runs after the
/// other file steps' (rollback goes last first): it restores config.toml, then restarts containerd on its old
/// config, before StopServices' undo starts Docker again.
/// </summary>
internal sealed class ContainerdConfigStep : FileStep
{
    /// <summary>The name the plan files config.toml under.</summary>
    public const string StepName = "ContainerdConfig";

    public override string Name => StepName;

    public override async Task UndoAsync(RollbackContext c, CancellationToken cancel)
    {
        await base.UndoAsync(c, cancel).ConfigureAwait(false);
        await c.Systemctl.ActAsync(cancel, "restart", "containerd").ConfigureAwait(false);
    }

    /// <summary>Also the entries of a manifest that names no steps (an older run's): this is the last file undo, before containerd restarts.</summary>
    protected override bool Restores(BackupEntry entry) => entry.Step is null || base.Restores(entry);
}
