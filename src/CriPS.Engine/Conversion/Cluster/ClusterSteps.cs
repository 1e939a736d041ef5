using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Exceptions;
using k8s.Models;
using YamlDotNet.Core;

namespace CriPS.Engine.Conversion;

/// <summary>
/// The conversion's steps that go through the Kubernetes API: before the runtime is switched, cordon the node and
/// drain it by eviction the way `kubectl drain --ignore-daemonsets --delete-emptydir-data` does; at the end, uncordon
/// it and point kubeadm's cri-socket annotation at containerd. Every step reads the node first and changes only what
/// differs, so running it again after a failure or on an already converted node is harmless.
/// </summary>
internal sealed class ClusterSteps : IDisposable
{
    private const string CordonPatch = """{"spec":{"unschedulable":true}}""";

    private readonly Kubernetes client;
    private readonly ClusterErrors errors;
    private readonly string nodeName;
    private readonly DrainPacing pacing;
    private readonly TimeProvider time;

    private ClusterSteps(Kubernetes client, ClusterErrors errors, string nodeName, DrainPacing pacing, TimeProvider time)
    {
        this.client = client;
        this.errors = errors;
        this.nodeName = nodeName;
        this.pacing = pacing;
        this.time = time;
    }

    /// <summary>
    /// Reads the kubeconfig (its current context) and prepares a client; nothing is sent yet, so a wrong node name or
    /// an unreachable server shows at the first step. <paramref name="callTimeout"/> bounds each single API call.
    /// </summary>
    public static ClusterSteps Connect(string kubeConfigPath, string nodeName, TimeSpan callTimeout) =>
        Connect(kubeConfigPath, nodeName, callTimeout, DrainPacing.Default, TimeProvider.System);

