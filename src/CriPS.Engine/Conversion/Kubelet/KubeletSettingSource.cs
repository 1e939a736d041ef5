namespace CriPS.Engine.Conversion;

/// <summary>Where a kubelet setting's effective value was found.</summary>
internal enum KubeletSettingSource
{
    /// <summary>Nowhere: the kubelet's built-in default.</summary>
    Default,

    /// <summary>KUBELET_KUBEADM_ARGS in kubeadm-flags.env.</summary>
    KubeadmFlags,

    /// <summary>KUBELET_EXTRA_ARGS in /etc/default/kubelet or /etc/sysconfig/kubelet.</summary>
    ExtraArgs,

    ConfigYaml,
    InstanceConfigYaml,
}
