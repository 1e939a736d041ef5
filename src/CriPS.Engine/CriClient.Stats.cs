using CriPS.Engine.Filtering;
using CriPS.Engine.Mapping;
using CriPS.Engine.Stats;
using V1 = CriPS.Engine.Cri.V1;

namespace CriPS.Engine;

public sealed partial class CriClient
{
    // Once ListPodSandboxStats has failed for this client, later samples ask pod by pod straight away.
    private CriException? _podStatsListFailure;

    /// <summary>
    /// Why the runtime refused ListPodSandboxStats (it fails as a whole when it cannot measure any one pod,
    /// as containerd 1.6 does for a pod without a cgroup parent); null while it works.
    /// </summary>
    public string? PodStatsListFailure => _podStatsListFailure is { } e ? RuntimeWords(e) : null;

    /// <summary>The runtime's own reason, without the call and endpoint the translated message adds.</summary>
    private static string RuntimeWords(CriException e) =>
        e.StatusDetail is { Length: > 0 } detail ? detail : e.Message;

    /// <summary>
    /// One stats sample of the containers the query selects (running ones unless it asks for ids, states or all).
    /// CpuPercent is worked out against <paramref name="previous"/>, the sample before; null for a container without one.
    /// </summary>
    public async Task<QueryResult<ContainerStats>> GetContainerStatsAsync(ContainerQuery query, IEnumerable<ContainerStats>? previous,
        CancellationToken cancel)
    {
        // The listing gives the names and pod ids that stats lack; both calls run side by side.
        var statsTask = Call("ListContainerStats", null, null,
            o => _runtime.Runtime.ListContainerStatsAsync(new V1.ListContainerStatsRequest(), o), cancel);
        var containersTask = GetContainersAsync(query, cancel);
        await Task.WhenAll(statsTask, containersTask).ConfigureAwait(false);
        var selected = containersTask.Result;

        var statsById = new Dictionary<string, V1.ContainerStats>(StringComparer.Ordinal);
        foreach (var s in statsTask.Result.Stats)
            statsById.TryAdd(s.Attributes?.Id ?? "", s);

        var result = new QueryResult<ContainerStats>();
        result.Errors.AddRange(selected.Errors);
        foreach (var c in selected.Items)
        {
            if (statsById.TryGetValue(c.Id, out var s))
                result.Items.Add(StatsMapper.ToContainerStats(s, c, null, _origin));
            else if (query.Id.Length > 0)
                result.Errors.Add(new CriException("CriContainerStatsUnavailable", CriErrorCategory.ResourceUnavailable,
                    $"The runtime reports no stats for container {c.Name} ({c.Id}, {c.State}).", c.Id));
            // Otherwise it started or went between the two calls: the next sample has it.
        }
        CpuRate.Apply(result.Items, previous);
        return result;
    }

