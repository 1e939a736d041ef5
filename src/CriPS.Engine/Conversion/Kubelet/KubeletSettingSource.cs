namespace CriPS.Engine.Conversion;

/// <summary>Where a kubelet setting's effective value was found; KubeletSettings.HomeOf names a flag's file and variable.</summary>
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

    /// <summary>Another environment file's variable (kubespray's /etc/kubernetes/kubelet.env KUBELET_ARGS, ...).</summary>
    EnvironmentFile,

    /// <summary>An Environment= line of kubelet.service or a drop-in.</summary>
    UnitEnvironment,

    /// <summary>Written on ExecStart= itself.</summary>
    ExecStart,
}
