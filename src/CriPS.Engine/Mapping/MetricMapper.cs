using System.Collections.Specialized;
using V1 = CriPS.Engine.Cri.V1;

namespace CriPS.Engine.Mapping;

/// <summary>Maps the CRI metric messages to the module's objects.</summary>
internal static class MetricMapper
{
    public static MetricDescriptor ToDescriptor(V1.MetricDescriptor d) => new()
    {
        Name = d.Name,
        Help = d.Help,
        LabelKeys = d.LabelKeys.ToArray(),
    };

    /// <summary>The pod's own samples first, then each container's, in the order the runtime sent them.</summary>
    public static IEnumerable<PodMetric> ToPodMetrics(V1.PodSandboxMetrics metrics, Pod pod, IReadOnlyDictionary<string, string[]> labelKeys)
    {
        foreach (var m in metrics.Metrics)
            yield return ToPodMetric(m, pod, null, labelKeys);
        foreach (var container in metrics.ContainerMetrics)
            foreach (var m in container.Metrics)
                yield return ToPodMetric(m, pod, container.ContainerId, labelKeys);
    }

    internal static PodMetric ToPodMetric(V1.Metric m, Pod pod, string? containerId, IReadOnlyDictionary<string, string[]> labelKeys) => new()
    {
        PodId = pod.Id,
        PodName = pod.Name,
        PodNamespace = pod.Namespace,
        ContainerId = string.IsNullOrEmpty(containerId) ? null : containerId,
        Name = m.Name,
        Type = m.MetricType == V1.MetricType.Gauge ? MetricType.Gauge : MetricType.Counter,
        Value = m.Value?.Value,
        Labels = ToLabels(m.LabelValues, labelKeys.TryGetValue(m.Name, out var keys) ? keys : []),
        Timestamp = m.Timestamp > 0 ? DateTime.UnixEpoch.AddTicks(m.Timestamp / 100) : null,
    };

    /// <summary>Pairs values with their keys by position; a value without a described key gets label1, label2, ... by its position.</summary>
    internal static OrderedDictionary ToLabels(IReadOnlyList<string> values, IReadOnlyList<string> keys)
    {
        var labels = new OrderedDictionary(StringComparer.Ordinal);
        for (var i = 0; i < values.Count; i++)
        {
            var key = i < keys.Count && !string.IsNullOrEmpty(keys[i]) && !labels.Contains(keys[i]) ? keys[i] : $"label{i + 1}";
            labels[key] = values[i];
        }
        return labels;
    }
}
