namespace CriPS;

/// <summary>What happened to a container (CRI ContainerEventType).</summary>
public enum ContainerEventType
{
    Created = 0,
    Started = 1,
    Stopped = 2,
    Deleted = 3,
}

/// <summary>
/// One container lifecycle event as the runtime streams it (CRI GetContainerEvents). Pod facts are filled when the
/// event carries the pod's status; container facts when it carries the container's.
/// </summary>
public sealed class ContainerEvent : CriObject
{
    public ContainerEventType Type { get; set; }
    /// <summary>When it happened, by the runtime's clock (UTC).</summary>
    public DateTime Time { get; set; }
    public string ContainerId { get; set; } = "";
    public string ContainerName { get; set; } = "";
    public string PodId { get; set; } = "";
    public string PodName { get; set; } = "";
    public string PodNamespace { get; set; } = "";
    /// <summary>The container's state as the event reports it; null when the event carries no status for it.</summary>
    public ContainerState? State { get; set; }
    /// <summary>The exit code, on events of a container that has exited.</summary>
    public int? ExitCode { get; set; }
    public string Image { get; set; } = "";

    public override string ToString() => $"{Type} {(ContainerName.Length > 0 ? ContainerName : ContainerId)}";
}
