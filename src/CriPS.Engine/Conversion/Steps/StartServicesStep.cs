namespace CriPS.Engine.Conversion;

/// <summary>
/// Enables containerd and restarts it on the new config, waits until it serves CRI, then starts the kubelet.
/// Nothing of its own to undo: ContainerdConfig's undo restarts containerd on its old config.
/// </summary>
internal sealed class StartServicesStep : NodeStep
{
    public override string Name => "StartServices";

    public override IEnumerable<PlannedAction> Plan(ConversionContext c) =>
    [
        Planned("Run", "systemctl enable containerd"),
        Planned("Run", "systemctl restart containerd", "then wait until CRI reports RuntimeReady"),
        Planned("Run", "systemctl start kubelet"),
    ];

    public override async Task<ConversionStepStatus> RunAsync(ConversionStep record, ConversionContext c, CancellationToken cancel)
    {
        await c.Systemctl.ActAsync(cancel, "enable", "containerd").ConfigureAwait(false);
        await c.Systemctl.ActAsync(cancel, "restart", "containerd").ConfigureAwait(false);
        var endpoint = c.Survey.ContainerdEndpoint;
        var cri = CriClient.Connect(endpoint, null, c.Options.CallTimeout);
        var info = await c.WaitForAsync(async () =>
        {
            var i = await cri.GetRuntimeInfoAsync(cancel).ConfigureAwait(false);
            return i.RuntimeReady ? i : throw new CriException("CriRuntimeNotReady", CriErrorCategory.ResourceUnavailable, i.RuntimeReadyMessage, endpoint);
        }, "containerd's CRI", cancel).ConfigureAwait(false);
        record.Details.Add($"containerd {info.RuntimeVersion} serves CRI {info.RuntimeApiVersion}");
        await c.Systemctl.ActAsync(cancel, "start", "kubelet").ConfigureAwait(false);
        record.Details.Add("kubelet started");
        return ConversionStepStatus.Done;
    }
}
