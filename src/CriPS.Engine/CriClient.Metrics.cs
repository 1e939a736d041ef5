using CriPS.Engine.Filtering;
using CriPS.Engine.Mapping;
using V1 = CriPS.Engine.Cri.V1;

namespace CriPS.Engine;

// ListMetricDescriptors and ListPodSandboxMetrics (CRI 1.29+; containerd serves them from 2.2 on).
public sealed partial class CriClient
{
    public async Task<List<MetricDescriptor>> GetMetricDescriptorsAsync(CancellationToken cancel)
    {
        var reply = await CallMetrics("ListMetricDescriptors",
            o => _runtime.Runtime.ListMetricDescriptorsAsync(new V1.ListMetricDescriptorsRequest(), o), cancel).ConfigureAwait(false);
        return reply.Descriptors.Select(d => _origin.Stamp(MetricMapper.ToDescriptor(d))).ToList();
    }

    /// <summary>
    /// Every sample of the pods the query selects (the runtime reports all its ready pods at once; the selection is
    /// made here). The descriptors name each sample's labels, so they are asked for too.
    /// </summary>
    public async Task<QueryResult<PodMetric>> GetPodMetricsAsync(PodQuery query, CancellationToken cancel)
    {
        var metricsTask = CallMetrics("ListPodSandboxMetrics",
            o => _runtime.Runtime.ListPodSandboxMetricsAsync(new V1.ListPodSandboxMetricsRequest(), o), cancel);
        var descriptorsTask = CallMetrics("ListMetricDescriptors",
            o => _runtime.Runtime.ListMetricDescriptorsAsync(new V1.ListMetricDescriptorsRequest(), o), cancel);
        var podsTask = ListPodsAsync(cancel);
        var reply = await metricsTask.ConfigureAwait(false);
        var descriptors = await descriptorsTask.ConfigureAwait(false);
        var pods = await podsTask.ConfigureAwait(false);

        var selected = Filters.Pods(pods, query);
        var result = new QueryResult<PodMetric>();
        result.Errors.AddRange(selected.Errors);
        var wanted = selected.Items.ToDictionary(p => p.Id, StringComparer.Ordinal);
        var labelKeys = descriptors.Descriptors.GroupBy(d => d.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().LabelKeys.ToArray(), StringComparer.Ordinal);
        foreach (var podMetrics in reply.PodMetrics.OrderBy(p => wanted.TryGetValue(p.PodSandboxId, out var pod) ? $"{pod.Namespace}/{pod.Name}" : "", StringComparer.Ordinal))
        {
            if (!wanted.TryGetValue(podMetrics.PodSandboxId, out var pod))
                continue;
            result.Items.AddRange(MetricMapper.ToPodMetrics(podMetrics, pod, labelKeys).Select(_origin.Stamp));
        }
        return result;
    }

    private async Task<T> CallMetrics<T>(string operation, Func<Grpc.Core.CallOptions, Grpc.Core.AsyncUnaryCall<T>> call, CancellationToken cancel)
    {
        try
        {
            return await Call(operation, null, null, call, cancel).ConfigureAwait(false);
        }
        catch (CriException e) when (e.Category == CriErrorCategory.NotImplemented)
        {
            throw NotSupported("CriMetricsNotSupported", "report pod metrics",
                $"it does not implement {operation}; containerd does from 2.2 on (1.6, 1.7, 2.0 and 2.1 do not), and CRI-O "
                + "(which metrics: its included_pod_metrics). Get-CriPodStats and Get-CriContainerStats measure pods and containers on every runtime", null, e);
        }
    }
}