    internal static ClusterSteps Connect(string kubeConfigPath, string nodeName, TimeSpan callTimeout, DrainPacing pacing, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nodeName);
        if (string.IsNullOrWhiteSpace(kubeConfigPath) || !File.Exists(kubeConfigPath))
            throw new CriException("ConversionKubeConfigInvalid", CriErrorCategory.InvalidArgument,
                $"The kubeconfig '{kubeConfigPath}' does not exist.", kubeConfigPath);
        KubernetesClientConfiguration config;
        Kubernetes client;
        try
        {
            config = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeConfigPath);
            config.HttpClientTimeout = callTimeout;
            client = new Kubernetes(config);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The library's and YamlDotNet's messages name contexts, users and positions; anything else could quote
            // the file (a token, a key), so only its type is shown.
            var why = e is KubeConfigException or YamlException ? e.Message : e.GetType().Name;
            throw new CriException("ConversionKubeConfigInvalid", CriErrorCategory.InvalidArgument,
                $"The kubeconfig '{kubeConfigPath}' cannot be used: {why}", kubeConfigPath);
        }
        return new ClusterSteps(client, new ClusterErrors(config), nodeName, pacing, time);
    }

    /// <summary>
    /// The command the current context's user runs for its credentials (an exec plugin), or null; a kubeconfig that
    /// cannot be read is Connect's to report. Only the command is named: its arguments may carry secrets.
    /// </summary>
    public static string? ExecPluginCommand(string kubeConfigPath)
    {
        try
        {
            var config = KubernetesClientConfiguration.LoadKubeConfig(new FileInfo(kubeConfigPath));
            var context = config.Contexts?.FirstOrDefault(c => c.Name == config.CurrentContext);
            var user = config.Users?.FirstOrDefault(u => u.Name == context?.ContextDetails?.User);
            return user?.UserCredentials?.ExternalExecution?.Command;
        }
        catch (Exception e) when (e is KubeConfigException or YamlException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public string NodeName => nodeName;

    /// <summary>
    /// Marks the node unschedulable, then evicts every pod on it except DaemonSet pods and static pods' mirrors
    /// (pods with emptyDir volumes too: their scratch data is lost, as with kubectl's --delete-emptydir-data), and
    /// waits until the evicted pods have left. Evictions a PodDisruptionBudget refuses (HTTP 429) are retried with
    /// backoff. Nothing is deleted directly. When <paramref name="drainTimeout"/> passes first, fails with
    /// ConversionDrainTimeout naming the pods still there; the node stays cordoned.
    /// </summary>
    /// <returns>Lines for the report: "cordoned", "evicted default/web-1", "skipped kube-system/kube-proxy-x (DaemonSet)"...</returns>
    public async Task<IReadOnlyList<string>> CordonAndDrainAsync(TimeSpan drainTimeout, CancellationToken cancel)
    {
        var started = time.GetTimestamp();
        TimeSpan Remaining() => drainTimeout - time.GetElapsedTime(started);
        var details = new List<string>();

        var node = await ReadNodeAsync(cancel).ConfigureAwait(false);
        if (node.Spec?.Unschedulable == true)
        {
            details.Add("already cordoned");
        }
        else
        {
            await PatchNodeAsync(CordonPatch, "cordon", cancel).ConfigureAwait(false);
            details.Add("cordoned");
        }

        var pods = await ListPodsAsync(cancel).ConfigureAwait(false);
        // Evictions go out together, as kubectl's do: one budget's refusals must not hold up the other pods.
        var outcomes = await Task.WhenAll(pods.Where(p => p.Disposition == PodDisposition.Evict)
            .Select(p => EvictAsync(p, Remaining, cancel))).ConfigureAwait(false);
        var waiting = outcomes.Where(o => o.Accepted).Select(o => o.Pod)
            .Concat(pods.Where(p => p.Disposition == PodDisposition.AlreadyTerminating)).ToList();
        var left = await WaitUntilGoneAsync(waiting, Remaining, cancel).ConfigureAwait(false);

        var refused = outcomes.Where(o => o.StillRefused).ToList();
        if (refused.Count > 0 || left.Count > 0)
        {
            var names = refused.Select(o => $"{o.Pod.FullName} (eviction still refused: {o.Refusal})")
                .Concat(left.Select(p => $"{p.FullName} (still terminating)"));
            throw new CriException("ConversionDrainTimeout", CriErrorCategory.OperationTimeout,
                errors.Scrub($"The node '{nodeName}' was not drained within {drainTimeout}; still on it: {string.Join(", ", names)}. " +
                             "It stays cordoned."), nodeName);
        }

        foreach (var pod in pods)
        {
            var outcome = outcomes.FirstOrDefault(o => ReferenceEquals(o.Pod, pod));
            details.Add(pod.Disposition switch
            {
                PodDisposition.SkipDaemonSet => $"skipped {pod.FullName} (DaemonSet)",
                PodDisposition.SkipMirror => $"skipped {pod.FullName} (mirror pod)",
                PodDisposition.AlreadyTerminating => $"waited for {pod.FullName} (already terminating)",
                _ when outcome is { GoneBeforeEviction: true } => $"already gone {pod.FullName}",
                _ => EvictedLine(outcome!),
            });
        }
        var evicted = outcomes.Count(o => o.Accepted);
        var skipped = pods.Count(p => p.Disposition is PodDisposition.SkipDaemonSet or PodDisposition.SkipMirror);
        details.Add($"drained: {evicted} evicted, {skipped} skipped");
        return details;
    }

    /// <summary>
    /// Makes the node schedulable again and, when kubeadm's cri-socket annotation still names dockershim's or
    /// cri-dockerd's socket, sets it to <paramref name="containerdEndpoint"/> (e.g. unix:///run/containerd/containerd.sock).
    /// Any other value was chosen by someone: it is left alone and reported. Both changes go in one patch.
    /// </summary>
    /// <remarks>
    /// A control-plane node's API server comes back only after its kubelet: while it is unavailable the uncordon is
    /// retried with backoff until <paramref name="within"/> passes, then the last ConversionClusterUnavailable is the error.
    /// </remarks>
    public async Task<IReadOnlyList<string>> UncordonAsync(string containerdEndpoint, TimeSpan within, CancellationToken cancel)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(containerdEndpoint);
        var started = time.GetTimestamp();
        var wait = TimeSpan.Zero;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var details = await UncordonOnceAsync(containerdEndpoint, cancel).ConfigureAwait(false);
                if (attempt > 1)
                    details.Add($"the API server answered at attempt {attempt}, after {time.GetElapsedTime(started).TotalSeconds:0} s");
                return details;
            }
            catch (CriException e) when (e.ErrorId == "ConversionClusterUnavailable" && time.GetElapsedTime(started) + (wait = pacing.NextRetry(wait)) < within)
            {
                await Task.Delay(wait, time, cancel).ConfigureAwait(false);
            }
        }
    }

    private async Task<List<string>> UncordonOnceAsync(string containerdEndpoint, CancellationToken cancel)
    {
        var node = await ReadNodeAsync(cancel).ConfigureAwait(false);
        var details = new List<string>();
        var patch = new JsonObject();

        string? current = null;
        var hasAnnotation = node.Metadata?.Annotations?.TryGetValue(CriSocketAnnotation.Key, out current) == true;
        string annotationLine;
        if (!hasAnnotation)
        {
            annotationLine = $"no {CriSocketAnnotation.Key} annotation";
        }
        else if (CriSocketAnnotation.NamesDockerSocket(current))
        {
            patch["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [CriSocketAnnotation.Key] = containerdEndpoint } };
            annotationLine = $"{CriSocketAnnotation.Key}: {current} -> {containerdEndpoint}";
        }
        else if (string.Equals(current, containerdEndpoint, StringComparison.Ordinal))
        {
            annotationLine = $"{CriSocketAnnotation.Key} already {containerdEndpoint}";
        }
        else
        {
            annotationLine = $"{CriSocketAnnotation.Key} left as '{current}' (not a Docker socket)";
        }

        string cordonLine;
        if (node.Spec?.Unschedulable == true)
        {
            // null removes the field, as kubectl uncordon leaves a node: the same as false, as if never cordoned.
            patch["spec"] = new JsonObject { ["unschedulable"] = null };
            cordonLine = "uncordoned";
        }
        else
        {
            cordonLine = "already schedulable";
        }

        if (patch.Count > 0)
            await PatchNodeAsync(patch.ToJsonString(), "uncordon", cancel).ConfigureAwait(false);
        details.Add(cordonLine);
        details.Add(annotationLine);
        return details;
    }

    public void Dispose() => client.Dispose();

    private static string EvictedLine(EvictionOutcome outcome)
    {
        var notes = new List<string>();
        if (outcome.Refusals > 0)
            notes.Add($"after {outcome.Refusals} PodDisruptionBudget refusal{(outcome.Refusals == 1 ? "" : "s")}");
        if (outcome.Pod.HasEmptyDir)
            notes.Add("its emptyDir data is deleted");
        if (!outcome.Pod.HasController)
            notes.Add("no controller: it is not recreated");
        return notes.Count == 0 ? $"evicted {outcome.Pod.FullName}" : $"evicted {outcome.Pod.FullName} ({string.Join("; ", notes)})";
    }

    private async Task<V1Node> ReadNodeAsync(CancellationToken cancel)
    {
        try
        {
            return await client.CoreV1.ReadNodeAsync(nodeName, cancellationToken: cancel).ConfigureAwait(false);
        }
        catch (Exception e) when (ClusterErrors.IsStatus(e, HttpStatusCode.NotFound))
        {
            throw NodeNotFound(e);
        }
        catch (Exception e) when (errors.Translate(e, $"read node '{nodeName}'", nodeName, cancel) is var translated && translated != e)
        {
            throw translated;
        }
    }

    private async Task PatchNodeAsync(string mergePatch, string action, CancellationToken cancel)
    {
        try
        {
            await client.CoreV1.PatchNodeAsync(new V1Patch(mergePatch, V1Patch.PatchType.MergePatch), nodeName, cancellationToken: cancel)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (ClusterErrors.IsStatus(e, HttpStatusCode.NotFound))
        {
            throw NodeNotFound(e);
        }
        catch (Exception e) when (errors.Translate(e, $"{action} node '{nodeName}'", nodeName, cancel) is var translated && translated != e)
        {
            throw translated;
        }
    }

    private async Task<List<DrainPod>> ListPodsAsync(CancellationToken cancel)
    {
        V1PodList list;
        try
        {
            list = await client.CoreV1.ListPodForAllNamespacesAsync(fieldSelector: $"spec.nodeName={nodeName}", cancellationToken: cancel)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (errors.Translate(e, $"list the pods of node '{nodeName}'", nodeName, cancel) is var translated && translated != e)
        {
            throw translated;
        }
        return (list.Items ?? []).Select(DrainPod.From)
            .OrderBy(p => p.Namespace, StringComparer.Ordinal).ThenBy(p => p.Name, StringComparer.Ordinal).ToList();
    }

    private async Task<EvictionOutcome> EvictAsync(DrainPod pod, Func<TimeSpan> remaining, CancellationToken cancel)
    {
        var eviction = new V1Eviction
        {
            ApiVersion = "policy/v1",
            Kind = "Eviction",
            Metadata = new V1ObjectMeta { Name = pod.Name, NamespaceProperty = pod.Namespace },
        };
        var refusals = 0;
        var delay = TimeSpan.Zero;
        while (true)
        {
            string refusal;
            try
            {
                await client.CoreV1.CreateNamespacedPodEvictionAsync(eviction, pod.Name, pod.Namespace, cancellationToken: cancel)
                    .ConfigureAwait(false);
                return new EvictionOutcome(pod, Accepted: true, refusals, null);
            }
            catch (Exception e) when (ClusterErrors.IsStatus(e, HttpStatusCode.NotFound))
            {
                return new EvictionOutcome(pod, Accepted: false, refusals, null);
            }
            catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.TooManyRequests)
            {
                // A PodDisruptionBudget allows no disruption now; it will once a replacement elsewhere is ready.
                refusals++;
                refusal = ClusterErrors.RefusalReason(e);
            }
            catch (Exception e) when (errors.Translate(e, $"evict pod {pod.FullName}", pod.FullName, cancel) is var translated && translated != e)
            {
                throw translated;
            }
            var left = remaining();
            if (left <= TimeSpan.Zero)
                return new EvictionOutcome(pod, Accepted: false, refusals, refusal);
            delay = pacing.NextRetry(delay);
            await Task.Delay(delay < left ? delay : left, time, cancel).ConfigureAwait(false);
        }
    }

    /// <summary>Polls until every pod is gone or the time is up; returns the pods still there.</summary>
    private async Task<List<DrainPod>> WaitUntilGoneAsync(List<DrainPod> pods, Func<TimeSpan> remaining, CancellationToken cancel)
    {
        var waiting = pods.ToList();
        while (true)
        {
            var stillThere = new List<DrainPod>();
            foreach (var pod in waiting)
            {
                if (!await IsGoneAsync(pod, cancel).ConfigureAwait(false))
                    stillThere.Add(pod);
            }
            waiting = stillThere;
            var left = remaining();
            if (waiting.Count == 0 || left <= TimeSpan.Zero)
                return waiting;
            await Task.Delay(pacing.Poll < left ? pacing.Poll : left, time, cancel).ConfigureAwait(false);
        }
    }

    private async Task<bool> IsGoneAsync(DrainPod pod, CancellationToken cancel)
    {
        try
        {
            var now = await client.CoreV1.ReadNamespacedPodAsync(pod.Name, pod.Namespace, cancellationToken: cancel).ConfigureAwait(false);
            // A StatefulSet recreates its pod under the same name: a new uid, or another node, is not the evicted pod.
            return (pod.Uid is not null && now.Metadata?.Uid != pod.Uid) || now.Spec?.NodeName != nodeName;
        }
        catch (Exception e) when (ClusterErrors.IsStatus(e, HttpStatusCode.NotFound))
        {
            return true;
        }
        catch (Exception e) when (errors.Translate(e, $"read pod {pod.FullName}", pod.FullName, cancel) is var translated && translated != e)
        {
            throw translated;
        }
    }

    private CriException NodeNotFound(Exception inner) =>
        errors.Failure("ConversionNodeNotFound", CriErrorCategory.ObjectNotFound,
            $"The node '{nodeName}' does not exist in the cluster at {errors.ApiServer}.", nodeName, inner);
}
