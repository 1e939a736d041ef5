namespace CriPS.Engine.Conversion;

/// <summary>Where systemd takes a run of the kubelet's arguments from.</summary>
internal enum KubeletFlagHomeKind
{
    /// <summary>A variable of an EnvironmentFile= file (kubeadm-flags.env, /etc/default/kubelet, kubespray's kubelet.env).</summary>
    EnvironmentFile,

    /// <summary>A variable set by an Environment= line of the unit or a drop-in.</summary>
    UnitEnvironment,

    /// <summary>Written on the ExecStart= line itself.</summary>
    ExecStart,
}
