using V1 = CriPS.Engine.Cri.V1;

namespace CriPS.Engine.Mapping;

/// <summary>
/// Maps CRI stats messages to ContainerStats and PodStats. Pure: no calls, no I/O. Names come from the listings,
/// since stats carry only the container's own name and no pod id. A sample without a timestamp was not taken
/// (containerd 1.6 sends an empty writable layer for a container its background measurement has not reached yet),
/// so its figures stay null.
/// </summary>
internal static class StatsMapper
{
    /// <param name="listed">The container as the listing shows it, when it does.</param>
    /// <param name="pod">The pod the container belongs to, for containers measured with their pod.</param>
    public static ContainerStats ToContainerStats(V1.ContainerStats s, Container? listed, Pod? pod, Origin origin)
    {
        var cpu = Taken(s.Cpu, s.Cpu?.Timestamp);
        var memory = Taken(s.Memory, s.Memory?.Timestamp);
        var layer = Taken(s.WritableLayer, s.WritableLayer?.Timestamp);
        // cri-dockerd measures a container without a process (created, exited) as zero CPU and zero memory; no
        // process uses no memory at all, so that is no measurement. (CRI-O measures a created container's runc init,
        // which is a real process: those figures stay.)
        if (listed is { State: not ContainerState.Running } && cpu?.UsageCoreNanoSeconds?.Value is null or 0
            && memory?.WorkingSetBytes?.Value is null or 0 && memory?.UsageBytes?.Value is null or 0)
            (cpu, memory) = (null, null);
        return origin.Stamp(new ContainerStats
        {
            ContainerId = s.Attributes?.Id is { Length: > 0 } id ? id : listed?.Id ?? "",
            Name = listed?.Name ?? s.Attributes?.Metadata?.Name ?? "",
            Attempt = listed?.Attempt ?? s.Attributes?.Metadata?.Attempt ?? 0,
            State = listed?.State ?? ContainerState.Unknown,
            PodId = listed?.PodId ?? pod?.Id ?? "",
            PodName = listed?.PodName ?? pod?.Name ?? "",
            PodNamespace = listed?.PodNamespace ?? pod?.Namespace ?? "",
            Timestamp = FirstTime(cpu?.Timestamp, memory?.Timestamp, layer?.Timestamp),
            CpuUsageCoreNanoSeconds = cpu?.UsageCoreNanoSeconds?.Value,
            MemoryWorkingSetBytes = memory?.WorkingSetBytes?.Value,
            MemoryUsageBytes = memory?.UsageBytes?.Value,
            MemoryRssBytes = memory?.RssBytes?.Value,
            WritableLayerUsedBytes = layer?.UsedBytes?.Value,
            WritableLayerInodesUsed = layer?.InodesUsed?.Value,
            WritableLayerMountpoint = layer?.FsId?.Mountpoint is { Length: > 0 } mountpoint ? mountpoint : null,
        });
    }

    /// <param name="pod">The pod as the listing shows it, when it does.</param>
    /// <param name="containers">The container listing by id, for the names of the pod's containers.</param>
    public static PodStats ToPodStats(V1.PodSandboxStats s, Pod? pod, IReadOnlyDictionary<string, Container> containers, Origin origin)
    {
        var linux = s.Linux;
        var cpu = Taken(linux?.Cpu, linux?.Cpu?.Timestamp);
        var memory = Taken(linux?.Memory, linux?.Memory?.Timestamp);
        var process = Taken(linux?.Process, linux?.Process?.Timestamp);
        // Network counters are not held to a timestamp: containerd 1.6 sends them without one.
        var network = linux?.Network;
        var interfaces = network is null ? []
            : (network.DefaultInterface is { } d ? new[] { d } : []).Concat(network.Interfaces)
                .Where(i => i.Name.Length > 0)
                .DistinctBy(i => i.Name)
                .Select(i => new NetworkInterfaceStats
                {
                    Name = i.Name, RxBytes = i.RxBytes?.Value, RxErrors = i.RxErrors?.Value, TxBytes = i.TxBytes?.Value, TxErrors = i.TxErrors?.Value,
                }).ToArray();
        var main = network?.DefaultInterface is { Name.Length: > 0 } ? interfaces[0] : null;
        var stats = origin.Stamp(new PodStats
        {
            PodId = s.Attributes?.Id is { Length: > 0 } id ? id : pod?.Id ?? "",
            Name = pod?.Name ?? s.Attributes?.Metadata?.Name ?? "",
            Namespace = pod?.Namespace ?? s.Attributes?.Metadata?.Namespace ?? "",
            Uid = pod?.Uid ?? s.Attributes?.Metadata?.Uid ?? "",
            Timestamp = FirstTime(cpu?.Timestamp, memory?.Timestamp),
            CpuUsageCoreNanoSeconds = cpu?.UsageCoreNanoSeconds?.Value,
            MemoryWorkingSetBytes = memory?.WorkingSetBytes?.Value,
            MemoryUsageBytes = memory?.UsageBytes?.Value,
            MemoryRssBytes = memory?.RssBytes?.Value,
            NetworkInterface = main?.Name,
            NetworkRxBytes = main?.RxBytes,
            NetworkRxErrors = main?.RxErrors,
            NetworkTxBytes = main?.TxBytes,
            NetworkTxErrors = main?.TxErrors,
            NetworkInterfaces = interfaces,
            ProcessCount = process?.ProcessCount?.Value,
        });
        stats.Containers = linux?.Containers
            .Select(c => ToContainerStats(c, containers.GetValueOrDefault(c.Attributes?.Id ?? ""), pod ?? PodOf(stats), origin))
            .OrderBy(c => c.Name, StringComparer.Ordinal)
            .ToArray() ?? [];
        return stats;
    }

    /// <summary>The pod's names from its own stats, for its containers when the listing no longer shows it.</summary>
    private static Pod PodOf(PodStats s) => new() { Id = s.PodId, Name = s.Name, Namespace = s.Namespace };

    private static T? Taken<T>(T? sample, long? timestamp) where T : class => timestamp is null or 0 ? null : sample;

    private static DateTime? FirstTime(params long?[] timestamps) =>
        timestamps.FirstOrDefault(t => t is not null and not 0) is { } ns ? CriMapper.ToUtc(ns) : null;
}
