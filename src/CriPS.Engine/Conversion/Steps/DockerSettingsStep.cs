namespace CriPS.Engine.Conversion;

/// <summary>
/// Writes what carries Docker's settings over to containerd (certs.d hosts files and certificates, containerd.service
/// drop-ins, its proxy file); the details list every setting, carried or not.
/// </summary>
internal sealed class DockerSettingsStep : FileStep
{
    /// <summary>The name the plan files the carried settings' files under.</summary>
    public const string StepName = "DockerSettings";

    public override string Name => StepName;

    public override async Task<ConversionStepStatus> RunAsync(ConversionStep record, ConversionContext c, CancellationToken cancel)
    {
        var status = await base.RunAsync(record, c, cancel).ConfigureAwait(false);
        foreach (var carried in c.Plan.Carried)
            record.Details.Add($"{carried.Setting} {carried.Value}: {carried.Status} ({carried.Destination})");
        return status;
    }
}
