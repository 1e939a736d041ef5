using CriPS.Engine.Archives;

namespace CriPS.Engine.Conversion;

public sealed partial class NodeConversion
{
    private const string ImageNamespace = "k8s.io";

    /// <summary>A service action of the StopServices step; optional units may be missing on a node.</summary>
    private sealed record ServiceAction(string[] Arguments, bool Optional)
    {
        public string Target => "systemctl " + string.Join(' ', Arguments);
        public string Describe => Optional ? "Run (if the unit exists)" : "Run";
    }

    private IReadOnlyList<ServiceAction> StopActions()
    {
        var actions = new List<ServiceAction> { new(["stop", "kubelet"], false) };
        actions.Add(new(["disable", "--now", "docker.service"], false));
        actions.Add(new(["disable", "--now", "docker.socket"], true));
        if (_survey.Kind == KubeletRuntimeKind.CriDockerd)
        {
            actions.Add(new(["disable", "--now", "cri-docker.service"], true));
            actions.Add(new(["disable", "--now", "cri-docker.socket"], true));
        }
        return actions;
    }

    private ConversionStepStatus PreflightStep(ConversionStep step, StepContext context)
    {
        foreach (var finding in _findings)
        {
            step.Details.Add(finding.ToString() + (finding.Accepted ? " (accepted)" : ""));
            if (finding.Severity == FindingSeverity.Warning || finding.Accepted)
                context.Log.Warning($"{finding.Id}: {finding.Message}");
        }
        _state.Docker ??= _survey.DockerState;
        return ConversionStepStatus.Done;
    }

    private ConversionStepStatus BackupStep(ConversionStep step)
    {
        foreach (var file in _plan.Files.DistinctBy(f => f.NodePath))
        {
            _backup.EnsureSaved(file.NodePath, file.Step);
            step.Details.Add(file.NodePath);
        }
        return ConversionStepStatus.Done;
    }

    private async Task<ConversionStepStatus> ImagesStepAsync(ConversionStep step, StepContext context, CancellationToken cancel)
    {
        if (_plan.ImagesToMove.Count == 0)
        {
            step.Details.Add(_options.MoveImages ? "no tagged image to move" : "-MigrateImages None");
            return ConversionStepStatus.Skipped;
        }
        var containerd = ContainerdClient.Connect(_survey.ContainerdEndpoint, ImageNamespace, _options.CallTimeout);
        if (!_survey.ContainerdAnswers)
        {
            // Docker's containerd serves the content store even with CRI disabled; start it if it is down.
            await context.Systemctl.ActAsync(cancel, "start", "containerd").ConfigureAwait(false);
            await WaitForAsync(() => containerd.GetVersionAsync(cancel), "containerd", cancel).ConfigureAwait(false);
        }

        var missing = new List<DockerImageFacts>();
        var before = await ContainerdImageIdsAsync(containerd, cancel).ConfigureAwait(false);
        foreach (var image in _plan.ImagesToMove)
            if (IdsOf(before, image).All(id => id == image.Id))
                SetImage(image, "Present", image.Id, "already in containerd with the same ID");
            else
                missing.Add(image);
        if (missing.Count > 0)
        {
            var names = missing.SelectMany(i => i.Tags).ToList();
            var progress = new TransferProgress { Total = missing.Sum(i => i.Size) };
            using var docker = new DockerEngine(_survey.DockerEndpoint, _options.CallTimeout);
            using var reporter = new Timer(_ => context.Log.Progress(step.Name,
                $"{Display.Bytes(progress.Bytes)} of about {Display.Bytes(progress.Total ?? 0)}: {progress.Current}", -1), null, 250, 250);
            await using (var archive = await docker.SaveAsync(names, cancel).ConfigureAwait(false))
            {
                var result = await containerd.ImportImagesAsync(archive, null, progress, cancel).ConfigureAwait(false);
                foreach (var note in result.Notes)
                    step.Details.Add(note);
            }
            var after = await ContainerdImageIdsAsync(containerd, cancel).ConfigureAwait(false);
            foreach (var image in missing)
            {
                var ids = IdsOf(after, image);
                if (ids.Any(id => id != image.Id))
                {
                    SetImage(image, "Failed", string.Join(",", ids.Distinct()), "IDs differ");
                    throw new CriException("ConversionImageMismatch", CriErrorCategory.InvalidData,
                        $"{image.Tags[0]} is {image.Id} in Docker but {string.Join(", ", ids.Distinct())} in containerd.", image.Tags[0]);
                }
                SetImage(image, "Moved", image.Id, "");
            }
        }
        step.Details.Add($"{_plan.ImagesToMove.Count} image(s): {missing.Count} moved, {_plan.ImagesToMove.Count - missing.Count} already present");
        return ConversionStepStatus.Done;
    }