    /// <summary>
    /// One stats sample of the pods the query selects (ready ones unless it asks for ids or a state).
    /// CpuPercent, the pods' and their containers', is worked out against <paramref name="previous"/>, the sample before.
    /// </summary>
    public async Task<QueryResult<PodStats>> GetPodStatsAsync(PodQuery query, IEnumerable<PodStats>? previous, CancellationToken cancel)
    {
        var listTask = _podStatsListFailure is null ? TryListPodStatsAsync(cancel) : Task.FromResult<List<V1.PodSandboxStats>?>(null);
        var podsTask = GetPodsAsync(query, cancel);
        var containersTask = Call("ListContainers", null, null,
            o => _runtime.Runtime.ListContainersAsync(new V1.ListContainersRequest(), o), cancel);
        // The pods first: an unknown id is CriPodNotFound even where the runtime measures no pod at all.
        var pods = await podsTask.ConfigureAwait(false);
        var asked = query.Id.Length > 0;
        var selected = pods.Items.Where(p => asked || query.State is not null || p.State == PodState.Ready).ToList();
        if (selected.Count == 0)
        {
            _ = listTask.ContinueWith(t => t.Exception, TaskContinuationOptions.OnlyOnFaulted);
            _ = containersTask.ContinueWith(t => t.Exception, TaskContinuationOptions.OnlyOnFaulted);
            var none = new QueryResult<PodStats>();
            none.Errors.AddRange(pods.Errors);
            return none;
        }
        await Task.WhenAll(listTask, containersTask).ConfigureAwait(false);

        var podsById = pods.Items.ToDictionary(p => p.Id, StringComparer.Ordinal);
        var containers = new Dictionary<string, Container>(StringComparer.Ordinal);
        foreach (var c in containersTask.Result.Containers)
            containers.TryAdd(c.Id, CriMapper.ToContainer(c, podsById, _origin));

        var result = new QueryResult<PodStats>();
        result.Errors.AddRange(pods.Errors);
        var listed = listTask.Result;
        if (listed is not null)
        {
            var statsById = new Dictionary<string, V1.PodSandboxStats>(StringComparer.Ordinal);
            foreach (var s in listed)
                statsById.TryAdd(s.Attributes?.Id ?? "", s);
            foreach (var pod in selected)
            {
                if (statsById.TryGetValue(pod.Id, out var s))
                    result.Items.Add(StatsMapper.ToPodStats(s, pod, containers, _origin));
                else if (asked)
                    result.Errors.Add(new CriException("CriPodStatsUnavailable", CriErrorCategory.ResourceUnavailable,
                        $"The runtime reports no stats for pod {pod} ({pod.Id}, {pod.State}).", pod.Id));
            }
        }
        else
        {
            var samples = await Task.WhenAll(selected.Select(p => TryGetPodStatsAsync(p, asked, cancel))).ConfigureAwait(false);
            foreach (var (pod, stats, error) in samples)
            {
                if (stats is not null)
                    result.Items.Add(StatsMapper.ToPodStats(stats, pod, containers, _origin));
                if (error is not null)
                    result.Errors.Add(error);
            }
        }
        CpuRate.Apply(result.Items, previous);
        return result;
    }

    /// <summary>ListPodSandboxStats, or null when the runtime refuses it for one pod's sake (then each pod is asked alone).</summary>
    private async Task<List<V1.PodSandboxStats>?> TryListPodStatsAsync(CancellationToken cancel)
    {
        try
        {
            var reply = await Call("ListPodSandboxStats", null, null,
                o => _runtime.Runtime.ListPodSandboxStatsAsync(new V1.ListPodSandboxStatsRequest(), o), cancel).ConfigureAwait(false);
            return reply.Stats.ToList();
        }
        catch (CriException e) when (e.Category == CriErrorCategory.NotImplemented)
        {
            var version = _runtime.Version;
            throw new CriException("CriPodStatsNotSupported", CriErrorCategory.NotImplemented,
                $"The runtime at {_runtime.Endpoint} ({version?.RuntimeName} {version?.RuntimeVersion}) does not measure pods: it does not "
                + "implement ListPodSandboxStats (cri-dockerd 0.4 does not). Get-CriContainerStats measures their containers.",
                _runtime.Endpoint.Address, e);
        }
        catch (CriException e) when (!e.IsEndpointFailure && e.Category is not CriErrorCategory.OperationTimeout)
        {
            _podStatsListFailure = e;
            return null;
        }
    }

    /// <summary>PodSandboxStats for one pod; a pod that went meanwhile is an error only when it was asked for by id.</summary>
    private async Task<(Pod Pod, V1.PodSandboxStats? Stats, CriException? Error)> TryGetPodStatsAsync(Pod pod, bool asked, CancellationToken cancel)
    {
        try
        {
            var reply = await Call("PodSandboxStats", "Pod", pod.Id,
                o => _runtime.Runtime.PodSandboxStatsAsync(new V1.PodSandboxStatsRequest { PodSandboxId = pod.Id }, o), cancel).ConfigureAwait(false);
            return (pod, reply.Stats, null);
        }
        catch (CriException e) when (e.ErrorId == "CriPodNotFound")
        {
            return (pod, null, asked ? e : null);
        }
        catch (CriException e) when (!e.IsEndpointFailure && e.Category is not (CriErrorCategory.NotImplemented or CriErrorCategory.OperationTimeout))
        {
            return (pod, null, new CriException("CriPodStatsUnavailable", CriErrorCategory.ResourceUnavailable,
                $"The runtime cannot measure pod {pod} ({pod.Id}): {RuntimeWords(e)}", pod.Id, e));
        }
    }
}
