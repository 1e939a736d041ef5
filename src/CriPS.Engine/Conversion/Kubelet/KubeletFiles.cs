namespace CriPS.Engine.Conversion;

/// <summary>
/// The texts of the files that decide which runtime a kubelet uses; null means the file is absent.
/// KubeadmFlagsEnv is /var/lib/kubelet/kubeadm-flags.env (KUBELET_KUBEADM_ARGS), DefaultsEnv /etc/default/kubelet or
/// /etc/sysconfig/kubelet (KUBELET_EXTRA_ARGS), ConfigYaml the KubeletConfiguration, InstanceConfigYaml kubeadm's
/// per-node /var/lib/kubelet/instance-config.yaml.
/// </summary>
internal sealed record KubeletFiles(string? KubeadmFlagsEnv, string? DefaultsEnv, string? ConfigYaml, string? InstanceConfigYaml)
{
    /// <summary>
    /// The kubelet's unit with its drop-ins and environment files, when the node has one: the flags are then read
    /// from it (KubeadmFlagsEnv and DefaultsEnv are not used). Null: kubeadm's two files, as kubeadm's drop-in passes them.
    /// </summary>
    public KubeletUnit? Unit { get; init; }
}
