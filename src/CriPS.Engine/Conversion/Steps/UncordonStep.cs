namespace CriPS.Engine.Conversion;

/// <summary>
/// Last: uncordons the node and points kubeadm's cri-socket annotation at containerd through the Kubernetes API,
/// or leaves it to the user without -KubeConfig.
/// </summary>
internal sealed class UncordonStep : ClusterStep
{
    public override string Name => "Uncordon";

    protected override string ApiAction => "Uncordon through the Kubernetes API";

    protected override string ApiDetail(ConversionContext c) =>
        $"and set {CriSocketAnnotation.Key} to {c.Plan.KubeletEndpoint} where it names dockershim or cri-dockerd";

    // The API server of a control-plane node may not be back yet: it is waited for within the drain's deadline.
    protected override Task<IReadOnlyList<string>> CallAsync(ClusterSteps cluster, ConversionContext c, CancellationToken cancel) =>
        cluster.UncordonAsync(c.Plan.KubeletEndpoint, c.Options.DrainTimeout, cancel);

    protected override string Advice(ConversionContext c) =>
        $"kubectl uncordon {c.Options.NodeName}; if the node's {CriSocketAnnotation.Key} annotation names dockershim or cri-dockerd, set it to {c.Plan.KubeletEndpoint}";
}
