namespace CriPS.Engine.Conversion;

/// <summary>
/// A step done through the Kubernetes API with -KubeConfig, and left to the user, with the kubectl command to run,
/// without it.
/// </summary>
internal abstract class ClusterStep : NodeStep
{
    public override IEnumerable<PlannedAction> Plan(ConversionContext c) =>
    [
        c.Options.KubeConfig is null
            ? Planned("Manual step", c.Options.NodeName, Advice(c))
            : Planned(ApiAction, c.Options.NodeName, ApiDetail(c)),
    ];

    public override async Task<ConversionStepStatus> RunAsync(ConversionStep record, ConversionContext c, CancellationToken cancel)
    {
        if (c.Options.KubeConfig is null)
            return c.LeaveToUser(record, Advice(c));
        using var cluster = ClusterSteps.Connect(c.Options.KubeConfig, c.Options.NodeName, c.Options.CallTimeout);
        record.Details.AddRange(await CallAsync(cluster, c, cancel).ConfigureAwait(false));
        return ConversionStepStatus.Done;
    }

    /// <summary>What -WhatIf says the API call does, and its detail line.</summary>
    protected abstract string ApiAction { get; }

    protected abstract string ApiDetail(ConversionContext c);

    protected abstract Task<IReadOnlyList<string>> CallAsync(ClusterSteps cluster, ConversionContext c, CancellationToken cancel);

    /// <summary>What the user runs instead, without -KubeConfig.</summary>
    protected abstract string Advice(ConversionContext c);
}
