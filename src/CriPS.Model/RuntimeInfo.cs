namespace CriPS;

/// <summary>What a runtime says of itself: CRI Version and Status, with highlights of its verbose info.</summary>
public sealed class RuntimeInfo : CriObject
{
    public string RuntimeName { get; set; } = "";
    public string RuntimeVersion { get; set; } = "";
    public string RuntimeApiVersion { get; set; } = "";
    public bool RuntimeReady { get; set; }
    public string RuntimeReadyReason { get; set; } = "";
    public string RuntimeReadyMessage { get; set; } = "";
    public bool NetworkReady { get; set; }
    public string NetworkReadyReason { get; set; } = "";
    public string NetworkReadyMessage { get; set; } = "";
    public RuntimeCondition[] Conditions { get; set; } = [];
    /// <summary>The image every pod sandbox starts from (containerd: sandbox_image).</summary>
    public string? SandboxImage { get; set; }
    /// <summary>cgroupfs or systemd: must match the kubelet's cgroupDriver.</summary>
    public string? CgroupDriver { get; set; }
    public bool? SystemdCgroup { get; set; }
    public string? CniConfDir { get; set; }
    public string? CniBinDir { get; set; }
    public string? Snapshotter { get; set; }
    public string? DefaultRuntimeName { get; set; }
    /// <summary>The runtime's verbose info as it sent it (key to JSON text).</summary>
    public Dictionary<string, string> Info { get; set; } = new();

    public override string ToString() => $"{RuntimeName} {RuntimeVersion}";
}

/// <summary>One condition of the runtime's status (RuntimeReady, NetworkReady, or one of its own).</summary>
public sealed class RuntimeCondition
{
    public string Type { get; set; } = "";
    public bool Status { get; set; }
    public string Reason { get; set; } = "";
    public string Message { get; set; } = "";

    public override string ToString() => $"{Type}={Status}";
}
