namespace CriPS.Engine.Conversion;

/// <summary>Before the services stop: cordons and drains the node through the Kubernetes API, or leaves it to the user without -KubeConfig.</summary>
internal sealed class DrainStep : ClusterStep
{
    public override string Name => "Drain";

    protected override string ApiAction => "Cordon and drain through the Kubernetes API";

    protected override string ApiDetail(ConversionContext c) =>
        $"evictions respect PodDisruptionBudgets; DaemonSet and mirror pods stay; deadline {c.Options.DrainTimeout.TotalSeconds:0} s";

    protected override Task<IReadOnlyList<string>> CallAsync(ClusterSteps cluster, ConversionContext c, CancellationToken cancel) =>
        cluster.CordonAndDrainAsync(c.Options.DrainTimeout, cancel);

    protected override string Advice(ConversionContext c) =>
        $"kubectl drain {c.Options.NodeName} --ignore-daemonsets --delete-emptydir-data (before the services stop)";
}
