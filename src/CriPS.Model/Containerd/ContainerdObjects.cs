namespace CriPS;

/// <summary>containerd's own version (its Version service), next to what CRI reports.</summary>
public sealed class ContainerdVersion : CriObject
{
    public string Version { get; set; } = "";
    public string Revision { get; set; } = "";

    public override string ToString() => Version;
}

/// <summary>A containerd namespace: Kubernetes keeps everything in k8s.io, Docker in moby, ctr in default.</summary>
public sealed class ContainerdNamespace : CriObject
{
    public string Name { get; set; } = "";
    public Dictionary<string, string> Labels { get; set; } = new();

    public override string ToString() => Name;
}

/// <summary>One plugin of the daemon, from its Introspection service.</summary>
public sealed class ContainerdPlugin : CriObject
{
    /// <summary>e.g. io.containerd.grpc.v1 or io.containerd.snapshotter.v1.</summary>
    public string Type { get; set; } = "";
    /// <summary>e.g. cri or overlayfs.</summary>
    public string Id { get; set; } = "";
    /// <summary>ok; skip when it skipped itself on purpose; error when it failed. InitError says why.</summary>
    public string Status { get; set; } = "";
    public string[] Requires { get; set; } = [];
    /// <summary>Platforms as os/architecture[/variant].</summary>
    public string[] Platforms { get; set; } = [];
    public Dictionary<string, string> Exports { get; set; } = new();
    public string[] Capabilities { get; set; } = [];
    public string? InitError { get; set; }

    public override string ToString() => $"{Type}.{Id}";
}

/// <summary>An image record in a containerd namespace (not the CRI view of it).</summary>
public sealed class ContainerdImage : CriObject
{
    public string Namespace { get; set; } = "";
    /// <summary>The reference, e.g. docker.io/library/busybox:1.36, or sha256:... for CRI's id records.</summary>
    public string Name { get; set; } = "";
    /// <summary>The digest of what the name points at: a manifest or an index.</summary>
    public string Digest { get; set; } = "";
    public string MediaType { get; set; } = "";
    /// <summary>Size in bytes of the target blob (the manifest or index itself, not the layers).</summary>
    public long Size { get; set; }
    public Dictionary<string, string> Labels { get; set; } = new();
    public DateTime? CreatedAt { get; set; }
    public DateTime? UpdatedAt { get; set; }

    public override string ToString() => Name;
}

/// <summary>A container record in a containerd namespace (CRI pods and containers are both containers here).</summary>
public sealed class ContainerdContainer : CriObject
{
    public string Namespace { get; set; } = "";
    public string Id { get; set; } = "";
    public string Image { get; set; } = "";
    /// <summary>The runtime (shim) name, e.g. io.containerd.runc.v2.</summary>
    public string Runtime { get; set; } = "";
    public string Snapshotter { get; set; } = "";
    public string SnapshotKey { get; set; } = "";
    public Dictionary<string, string> Labels { get; set; } = new();
    public DateTime? CreatedAt { get; set; }
    public DateTime? UpdatedAt { get; set; }

    public override string ToString() => Id;
}

/// <summary>The state of a containerd task (the running process of a container).</summary>
public enum ContainerdTaskStatus
{
    Unknown = 0,
    Created = 1,
    Running = 2,
    Stopped = 3,
    Paused = 4,
    Pausing = 5,
}

/// <summary>A task: the live process of a containerd container, with its pid and exit.</summary>
public sealed class ContainerdTask : CriObject
{
    public string Namespace { get; set; } = "";
    /// <summary>The container's id (a task is named after its container).</summary>
    public string ContainerId { get; set; } = "";
    public uint Pid { get; set; }
    public ContainerdTaskStatus Status { get; set; }
    public uint? ExitStatus { get; set; }
    public DateTime? ExitedAt { get; set; }

    public override string ToString() => ContainerId;
}

/// <summary>A blob in containerd's content store: a layer, a config, a manifest or an index.</summary>
public sealed class ContainerdContent : CriObject
{
    public string Namespace { get; set; } = "";
    public string Digest { get; set; } = "";
    public long Size { get; set; }
    public Dictionary<string, string> Labels { get; set; } = new();
    public DateTime? CreatedAt { get; set; }
    public DateTime? UpdatedAt { get; set; }

    public override string ToString() => Digest;
}

/// <summary>A write in progress into the content store (a layer being pulled or imported).</summary>
public sealed class ContainerdIngest : CriObject
{
    public string Namespace { get; set; } = "";
    /// <summary>The writer's reference, e.g. layer-sha256:... during a CRI pull.</summary>
    public string Ref { get; set; } = "";
    public long Offset { get; set; }
    public long Total { get; set; }
    public string Expected { get; set; } = "";
    public DateTime? StartedAt { get; set; }
    public DateTime? UpdatedAt { get; set; }

    public override string ToString() => Ref;
}