    /// <summary>
    /// The ID of every name of the images to move that the namespace has, from one listing; the ID (a manifest read)
    /// is worked out once per distinct target, since the names of one image share it.
    /// </summary>
    private async Task<Dictionary<string, string>> ContainerdImageIdsAsync(ContainerdClient containerd, CancellationToken cancel)
    {
        var wanted = _plan.ImagesToMove.SelectMany(i => i.Tags).Select(NodePlan.Normalize).ToHashSet(StringComparer.Ordinal);
        var byDigest = new Dictionary<string, string>(StringComparer.Ordinal);
        var byName = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var record in await containerd.GetImagesAsync([], cancel).ConfigureAwait(false))
        {
            if (!wanted.Contains(record.Name))
                continue;
            if (!byDigest.TryGetValue(record.Digest, out var id))
                byDigest[record.Digest] = id = await containerd.GetImageIdAsync(record, cancel).ConfigureAwait(false);
            byName[record.Name] = id;
        }
        return byName;
    }

    /// <summary>The IDs containerd has for each of a Docker image's names ("" for a name it lacks).</summary>
    private static List<string> IdsOf(Dictionary<string, string> ids, DockerImageFacts image) =>
        image.Tags.Select(tag => ids.GetValueOrDefault(NodePlan.Normalize(tag), "")).ToList();

    private void SetImage(DockerImageFacts image, string status, string containerdId, string note)
    {
        var record = Report.Images.First(i => i.DockerId == image.Id && i.Status != "Skipped");
        record.Status = status;
        record.ContainerdId = containerdId;
        if (note.Length > 0)
            record.Note = record.Note.Length > 0 ? record.Note + "; " + note : note;
    }

    private async Task<ConversionStepStatus> StopServicesStepAsync(ConversionStep step, StepContext context, CancellationToken cancel)
    {
        await context.Systemctl.ActAsync(cancel, "stop", "kubelet").ConfigureAwait(false);
        step.Details.Add("kubelet stopped");
        if (_survey.Docker.LiveRestore)
            await StopDockerContainersAsync(step, cancel).ConfigureAwait(false);
        foreach (var action in StopActions().Skip(1))
        {
            var result = await context.Systemctl.RunAsync(action.Arguments, cancel).ConfigureAwait(false);
            if (result.ExitCode == 0)
            {
                _state.DisabledUnits.Add(action.Arguments[^1]);
                step.Details.Add(action.Target);
            }
            else if (action.Optional)
                step.Details.Add($"{action.Target}: not done ({result.Error}); the unit is probably not installed");
            else
                throw new CriException("ConversionServiceFailed", CriErrorCategory.InvalidOperation,
                    $"'{action.Target}' failed with exit code {result.ExitCode}: {result.Error}", action.Arguments[^1]);
        }
        return ConversionStepStatus.Done;
    }

    /// <summary>With live-restore, Docker's containers outlive Docker: stop them while Docker still answers.</summary>
    private async Task StopDockerContainersAsync(ConversionStep step, CancellationToken cancel)
    {
        DockerSnapshot now;
        using var docker = new DockerEngine(_survey.DockerEndpoint, _options.CallTimeout);
        try
        {
            now = await docker.SnapshotAsync(cancel).ConfigureAwait(false);
        }
        catch (CriException e) when (e.ErrorId == "DockerUnavailable")
        {
            step.Details.Add("Docker no longer answers; its containers were stopped by an earlier run");
            return;
        }
        foreach (var container in now.Containers.Where(c => c.State == "running"))
        {
            await docker.StopContainerAsync(container.Id, TimeSpan.FromSeconds(10), cancel).ConfigureAwait(false);
            step.Details.Add($"Docker container {container.Name} stopped (live-restore)");
        }
    }

    private ConversionStepStatus WriteFilesStep(ConversionStep step, StepContext context)
    {
        foreach (var file in _plan.FilesOf(step.Name))
        {
            var wrote = context.Changes.WriteBytes(file.NodePath, file.Content, file.Facts, step.Name);
            step.Details.Add($"{file.NodePath}: {(wrote ? string.Join("; ", file.Changes) : "already as planned")}");
        }
        return ConversionStepStatus.Done;
    }

    private async Task<ConversionStepStatus> DockerSettingsStepAsync(ConversionStep step, StepContext context, CancellationToken cancel)
    {
        WriteFilesStep(step, context);
        if (_plan.ChangesUnits)
            await context.Systemctl.ActAsync(cancel, "daemon-reload").ConfigureAwait(false);
        foreach (var carried in _plan.Carried)
            step.Details.Add($"{carried.Setting} {carried.Value}: {carried.Status} ({carried.Destination})");
        return ConversionStepStatus.Done;
    }

    private async Task<ConversionStepStatus> StartServicesStepAsync(ConversionStep step, StepContext context, CancellationToken cancel)
    {
        await context.Systemctl.ActAsync(cancel, "enable", "containerd").ConfigureAwait(false);
        await context.Systemctl.ActAsync(cancel, "restart", "containerd").ConfigureAwait(false);
        var cri = CriClient.Connect(_survey.ContainerdEndpoint, null, _options.CallTimeout);
        var info = await WaitForAsync(async () =>
        {
            var i = await cri.GetRuntimeInfoAsync(cancel).ConfigureAwait(false);
            return i.RuntimeReady ? i : throw new CriException("CriRuntimeNotReady", CriErrorCategory.ResourceUnavailable, i.RuntimeReadyMessage, _survey.ContainerdEndpoint);
        }, "containerd's CRI", cancel).ConfigureAwait(false);
        step.Details.Add($"containerd {info.RuntimeVersion} serves CRI {info.RuntimeApiVersion}");
        await context.Systemctl.ActAsync(cancel, "start", "kubelet").ConfigureAwait(false);
        step.Details.Add("kubelet started");
        return ConversionStepStatus.Done;
    }

    /// <summary>Calls until the call succeeds or the ready timeout passes; the last failure is the error.</summary>
    private async Task<T> WaitForAsync<T>(Func<Task<T>> call, string what, CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow + _options.ReadyTimeout;
        while (true)
        {
            try
            {
                return await call().ConfigureAwait(false);
            }
            catch (CriException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, cancel).ConfigureAwait(false);
            }
            catch (CriException e)
            {
                throw new CriException("ConversionRuntimeNotReady", CriErrorCategory.ResourceUnavailable,
                    $"{what} was not ready within {_options.ReadyTimeout.TotalSeconds:0} s: {e.Message}", _survey.ContainerdEndpoint, e);
            }
        }
    }
}
