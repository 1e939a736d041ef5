namespace CriPS;

/// <summary>One metric a runtime can report through ListPodSandboxMetrics (crictl metricdescs).</summary>
public sealed class MetricDescriptor : CriObject
{
    /// <summary>The metric's name, which PodMetric.Name refers to, e.g. container_memory_usage_bytes.</summary>
    public string Name { get; set; } = "";
    public string Help { get; set; } = "";
    /// <summary>The names of the metric's labels, in the order its samples give their values.</summary>
    public string[] LabelKeys { get; set; } = [];

    public override string ToString() => Name;
}

/// <summary>Counter or gauge, as in Prometheus.</summary>
public enum MetricType
{
    Counter,
    Gauge,
}

/// <summary>
/// One metric sample of a pod or of one of its containers (crictl metricsp): a pod's own samples have no
/// ContainerId. Labels pairs each label key the runtime describes for the metric with the sample's value.
/// </summary>
public sealed class PodMetric : CriObject
{
    public string PodId { get; set; } = "";
    public string PodName { get; set; } = "";
    public string PodNamespace { get; set; } = "";
    /// <summary>The container the sample is of; null for the pod's own (its network, for example).</summary>
    public string? ContainerId { get; set; }
    public string Name { get; set; } = "";
    public MetricType Type { get; set; }
    /// <summary>The sample's value; null when the runtime sent none.</summary>
    public ulong? Value { get; set; }
    /// <summary>Label key to value, in the descriptor's order; keys the runtime does not describe are label1, label2...</summary>
    public System.Collections.Specialized.OrderedDictionary Labels { get; set; } = new();
    /// <summary>When the runtime took the sample (UTC); null when it says "now" (0).</summary>
    public DateTime? Timestamp { get; set; }

    public override string ToString() => $"{Name}={Value}";
}
