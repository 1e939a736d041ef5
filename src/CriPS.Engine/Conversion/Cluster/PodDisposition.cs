namespace CriPS.Engine.Conversion;

/// <summary>What the drain does with one pod of the node, after kubectl drain's filters.</summary>
internal enum PodDisposition
{
    Evict,
    /// <summary>The DaemonSet controller ignores unschedulable and would put it straight back: left running.</summary>
    SkipDaemonSet,
    /// <summary>A static pod's mirror: the API cannot remove it, the kubelet owns it.</summary>
    SkipMirror,
    /// <summary>Already being deleted: nothing to evict, only to wait for.</summary>
    AlreadyTerminating,
}
