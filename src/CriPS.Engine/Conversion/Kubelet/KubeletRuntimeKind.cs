namespace CriPS.Engine.Conversion;

/// <summary>Which runtime a kubelet talks to, as far as its flags and config tell.</summary>
internal enum KubeletRuntimeKind
{
    /// <summary>Docker through the kubelet's built-in dockershim (kubelet 1.23 and older).</summary>
    Dockershim,

    /// <summary>Docker through Mirantis' cri-dockerd.</summary>
    CriDockerd,

    Containerd,

    /// <summary>Some other CRI endpoint (CRI-O, ...): KubeletSettings.RuntimeEndpoint names it.</summary>
    Other,

    /// <summary>The files do not add up to a runtime this kubelet version can use.</summary>
    Unknown,
}
