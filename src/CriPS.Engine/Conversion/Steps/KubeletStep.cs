namespace CriPS.Engine.Conversion;

/// <summary>
/// Writes the kubelet's flags (where each is written: environment files, kubelet.service drop-ins) and config files
/// for containerd's endpoint, and crictl.yaml; systemd reloads when a kubelet unit file changed, before the kubelet starts.
/// </summary>
internal sealed class KubeletStep : FileStep
{
    /// <summary>The name the plan files the kubelet's files under.</summary>
    public const string StepName = "Kubelet";

    public override string Name => StepName;
}
