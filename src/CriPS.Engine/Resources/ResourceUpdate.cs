using System.Text.RegularExpressions;
using V1 = CriPS.Engine.Cri.V1;

namespace CriPS.Engine.Resources;

/// <summary>
/// The Linux resource limits Update-CriContainer was given; null fields were not given. CRI has no "leave as is"
/// apart from zero, and runtimes differ in what zero means on update, so the request is built from the runtime's
/// current limits with only the given fields changed (see <see cref="Merge"/>).
/// </summary>
public sealed partial class ResourceUpdate
{
    public long? CpuPeriod { get; init; }
    public long? CpuQuota { get; init; }
    public long? CpuShares { get; init; }
    public string? CpusetCpus { get; init; }
    public string? CpusetMems { get; init; }
    public long? MemoryBytes { get; init; }
    public long? MemorySwapBytes { get; init; }
    public long? OomScoreAdj { get; init; }

    public bool IsEmpty => CpuPeriod is null && CpuQuota is null && CpuShares is null && CpusetCpus is null && CpusetMems is null
                           && MemoryBytes is null && MemorySwapBytes is null && OomScoreAdj is null;

    /// <summary>Checks the values before anything is sent; throws CriInvalidResource naming the parameter.</summary>
    public void Validate()
    {
        if (IsEmpty)
            throw new CriException("CriNoResourceGiven", CriErrorCategory.InvalidArgument,
                "Give at least one limit to change (-CpuPeriod, -CpuQuota, -CpuShares, -CpusetCpus, -CpusetMems, -MemoryBytes, -MemorySwapBytes, -OomScoreAdj).", null);
        // Zero means "unset" in CRI and would be ignored, and the kernel refuses a quota under 1 ms.
        if (CpuQuota is { } q && q != -1 && q < 1000)
            throw Invalid("CpuQuota", q, "1000 microseconds or more, or -1 for no limit");
        if (MemorySwapBytes is 0 or < -1)
            throw Invalid("MemorySwapBytes", MemorySwapBytes.Value, "bytes (at least -MemoryBytes), or -1 for unlimited swap");
        if (CpusetCpus is { } cpus && !IsCpuList(cpus))
            throw Invalid("CpusetCpus", cpus, "a CPU list such as 0-2,4 (numbers and ranges, comma-separated)");
        if (CpusetMems is { } mems && !IsCpuList(mems))
            throw Invalid("CpusetMems", mems, "a memory node list such as 0 or 0-1 (numbers and ranges, comma-separated)");
        // The kernel's own bounds: cgroup v1 refuses a memory+swap limit below the memory limit.
        if (MemoryBytes is { } memory && MemorySwapBytes is > 0 and var swap && swap < memory)
            throw Invalid("MemorySwapBytes", swap, $"at least -MemoryBytes ({memory}): it limits memory and swap together, or -1 for unlimited swap");
    }

    private static CriException Invalid(string parameter, object value, string expected) =>
        new("CriInvalidResource", CriErrorCategory.InvalidArgument, $"-{parameter} '{value}' is not valid: expected {expected}.", value);

    /// <summary>A list of numbers and ascending ranges (the cgroup cpuset format), e.g. "0-2,4".</summary>
    internal static bool IsCpuList(string text)
    {
        if (!CpuListPattern().IsMatch(text))
            return false;
        foreach (var part in text.Split(','))
        {
            var bounds = part.Split('-');
            if (bounds.Length == 2 && (!int.TryParse(bounds[0], out var low) || !int.TryParse(bounds[1], out var high) || low > high))
                return false;
            if (bounds.Length == 1 && !int.TryParse(bounds[0], out _))
                return false;
        }
        return true;
    }

    [GeneratedRegex(@"^\d+(-\d+)?(,\d+(-\d+)?)*$")]
    private static partial Regex CpuListPattern();

    /// <summary>
    /// The request: the runtime's current limits (null when it reports none) with the given fields replaced. Without
    /// this, a runtime that takes the request as the whole new set (CRI-O) would drop the CPU quota when only the
    /// memory is given. The swap limit is not carried over when the memory limit changes and no swap limit is given:
    /// the old one could then be below the new memory limit, which the kernel refuses; the runtime sets its default
    /// (containerd: swap equal to the memory limit). Hugepage and unified limits are never sent back: containerd
    /// appends hugepage limits rather than replacing them.
    /// </summary>
    internal V1.LinuxContainerResources Merge(V1.LinuxContainerResources? current)
    {
        var r = new V1.LinuxContainerResources();
        if (current is not null)
        {
            r.CpuPeriod = current.CpuPeriod;
            r.CpuQuota = current.CpuQuota;
            r.CpuShares = current.CpuShares;
            r.CpusetCpus = current.CpusetCpus;
            r.CpusetMems = current.CpusetMems;
            r.MemoryLimitInBytes = current.MemoryLimitInBytes;
            r.OomScoreAdj = current.OomScoreAdj;
            if (MemoryBytes is null)
                r.MemorySwapLimitInBytes = current.MemorySwapLimitInBytes;
        }
        if (CpuPeriod is { } period) r.CpuPeriod = period;
        if (CpuQuota is { } quota) r.CpuQuota = quota;
        if (CpuShares is { } shares) r.CpuShares = shares;
        // Zero means "unset" in CRI and would be ignored, and the kernel refuses a quota under 1 ms.
        if (CpuQuota is { } q && q != -1 && q < 1000)
            throw Invalid("CpuQuota", q, "1000 microseconds or more, or -1 for no limit");
        if (MemorySwapBytes is 0 or < -1)
            throw Invalid("MemorySwapBytes", MemorySwapBytes.Value, "bytes (at least -MemoryBytes), or -1 for unlimited swap");
        if (CpusetCpus is { } cpus) r.CpusetCpus = cpus;
        if (CpusetMems is { } mems) r.CpusetMems = mems;
        if (MemoryBytes is { } memory) r.MemoryLimitInBytes = memory;
        if (MemorySwapBytes is { } swap) r.MemorySwapLimitInBytes = swap;
        if (OomScoreAdj is { } oom) r.OomScoreAdj = oom;
        return r;
    }
}
