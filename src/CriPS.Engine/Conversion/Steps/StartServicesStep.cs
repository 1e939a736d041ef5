using CriPS.Engine.Filtering;

namespace CriPS.Engine.Conversion;

/// <summary>
/// Enables containerd and restarts it on the new config, waits until it serves CRI, then starts the kubelet. Its
/// undo stops and removes every pod containerd ran through CRI while CRI still serves: once ContainerdConfig's undo
/// restarts containerd without CRI nothing could, and the kubelet back on Docker would run second copies of the
/// static and host-network pods beside them.
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
        var endpoint = c.Survey.ContainerdEndpoint;
        c.State.ContainerdEndpoint = endpoint;
        c.SaveState();
        await c.Systemctl.ActAsync(cancel, "enable", "containerd").ConfigureAwait(false);
        await c.Systemctl.ActAsync(cancel, "restart", "containerd").ConfigureAwait(false);
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

    public override async Task UndoAsync(RollbackContext c, CancellationToken cancel)
    {
        if (c.State.ContainerdEndpoint is not { } endpoint)
            return;
        var cri = CriClient.Connect(endpoint, null, c.Options.CallTimeout);
        IReadOnlyList<Pod> pods;
        try
        {
            pods = (await cri.GetPodsAsync(new PodQuery(), cancel).ConfigureAwait(false)).Items;
        }
        catch (CriException e)
        {
            c.Details.Add($"no pods removed: containerd does not serve CRI on {endpoint} ({e.Message})");
            return;
        }
        foreach (var pod in pods)
        {
            // Stopping first tears the pod's network down through CNI; removing then deletes its containers.
            await cri.StopPodAsync(pod.Id, cancel).ConfigureAwait(false);
            await cri.RemovePodAsync(pod.Id, cancel).ConfigureAwait(false);
            c.Details.Add($"removed pod {pod.Namespace}/{pod.Name} ({pod.Id[..Math.Min(13, pod.Id.Length)]}) that containerd ran");
        }
    }
}
