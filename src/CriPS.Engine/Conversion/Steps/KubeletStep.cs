namespace CriPS.Engine.Conversion;

/// <summary>Writes the kubelet's flags and config files for containerd's endpoint, and crictl.yaml.</summary>
internal sealed class KubeletStep : FileStep
{
    /// <summary>The name the plan files the kubelet's files under.</summary>
    public const string StepName = "Kubelet";

    public override string Name => StepName;
}
