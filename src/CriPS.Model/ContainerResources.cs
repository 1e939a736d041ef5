namespace CriPS;

/// <summary>
/// A container's Linux resource limits as the runtime reports them (CRI ContainerStatus.resources): what
/// Update-CriContainer -PassThru writes. A null field is one the runtime does not report.
/// </summary>
public sealed class ContainerResources : CriObject
{
    public string ContainerId { get; set; } = "";
    public string ContainerName { get; set; } = "";
    /// <summary>CFS period in microseconds (cpu.cfs_period_us).</summary>
    public long? CpuPeriod { get; set; }
    /// <summary>CFS quota in microseconds per period (cpu.cfs_quota_us); -1 means no limit.</summary>
    public long? CpuQuota { get; set; }
    /// <summary>Relative CPU weight (cpu.shares).</summary>
    public long? CpuShares { get; set; }
    public string? CpusetCpus { get; set; }
    public string? CpusetMems { get; set; }
    /// <summary>Memory limit in bytes (memory.limit_in_bytes); 0 means none.</summary>
    public long? MemoryBytes { get; set; }
    /// <summary>Memory plus swap limit in bytes (memory.memsw.limit_in_bytes); 0 means none.</summary>
    public long? MemorySwapBytes { get; set; }
    public long? OomScoreAdj { get; set; }

    /// <summary>CPUs the quota allows (quota / period), e.g. 0.5; null without a quota.</summary>
    public double? Cpus => CpuQuota is > 0 && CpuPeriod is > 0 ? (double)CpuQuota.Value / CpuPeriod.Value : null;

    public override string ToString() => ContainerId;
}
