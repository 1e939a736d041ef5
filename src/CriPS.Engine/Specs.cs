namespace CriPS.Engine;

/// <summary>What New-CriPod asks the runtime to run (a subset of CRI PodSandboxConfig).</summary>
public sealed class PodSpec
{
    public string Name { get; set; } = "";
    public string Namespace { get; set; } = "default";
    public string Uid { get; set; } = "";
    public uint Attempt { get; set; }
    public string? Hostname { get; set; }
    public string? LogDirectory { get; set; }
    public string? RuntimeHandler { get; set; }
    /// <summary>The pod's cgroup (cgroupfs: a path such as /pods/web; systemd: a slice); the runtime's default when null.</summary>
    public string? CgroupParent { get; set; }
    public Dictionary<string, string> Labels { get; set; } = new();
    public Dictionary<string, string> Annotations { get; set; } = new();
}

/// <summary>What New-CriContainer asks the runtime to create (a subset of CRI ContainerConfig).</summary>
public sealed class ContainerSpec
{
    public string Name { get; set; } = "";
    public uint Attempt { get; set; }
    public string Image { get; set; } = "";
    public string[] Command { get; set; } = [];
    public string[] Args { get; set; } = [];
    public string? WorkingDir { get; set; }
    public Dictionary<string, string> Environment { get; set; } = new();
    public Dictionary<string, string> Labels { get; set; } = new();
    public Dictionary<string, string> Annotations { get; set; } = new();
    /// <summary>Relative to the pod's log directory; the kubelet's habit is NAME/ATTEMPT.log.</summary>
    public string? LogPath { get; set; }
    public bool Tty { get; set; }
}
