namespace CriPS.Engine.Conversion;

/// <summary>
/// Last: uncordons the node and points kubeadm's cri-socket annotation at containerd through the Kubernetes API,
/// or leaves it to the user without -KubeConfig.
/// </summary>
internal sealed class UncordonStep : NodeStep
{
    public override string Name => "Uncordon";

    public override IEnumerable<PlannedAction> Plan(ConversionContext c) =>
    [
        c.Options.KubeConfig is null
            ? Planned("Manual step", c.Options.NodeName, Advice(c))
            : Planned("Uncordon through the Kubernetes API", c.Options.NodeName,
                $"and set {CriSocketAnnotation.Key} to {c.Plan.KubeletEndpoint} where it names dockershim or cri-dockerd"),
    ];

    public override async Task<ConversionStepStatus> RunAsync(ConversionStep record, ConversionContext c, CancellationToken cancel)
    {
        if (c.Options.KubeConfig is null)
            return c.LeaveToUser(record, Advice(c));
        using var cluster = ClusterSteps.Connect(c.Options.KubeConfig, c.Options.NodeName, c.Options.CallTimeout);
        record.Details.AddRange(await cluster.UncordonAsync(c.Plan.KubeletEndpoint, c.Options.DrainTimeout, cancel).ConfigureAwait(false));
        return ConversionStepStatus.Done;
    }

    private static string Advice(ConversionContext c) =>
        $"kubectl uncordon {c.Options.NodeName}; if the node's {CriSocketAnnotation.Key} annotation names dockershim or cri-dockerd, set it to {c.Plan.KubeletEndpoint}";
}
