namespace CriPS.Engine.Stats;

/// <summary>
/// CPU percent from two samples of the cumulative CPU counter, the way the kubelet works out CPU rates:
/// 100 % is one core fully busy for the whole interval, so a container may show up to 100 × cores.
/// </summary>
internal static class CpuRate
{
    /// <summary>
    /// The CPU time the counter grew by, divided by the time between the samples' own timestamps, times 100.
    /// Null when either sample lacks the counter or its timestamp, when the counter went backwards (the cgroup was
    /// recreated), or when no time passed between the samples (the runtime answered twice from one reading).
    /// </summary>
    public static double? Percent(ulong? previousUsageNs, DateTime? previousAt, ulong? currentUsageNs, DateTime? currentAt)
    {
        if (previousUsageNs is not { } before || currentUsageNs is not { } after || previousAt is not { } t0 || currentAt is not { } t1)
            return null;
        if (after < before)
            return null;
        // DateTime keeps 100 ns ticks: over any useful interval that rounding is far below what the display shows.
        var elapsedNs = (t1 - t0).Ticks * 100.0;
        if (elapsedNs <= 0)
            return null;
        return (after - before) / elapsedNs * 100;
    }

    /// <summary>Sets each container's CpuPercent against its own sample in <paramref name="previous"/> (by id); null when it has none.</summary>
    public static void Apply(IEnumerable<ContainerStats> current, IEnumerable<ContainerStats>? previous)
    {
        var before = ById(previous, s => s.ContainerId);
        foreach (var s in current)
            s.CpuPercent = before.TryGetValue(s.ContainerId, out var p)
                ? Percent(p.CpuUsageCoreNanoSeconds, p.Timestamp, s.CpuUsageCoreNanoSeconds, s.Timestamp)
                : null;
    }

    /// <summary>Sets each pod's CpuPercent, and its containers', against the previous sample of the same pod.</summary>
    public static void Apply(IEnumerable<PodStats> current, IEnumerable<PodStats>? previous)
    {
        var before = ById(previous, s => s.PodId);
        foreach (var s in current)
        {
            before.TryGetValue(s.PodId, out var p);
            s.CpuPercent = p is null ? null : Percent(p.CpuUsageCoreNanoSeconds, p.Timestamp, s.CpuUsageCoreNanoSeconds, s.Timestamp);
            Apply(s.Containers, p?.Containers);
        }
    }

    private static Dictionary<string, T> ById<T>(IEnumerable<T>? items, Func<T, string> idOf)
    {
        var map = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var item in items ?? [])
            map.TryAdd(idOf(item), item);
        return map;
    }
}
