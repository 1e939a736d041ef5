namespace CriPS.Engine.Conversion;

/// <summary>
/// Writes what carries Docker's settings over to containerd (certs.d hosts files and certificates, containerd.service
/// drop-ins) and reloads systemd when a drop-in changed; the details list every setting, carried or not.
/// </summary>
internal sealed class DockerSettingsStep : FileStep
{
    /// <summary>The name the plan files the carried settings' files under.</summary>
    public const string StepName = "DockerSettings";

    public override string Name => StepName;

    public override IEnumerable<PlannedAction> Plan(ConversionContext c) =>
        c.Plan.ChangesUnits ? base.Plan(c).Append(Planned("Run", "systemctl daemon-reload")) : base.Plan(c);

    public override async Task<ConversionStepStatus> RunAsync(ConversionStep record, ConversionContext c, CancellationToken cancel)
    {
        WriteFiles(record, c);
        if (c.Plan.ChangesUnits)
            await c.Systemctl.ActAsync(cancel, "daemon-reload").ConfigureAwait(false);
        foreach (var carried in c.Plan.Carried)
            record.Details.Add($"{carried.Setting} {carried.Value}: {carried.Status} ({carried.Destination})");
        return ConversionStepStatus.Done;
    }
}
