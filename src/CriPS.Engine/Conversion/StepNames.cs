namespace CriPS.Engine.Conversion;

/// <summary>The conversion's steps, in order; these names are in the state file and the report.</summary>
internal static class StepNames
{
    public const string Preflight = "Preflight";
    public const string Backup = "Backup";
    public const string Drain = "Drain";
    public const string Images = "Images";
    public const string StopServices = "StopServices";
    public const string ContainerdConfig = "ContainerdConfig";
    public const string DockerSettings = "DockerSettings";
    public const string Kubelet = "Kubelet";
    public const string StartServices = "StartServices";
    public const string Postflight = "Postflight";
    public const string Uncordon = "Uncordon";

    public static readonly string[] All =
        [Preflight, Backup, Drain, Images, StopServices, ContainerdConfig, DockerSettings, Kubelet, StartServices, Postflight, Uncordon];
}
