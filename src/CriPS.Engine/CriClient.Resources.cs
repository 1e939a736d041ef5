using CriPS.Engine.Resources;
using V1 = CriPS.Engine.Cri.V1;

namespace CriPS.Engine;

// The CRI calls that change a running container or the runtime's settings: UpdateContainerResources,
// CheckpointContainer and UpdateRuntimeConfig.
public sealed partial class CriClient
{
    /// <summary>
    /// Changes a container's limits (full id, looked up by the caller). The request carries the runtime's current
    /// limits with only the given ones changed (see ResourceUpdate.Merge).
    /// </summary>
    public async Task UpdateContainerResourcesAsync(Container container, ResourceUpdate update, CancellationToken cancel)
    {
        var current = await GetLinuxResourcesAsync(container.Id, cancel).ConfigureAwait(false);
        var request = new V1.UpdateContainerResourcesRequest { ContainerId = container.Id, Linux = update.Merge(current) };
        await Call("UpdateContainerResources", "Container", container.Id,
            o => _runtime.Runtime.UpdateContainerResourcesAsync(request, o), cancel).ConfigureAwait(false);
    }

    /// <summary>A container's limits as the runtime reports them now (ContainerStatus); all null when it reports none.</summary>
    public async Task<ContainerResources> GetContainerResourcesAsync(Container container, CancellationToken cancel) =>
        ToContainerResources(container, await GetLinuxResourcesAsync(container.Id, cancel).ConfigureAwait(false));

    /// <summary>A container's limits as the runtime reports them (ContainerStatus.resources), or null when it reports none.</summary>
    private async Task<V1.LinuxContainerResources?> GetLinuxResourcesAsync(string id, CancellationToken cancel)
    {
        var reply = await Call("ContainerStatus", "Container", id,
            o => _runtime.Runtime.ContainerStatusAsync(new V1.ContainerStatusRequest { ContainerId = id }, o), cancel).ConfigureAwait(false);
        return reply.Status?.Resources?.Linux;
    }

    private ContainerResources ToContainerResources(Container container, V1.LinuxContainerResources? r) => _origin.Stamp(new ContainerResources
    {
        ContainerId = container.Id,
        ContainerName = container.Name,
        CpuPeriod = r?.CpuPeriod,
        CpuQuota = r?.CpuQuota,
        CpuShares = r?.CpuShares,
        CpusetCpus = r?.CpusetCpus,
        CpusetMems = r?.CpusetMems,
        MemoryBytes = r?.MemoryLimitInBytes,
        MemorySwapBytes = r?.MemorySwapLimitInBytes,
        OomScoreAdj = r?.OomScoreAdj,
    });

    /// <summary>
    /// Has the runtime checkpoint a running container (CRIU) into an archive it writes itself at
    /// <paramref name="location"/>, an absolute path on the runtime's machine. The runtime's limit is the call's.
    /// </summary>
    public async Task CheckpointContainerAsync(string id, string location, CancellationToken cancel)
    {
        var request = new V1.CheckpointContainerRequest { ContainerId = id, Location = location, Timeout = (long)Math.Ceiling(Timeout.TotalSeconds) };
        try
        {
            await Call("CheckpointContainer", "Container", id, o => _runtime.Runtime.CheckpointContainerAsync(request, o), cancel).ConfigureAwait(false);
        }
        catch (CriException e) when (e.Category == CriErrorCategory.NotImplemented || LacksCriu(e.Message))
        {
            throw NotSupported("CriCheckpointNotSupported", "checkpoint containers",
                LacksCriu(e.Message)
                    ? $"it needs CRIU (criu on the runtime's PATH, 3.16 or later) and finds none it can use: {e.StatusDetail ?? e.Message}"
                    : "it does not implement CheckpointContainer; containerd does from 2.0 on, with CRIU installed",
                id, e);
        }
        catch (CriException e) when (e.ErrorId == "CriCheckpointContainerFailed" && CriuLog.PathIn(e.Message) is { } log)
        {
            // runc passes on only "criu failed: type DUMP" and the log's path; CRIU's reason is in that log, on the
            // runtime's machine, which is this one when the runtime is on a unix socket.
            var reason = _runtime.Endpoint.IsUnix ? CriuLog.Errors(log) : null;
            throw new CriException(e.ErrorId, CriErrorCategory.InvalidOperation,
                $"CRIU could not checkpoint container '{id}'"
                + (reason is null ? $"; its log is {log} on the runtime's machine." : $": {reason} (CRIU's log: {log}). 'criu check' tells whether CRIU works on this kernel."),
                id, e);
        }
    }

    // containerd 2.x's words when CRIU is missing or older than it needs.
    private static bool LacksCriu(string message) =>
        message.Contains("CRIU binary not found or too old", StringComparison.OrdinalIgnoreCase);

    /// <summary>UpdateRuntimeConfig with the node's pod CIDRs (already checked by PodCidr.Join).</summary>
    public Task UpdatePodCidrAsync(string podCidr, CancellationToken cancel)
    {
        var request = new V1.UpdateRuntimeConfigRequest
        {
            RuntimeConfig = new V1.RuntimeConfig { NetworkConfig = new V1.NetworkConfig { PodCidr = podCidr } },
        };
        return Call("UpdateRuntimeConfig", null, podCidr, o => _runtime.Runtime.UpdateRuntimeConfigAsync(request, o), cancel);
    }

    /// <summary>A clear not-supported error naming the runtime and its version, with the runtime's own words as the cause.</summary>
    private CriException NotSupported(string errorId, string what, string why, object? target, CriException cause)
    {
        var version = _runtime.Version;
        return new CriException(errorId, CriErrorCategory.NotImplemented,
            $"The runtime at {_runtime.Endpoint} ({version?.RuntimeName} {version?.RuntimeVersion}) cannot {what}: {why}.",
            target ?? _runtime.Endpoint.Address, cause);
    }
}
