namespace CriPS;

/// <summary>A pod sandbox (CRI PodSandbox, plus PodSandboxStatus facts when read with -Detailed).</summary>
public sealed class Pod : CriObject
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string Namespace { get; set; } = "";
    public string Uid { get; set; } = "";
    public uint Attempt { get; set; }
    public PodState State { get; set; }
    public DateTime CreatedAt { get; set; }
    public Dictionary<string, string> Labels { get; set; } = new();
    public Dictionary<string, string> Annotations { get; set; } = new();
    public string RuntimeHandler { get; set; } = "";

    /// <summary>True when the status facts below were read (Get-CriPod -Detailed).</summary>
    public bool IsDetailed { get; set; }
    public string? IP { get; set; }
    public string[] AdditionalIPs { get; set; } = [];
    /// <summary>Namespace modes: Pod, Container, Node or Target (CRI NamespaceMode).</summary>
    public string? NetworkNamespaceMode { get; set; }
    public string? PidNamespaceMode { get; set; }
    public string? IpcNamespaceMode { get; set; }
    /// <summary>The sandbox's process id, from the runtime's verbose info when it gives one.</summary>
    public int? Pid { get; set; }
    public string? NetworkNamespacePath { get; set; }
    public string? RuntimeType { get; set; }
    public string? SandboxImage { get; set; }
    /// <summary>Where the pod's container logs are written (its log_directory).</summary>
    public string? LogDirectory { get; set; }
    /// <summary>The cgroup the pod and its containers run under (its cgroup_parent); null when the runtime chose.</summary>
    public string? CgroupParent { get; set; }
    /// <summary>The runtime's verbose info as it sent it (key to JSON text).</summary>
    public Dictionary<string, string> Info { get; set; } = new();

    public override string ToString() => $"{Namespace}/{Name}";
}
