namespace CriPS;

/// <summary>A container (CRI Container, plus ContainerStatus facts when read with -Detailed).</summary>
public sealed class Container : CriObject
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public uint Attempt { get; set; }
    public string PodId { get; set; } = "";
    public string PodName { get; set; } = "";
    public string PodNamespace { get; set; } = "";
    /// <summary>The image as the container was created with it (a reference or an image id).</summary>
    public string Image { get; set; } = "";
    /// <summary>The runtime's reference to the image it resolved (containerd: the image id).</summary>
    public string ImageRef { get; set; } = "";
    /// <summary>The image id: the runtime's own when it reports one, else ImageRef when that is an id.</summary>
    public string ImageId { get; set; } = "";
    public ContainerState State { get; set; }
    public DateTime CreatedAt { get; set; }
    public Dictionary<string, string> Labels { get; set; } = new();
    public Dictionary<string, string> Annotations { get; set; } = new();

    /// <summary>True when the status facts below were read (Get-CriContainer -Detailed).</summary>
    public bool IsDetailed { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
    public int? ExitCode { get; set; }
    public string? Reason { get; set; }
    public string? Message { get; set; }
    public string? LogPath { get; set; }
    public ContainerMount[] Mounts { get; set; } = [];
    public int? Pid { get; set; }
    public string? RuntimeType { get; set; }
    public string? Snapshotter { get; set; }
    public string? SnapshotKey { get; set; }
    /// <summary>The runtime's verbose info as it sent it (key to JSON text).</summary>
    public Dictionary<string, string> Info { get; set; } = new();

    public override string ToString() => Name;
}

/// <summary>One mount of a container.</summary>
public sealed class ContainerMount
{
    public string ContainerPath { get; set; } = "";
    public string HostPath { get; set; } = "";
    public bool ReadOnly { get; set; }
    /// <summary>Private, HostToContainer or Bidirectional (CRI MountPropagation).</summary>
    public string Propagation { get; set; } = "";

    public override string ToString() => $"{HostPath}:{ContainerPath}{(ReadOnly ? ":ro" : "")}";
}
