namespace CriPS.Engine.Conversion;

/// <summary>
/// Writes the kubelet's flags (where each is written: environment files, kubelet.service drop-ins) and config files
/// for containerd's endpoint, and crictl.yaml; reloads systemd when a kubelet unit file changed, before the kubelet starts.
/// </summary>
internal sealed class KubeletStep : FileStep
{
    /// <summary>The name the plan files the kubelet's files under.</summary>
    public const string StepName = "Kubelet";

    public override string Name => StepName;

    public override IEnumerable<PlannedAction> Plan(ConversionContext c) =>
        c.Plan.ChangesKubeletUnit ? base.Plan(c).Append(Planned("Run", "systemctl daemon-reload")) : base.Plan(c);

    public override async Task<ConversionStepStatus> RunAsync(ConversionStep record, ConversionContext c, CancellationToken cancel)
    {
        WriteFiles(record, c);
        if (c.Plan.ChangesKubeletUnit)
            await c.Systemctl.ActAsync(cancel, "daemon-reload").ConfigureAwait(false);
        return ConversionStepStatus.Done;
    }
}
