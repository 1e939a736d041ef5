namespace CriPS.Engine.Conversion;

/// <summary>Before the services stop: cordons and drains the node through the Kubernetes API, or leaves it to the user without -KubeConfig.</summary>
internal sealed class DrainStep : NodeStep
{
    public override string Name => "Drain";

    public override IEnumerable<PlannedAction> Plan(ConversionContext c) =>
    [
        c.Options.KubeConfig is null
            ? Planned("Manual step", c.Options.NodeName, Advice(c))
            : Planned("Cordon and drain through the Kubernetes API", c.Options.NodeName,
                $"evictions respect PodDisruptionBudgets; DaemonSet and mirror pods stay; deadline {c.Options.DrainTimeout.TotalSeconds:0} s"),
    ];

    public override async Task<ConversionStepStatus> RunAsync(ConversionStep record, ConversionContext c, CancellationToken cancel)
    {
        if (c.Options.KubeConfig is null)
            return c.LeaveToUser(record, Advice(c));
        using var cluster = ClusterSteps.Connect(c.Options.KubeConfig, c.Options.NodeName, c.Options.CallTimeout);
        record.Details.AddRange(await cluster.CordonAndDrainAsync(c.Options.DrainTimeout, cancel).ConfigureAwait(false));
        return ConversionStepStatus.Done;
    }

    private static string Advice(ConversionContext c) =>
        $"kubectl drain {c.Options.NodeName} --ignore-daemonsets --delete-emptydir-data (before the services stop)";
}
