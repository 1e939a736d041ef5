using CriPS.Engine.Images;
using CriPS.Engine.Mapping;

namespace CriPS.Engine;

/// <summary>Pulling an image when missing, and crictl run: a pod and its container in one step, all or nothing.</summary>
public sealed partial class CriClient
{
    /// <summary>
    /// Pulls the image when the runtime does not have it, with the kubelet's Docker config files under
    /// <paramref name="home"/> for credentials; true when it pulled.
    /// </summary>
    public async Task<bool> PullIfMissingAsync(string image, string? home, TimeSpan pullTimeout, Action<string> verbose, CancellationToken cancel,
        Configs.PodConfig? podConfig = null)
    {
        if (await GetImageAsync(image, cancel).ConfigureAwait(false) is not null)
            return false;
        var credential = RegistryCredential.FromDefaultAuthFiles(home, ImageReference.Parse(image).Registry);
        verbose(credential is null ? $"Pulling {image} anonymously." : $"Pulling {image} with {credential}.");
        await PullImageAsync(image, credential, pullTimeout, cancel, podConfig).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Runs a pod, creates the container in it and starts it (crictl run). When a step after RunPodSandbox fails or
    /// is cancelled, the pod is stopped and removed, which removes the container too, so nothing is left half made;
    /// the error says what was removed, or what could not be.
    /// </summary>
    public async Task<Container> RunContainerAsync(PodSpec podSpec, ContainerSpec containerSpec, Func<CancellationToken, Task>? beforePod,
        Action<string> verbose, CancellationToken cancel)
    {
        // Both configs are made whole first: one without a name or image fails before anything is pulled or made.
        // The uid is fixed here, not by the runtime, so a RunPodSandbox cut short can still find the pod it made.
        var sandbox = Specs.ToPodSandboxConfig(podSpec);
        Specs.ToContainerConfig(containerSpec);
        podSpec.Uid = sandbox.Metadata.Uid;
        if (beforePod is not null)
            await beforePod(cancel).ConfigureAwait(false);
        var started = DateTime.UtcNow;
        Pod pod;
        try
        {
            pod = await RunPodAsync(podSpec, cancel).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException || e is CriException { Category: CriErrorCategory.OperationTimeout })
        {
            // The runtime may finish a RunPodSandbox whose caller gave up: remove the pod it made, if any.
            var made = await FindPodMadeSinceAsync(sandbox.Metadata, started).ConfigureAwait(false);
            if (made is null)
                throw;
            var undo = await UndoAsync(made, null, verbose).ConfigureAwait(false);
            if (e is OperationCanceledException)
                throw;
            throw WithUndo((CriException)e, undo);
        }
        verbose($"Ran pod {pod} ({pod.Id}).");
        string? containerId = null;
        try
        {
            var created = await CreateContainerAsync(pod.Id, containerSpec, cancel).ConfigureAwait(false);
            containerId = created.Id;
            verbose($"Created container {created.Name} ({created.Id}).");
            await StartContainerAsync(created.Id, cancel).ConfigureAwait(false);
            return await GetContainerAsync(created.Id, cancel).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or CriException)
        {
            var undo = await UndoAsync(pod, containerId, verbose).ConfigureAwait(false);
            if (e is OperationCanceledException)
                throw;
            throw WithUndo((CriException)e, undo);
        }
    }

    /// <summary>The pod with this metadata that was created since the call began (the runtime keeps metadata unique).</summary>
    private async Task<Pod?> FindPodMadeSinceAsync(Cri.V1.PodSandboxMetadata metadata, DateTime since)
    {
        try
        {
            var pods = await ListPodsAsync(CancellationToken.None).ConfigureAwait(false);
            // A pod with the same metadata that is older was there before: never ours to remove.
            return pods.FirstOrDefault(p => p.Uid == metadata.Uid && p.Name == metadata.Name && p.Namespace == metadata.Namespace
                                            && p.Attempt == metadata.Attempt && p.CreatedAt >= since.AddSeconds(-1));
        }
        catch (CriException)
        {
            return null;
        }
    }

    /// <summary>
    /// Stops and removes the pod this call made (its containers go with it). Not cancellable: it runs because the
    /// caller cancelled, and each call has its own deadline. Returns the sentence the error carries.
    /// </summary>
    private async Task<string> UndoAsync(Pod pod, string? containerId, Action<string> verbose)
    {
        var what = containerId is null ? $"pod {pod} ({pod.Id})" : $"container {containerId} and pod {pod} ({pod.Id})";
        try
        {
            await StopPodAsync(pod.Id, CancellationToken.None).ConfigureAwait(false);
            await RemovePodAsync(pod.Id, CancellationToken.None).ConfigureAwait(false);
            verbose($"Removed the {what} this run had made.");
            return $"CriPS removed the {what} it had made for this run.";
        }
        catch (CriException e)
        {
            return $"CriPS could not remove the {what} it had made for this run ({e.Message}): remove them with Remove-CriPod -Force.";
        }
    }

    private static CriException WithUndo(CriException e, string undo) =>
        new(e.ErrorId, e.Category, $"{e.Message} {undo}", e.Target, e.InnerException ?? e)
            { StatusCode = e.StatusCode, StatusDetail = e.StatusDetail };
}
