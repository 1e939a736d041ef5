namespace CriPS;

/// <summary>
/// One resource sample of a container (CRI ContainerStats), with names from the container listing.
/// A figure the runtime does not report is null, never 0.
/// </summary>
public sealed class ContainerStats : CriObject
{
    public string ContainerId { get; set; } = "";
    public string Name { get; set; } = "";
    public uint Attempt { get; set; }
    public ContainerState State { get; set; }
    public string PodId { get; set; } = "";
    public string PodName { get; set; } = "";
    public string PodNamespace { get; set; } = "";

    /// <summary>When the runtime took the CPU sample (else the memory or writable layer sample), UTC.</summary>
    public DateTime? Timestamp { get; set; }

    /// <summary>
    /// CPU used between the previous sample and this one, in percent of one core (200 = two cores busy):
    /// the growth of CpuUsageCoreNanoSeconds over the time between the two samples' timestamps.
    /// Null for a first sample, after a counter reset, or when either sample lacks the counter.
    /// </summary>
    public double? CpuPercent { get; set; }

    /// <summary>CPU time used since the container started, over all cores, in nanoseconds.</summary>
    public ulong? CpuUsageCoreNanoSeconds { get; set; }

    /// <summary>Memory that cannot be reclaimed under pressure (usage minus inactive file cache): what the kubelet evicts on.</summary>
    public ulong? MemoryWorkingSetBytes { get; set; }

    /// <summary>All memory charged to the container, page cache included.</summary>
    public ulong? MemoryUsageBytes { get; set; }

    /// <summary>Anonymous memory and swap cache.</summary>
    public ulong? MemoryRssBytes { get; set; }

    /// <summary>Bytes the container's writable layer uses.</summary>
    public ulong? WritableLayerUsedBytes { get; set; }

    public ulong? WritableLayerInodesUsed { get; set; }

    /// <summary>The filesystem the writable layer lives on.</summary>
    public string? WritableLayerMountpoint { get; set; }

    public override string ToString() => Name;
}

/// <summary>
/// One resource sample of a pod sandbox (CRI PodSandboxStats, Linux part): the whole pod's cgroup, its network
/// namespace, and its containers. A figure the runtime does not report is null, never 0.
/// </summary>
public sealed class PodStats : CriObject
{
    public string PodId { get; set; } = "";
    public string Name { get; set; } = "";
    public string Namespace { get; set; } = "";
    public string Uid { get; set; } = "";

    /// <summary>When the runtime took the CPU sample (else the memory sample), UTC.</summary>
    public DateTime? Timestamp { get; set; }

    /// <summary>CPU used by the whole pod between the previous sample and this one, in percent of one core (see ContainerStats.CpuPercent).</summary>
    public double? CpuPercent { get; set; }

    public ulong? CpuUsageCoreNanoSeconds { get; set; }
    public ulong? MemoryWorkingSetBytes { get; set; }
    public ulong? MemoryUsageBytes { get; set; }
    public ulong? MemoryRssBytes { get; set; }

    /// <summary>The pod's default network interface (e.g. eth0) that the Network* figures below count.</summary>
    public string? NetworkInterface { get; set; }

    /// <summary>Bytes received on the default interface since it was created.</summary>
    public ulong? NetworkRxBytes { get; set; }
    public ulong? NetworkRxErrors { get; set; }
    public ulong? NetworkTxBytes { get; set; }
    public ulong? NetworkTxErrors { get; set; }

    /// <summary>Every interface the runtime reported, the default one first.</summary>
    public NetworkInterfaceStats[] NetworkInterfaces { get; set; } = [];

    /// <summary>Processes running in the pod.</summary>
    public ulong? ProcessCount { get; set; }

    /// <summary>The pod's containers as the runtime measured them together with the pod.</summary>
    public ContainerStats[] Containers { get; set; } = [];

    public override string ToString() => $"{Namespace}/{Name}";
}

/// <summary>Cumulative counters of one network interface of a pod.</summary>
public sealed class NetworkInterfaceStats
{
    public string Name { get; set; } = "";
    public ulong? RxBytes { get; set; }
    public ulong? RxErrors { get; set; }
    public ulong? TxBytes { get; set; }
    public ulong? TxErrors { get; set; }

    public override string ToString() => Name;
}
