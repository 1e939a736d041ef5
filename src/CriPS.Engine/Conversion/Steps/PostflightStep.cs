using CriPS.Engine.Filtering;

namespace CriPS.Engine.Conversion;

/// <summary>
/// Trusts CRI, not systemctl: containerd must answer CRI v1, be RuntimeReady and NetworkReady, run with the
/// written cgroup driver and sandbox image, have the sandbox image, and list every moved image with its
/// Docker ID. Every problem is listed before the step fails.
/// </summary>
internal sealed class PostflightStep : NodeStep
{
    public override string Name => "Postflight";

    public override IEnumerable<PlannedAction> Plan(ConversionContext c) =>
    [
        Planned("Verify through CRI", c.Survey.ContainerdEndpoint,
            "containerd answers CRI v1; RuntimeReady and NetworkReady; sandbox image present; every moved image listed with the same ID"
            + (c.Options.VerifyPull.Count > 0 ? "; pull " + string.Join(", ", c.Options.VerifyPull) : "")),
    ];

    public override async Task<ConversionStepStatus> RunAsync(ConversionStep record, ConversionContext c, CancellationToken cancel)
    {
        var survey = c.Survey;
        var options = c.Options;
        var problems = new List<string>();
        var cri = CriClient.Connect(survey.ContainerdEndpoint, null, options.CallTimeout);
        var info = await cri.GetRuntimeInfoAsync(cancel).ConfigureAwait(false);
        void Check(bool ok, string what)
        {
            record.Details.Add((ok ? "ok: " : "FAILED: ") + what);
            if (!ok)
                problems.Add(what);
        }
        Check(info.RuntimeName == "containerd" && info.RuntimeApiVersion == "v1", $"runtime {info.RuntimeName} API {info.RuntimeApiVersion} (want containerd, v1)");
        Check(info.RuntimeReady, "RuntimeReady" + (info.RuntimeReady ? "" : $": {info.RuntimeReadyReason} {info.RuntimeReadyMessage}"));
        Check(info.NetworkReady, "NetworkReady" + (info.NetworkReady ? "" : $": {info.NetworkReadyReason} {info.NetworkReadyMessage}"));
        if (info.SystemdCgroup is { } systemd)
            Check(systemd == c.Plan.Containerd.SystemdCgroup, $"SystemdCgroup {systemd} (the kubelet uses {survey.CgroupDriver})");
        if (info.SandboxImage is { } sandbox)
            Check(NodePlan.Normalize(sandbox) == NodePlan.Normalize(survey.SandboxImage), $"sandbox image {sandbox}");

        var images = (await cri.GetImagesAsync(new ImageQuery(), cancel).ConfigureAwait(false)).Items;
        var byName = images.SelectMany(i => i.RepoTags.Select(t => (Tag: t, i.Id))).ToLookup(p => p.Tag, p => p.Id, StringComparer.Ordinal);
        if (byName.Contains(NodePlan.Normalize(survey.SandboxImage)))
            Check(true, $"sandbox image {survey.SandboxImage} present");
        else
        {
            // Not moved (-MigrateImages None, or Docker lacked it): every pod needs it, so fetch it now, not at the first pod.
            try
            {
                await cri.PullImageAsync(survey.SandboxImage, null, options.ReadyTimeout, cancel).ConfigureAwait(false);
                Check(true, $"sandbox image {survey.SandboxImage} pulled");
            }
            catch (CriException e)
            {
                Check(false, $"sandbox image {survey.SandboxImage} is missing and cannot be pulled: {e.Message}");
            }
        }
        foreach (var image in c.Plan.ImagesToMove)
            foreach (var tag in image.Tags)
            {
                var ids = byName[NodePlan.Normalize(tag)].ToList();
                Check(ids.Contains(image.Id), $"image {tag} listed with ID {image.Id}" + (ids.Count > 0 && !ids.Contains(image.Id) ? $" (found {ids[0]})" : ""));
            }
        foreach (var reference in options.VerifyPull)
        {
            try
            {
                var pulled = await cri.PullImageAsync(reference, null, options.ReadyTimeout, cancel).ConfigureAwait(false);
                Check(true, $"pulled {reference} ({pulled.Id})");
            }
            catch (CriException e)
            {
                Check(false, $"pull {reference}: {e.Message}");
            }
        }
        if (problems.Count > 0)
            throw new CriException("ConversionPostflightFailed", CriErrorCategory.InvalidResult,
                $"containerd does not work as it should after the conversion: {string.Join("; ", problems)}. Fix it and run the command again, or go back with: {c.Report.RollbackCommand}",
                survey.ContainerdEndpoint);
        return ConversionStepStatus.Done;
    }
}
