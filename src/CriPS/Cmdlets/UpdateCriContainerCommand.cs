using System.Management.Automation;
using CriPS.Completion;
using CriPS.Engine.Resources;

namespace CriPS.Cmdlets;

/// <summary>
/// Changes the CPU and memory limits of containers (crictl update). Only the limits given change: the others are
/// sent as the runtime reports them, so that no runtime resets them.
/// </summary>
[Cmdlet(VerbsData.Update, "CriContainer", SupportsShouldProcess = true)]
[OutputType(typeof(ContainerResources))]
public sealed class UpdateCriContainerCommand : CriCmdlet
{
    /// <summary>Full container ids or unique prefixes; Get-CriContainer output binds here.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContainerCompleter))]
    [ContainerIdTransformation]
    public string[] Id { get; set; } = [];

    /// <summary>CFS period in microseconds (crictl --cpu-period): 1000 to 1000000.</summary>
    [Parameter]
    [ValidateRange(1000L, 1000000L)]
    public long CpuPeriod { get; set; }

    /// <summary>CFS quota in microseconds per period (crictl --cpu-quota): 1000 or more, or -1 for no limit.</summary>
    [Parameter]
    [ValidateRange(-1L, long.MaxValue)]
    public long CpuQuota { get; set; }

    /// <summary>Relative CPU weight (crictl --cpu-share): 2 to 262144.</summary>
    [Parameter]
    [ValidateRange(2L, 262144L)]
    public long CpuShares { get; set; }

    /// <summary>CPUs the container may run on, e.g. 0-2,4 (crictl --cpuset-cpus).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CpusetCpus { get; set; }

    /// <summary>Memory nodes the container may use, e.g. 0 (crictl --cpuset-mems).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CpusetMems { get; set; }

    /// <summary>Memory limit in bytes (crictl --memory); PowerShell's 256MB form works.</summary>
    [Parameter]
    [ValidateRange(1L, long.MaxValue)]
    public long MemoryBytes { get; set; }

    /// <summary>Memory plus swap limit in bytes, at least -MemoryBytes, or -1 for unlimited swap (CRI memory_swap_limit_in_bytes).</summary>
    [Parameter]
    [ValidateRange(-1L, long.MaxValue)]
    public long MemorySwapBytes { get; set; }

    /// <summary>The OOM killer score adjustment (crictl --oom-score-adj): -1000 to 1000.</summary>
    [Parameter]
    [ValidateRange(-1000L, 1000L)]
    public long OomScoreAdj { get; set; }

    /// <summary>Writes each container's limits as the runtime reports them after the change.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private ResourceUpdate _update = new();

    protected override void CheckParameters()
    {
        long? Given(string name, long value) => MyInvocation.BoundParameters.ContainsKey(name) ? value : null;
        _update = new ResourceUpdate
        {
            CpuPeriod = Given(nameof(CpuPeriod), CpuPeriod),
            CpuQuota = Given(nameof(CpuQuota), CpuQuota),
            CpuShares = Given(nameof(CpuShares), CpuShares),
            CpusetCpus = CpusetCpus,
            CpusetMems = CpusetMems,
            MemoryBytes = Given(nameof(MemoryBytes), MemoryBytes),
            MemorySwapBytes = Given(nameof(MemorySwapBytes), MemorySwapBytes),
            OomScoreAdj = Given(nameof(OomScoreAdj), OomScoreAdj),
        };
        try
        {
            _update.Validate();
        }
        catch (CriException e)
        {
            ThrowTerminating(e);
        }
    }

    protected override void ProcessRecord()
    {
        foreach (var id in Id)
        {
            if (!ShouldProcess(id, $"Update container resources ({Describe()})"))
                continue;
            Container? target = null;
            if (!TryAwait(async c =>
                {
                    target = await Client.GetContainerAsync(id, c, detailed: false).ConfigureAwait(false);
                    await Client.UpdateContainerResourcesAsync(target, _update, c).ConfigureAwait(false);
                }, $"UpdateContainerResources {id}") || target is null)
                continue;
            // A swap limit is read back even without -PassThru: CRI-O takes the call but sets swap to the memory limit.
            if (!PassThru && _update.MemorySwapBytes is null)
                continue;
            ContainerResources? updated = null;
            CriException? unread = null;
            // The update is done: a read-back that fails is an error only when -PassThru wants the object.
            if (!TryAwait(async c =>
                {
                    try
                    {
                        updated = await Client.GetContainerResourcesAsync(target, c).ConfigureAwait(false);
                    }
                    catch (CriException e) when (!PassThru && !e.IsEndpointFailure)
                    {
                        unread = e;
                    }
                }, $"ContainerStatus {id}"))
                continue;
            var container = $"{target.Name} ({target.Id})";
            if (unread is not null)
            {
                WriteWarning($"The limits of {container} were updated, but could not be read back to check -MemorySwapBytes: {unread.Message}");
                continue;
            }
            // A runtime that reports limits reports them all (CRI's numbers are never absent): null means none at all.
            if (updated!.MemoryBytes is null)
                WriteWarning($"The runtime reports no limits for {container} (cri-dockerd reports none), so they cannot be read back"
                    + (_update.MemorySwapBytes is null ? "." : "; whether it applied -MemorySwapBytes is unknown (cri-dockerd sets swap equal to the memory limit)."));
            else if (_update.MemorySwapBytes is { } swap && updated.MemorySwapBytes != swap)
                WriteWarning($"The runtime did not apply -MemorySwapBytes {swap} to {container}: it reports a swap limit of {updated.MemorySwapBytes} "
                    + "(CRI-O sets swap equal to the memory limit on every update).");
            if (PassThru)
                WriteObject(updated);
        }
    }

    private string Describe() => string.Join(", ", MyInvocation.BoundParameters
        .Where(p => p.Key is nameof(CpuPeriod) or nameof(CpuQuota) or nameof(CpuShares) or nameof(CpusetCpus) or nameof(CpusetMems)
            or nameof(MemoryBytes) or nameof(MemorySwapBytes) or nameof(OomScoreAdj))
        .Select(p => $"{p.Key} {p.Value}"));
}
