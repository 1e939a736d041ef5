using k8s.Models;

namespace CriPS.Engine.Conversion;

/// <summary>One pod of the node as the drain sees it: its name, what to do with it, and what the report should say about it.</summary>
internal sealed record DrainPod(string Namespace, string Name, string? Uid, PodDisposition Disposition,
    bool HasEmptyDir, bool HasController)
{
    public const string MirrorAnnotation = "kubernetes.io/config.mirror";

    public string FullName => $"{Namespace}/{Name}";

    public static DrainPod From(V1Pod pod)
    {
        var meta = pod.Metadata;
        var controller = meta?.OwnerReferences?.FirstOrDefault(o => o.Controller == true);
        var disposition =
            meta?.Annotations?.ContainsKey(MirrorAnnotation) == true ? PodDisposition.SkipMirror
            : string.Equals(controller?.Kind, "DaemonSet", StringComparison.Ordinal) ? PodDisposition.SkipDaemonSet
            : meta?.DeletionTimestamp is not null ? PodDisposition.AlreadyTerminating
            : PodDisposition.Evict;
        var hasEmptyDir = pod.Spec?.Volumes?.Any(v => v.EmptyDir is not null) == true;
        return new DrainPod(meta?.NamespaceProperty ?? "default", meta?.Name ?? "", meta?.Uid, disposition,
            hasEmptyDir, controller is not null);
    }
}
