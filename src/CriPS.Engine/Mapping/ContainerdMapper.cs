using Google.Protobuf.Collections;
using Google.Protobuf.WellKnownTypes;
using Ctd = CriPS.Engine.Containerd;

namespace CriPS.Engine.Mapping;

/// <summary>Maps containerd's generated messages to the module's own objects. Pure: no calls, no I/O.</summary>
internal static class ContainerdMapper
{
    /// <summary>Go's zero time (0001-01-01) and the Unix epoch both mean "not set" in containerd's replies.</summary>
    public static DateTime? ToUtc(Timestamp? t) =>
        t is null || (t.Seconds == 0 && t.Nanos == 0) || t.Seconds <= GoZeroTimeSeconds ? null : t.ToDateTime();

    private const long GoZeroTimeSeconds = -62135596800;

    public static ContainerdNamespace ToNamespace(Ctd.Namespaces.Namespace n, Origin origin) =>
        origin.Stamp(new ContainerdNamespace { Name = n.Name, Labels = ToDictionary(n.Labels) });

    public static ContainerdPlugin ToPlugin(Ctd.Introspection.Plugin p, Origin origin) => origin.Stamp(new ContainerdPlugin
    {
        Type = p.Type,
        Id = p.Id,
        Requires = p.Requires.ToArray(),
        Platforms = p.Platforms.Select(x => string.IsNullOrEmpty(x.Variant) ? $"{x.Os}/{x.Architecture}" : $"{x.Os}/{x.Architecture}/{x.Variant}").ToArray(),
        Exports = ToDictionary(p.Exports),
        Capabilities = p.Capabilities.ToArray(),
        // containerd reports a plugin that did not load with its reason in init_err; a "skip plugin" reason is
        // a deliberate skip (no btrfs here, say), which ctr shows as skip, not error.
        Status = p.InitErr is { } err && (err.Code != 0 || err.Message.Length > 0)
            ? (err.Message.Contains("skip plugin", StringComparison.Ordinal) ? "skip" : "error")
            : "ok",
        InitError = p.InitErr is { Message.Length: > 0 } e ? e.Message : null,
    });

    public static ContainerdImage ToImage(Ctd.Images.Image i, string ns, Origin origin) => origin.Stamp(new ContainerdImage
    {
        Namespace = ns,
        Name = i.Name,
        Digest = i.Target?.Digest ?? "",
        MediaType = i.Target?.MediaType ?? "",
        Size = i.Target?.Size ?? 0,
        Labels = ToDictionary(i.Labels),
        CreatedAt = ToUtc(i.CreatedAt),
        UpdatedAt = ToUtc(i.UpdatedAt),
    });

    public static ContainerdContainer ToContainer(Ctd.Containers.Container c, string ns, Origin origin) => origin.Stamp(new ContainerdContainer
    {
        Namespace = ns,
        Id = c.Id,
        Image = c.Image,
        Runtime = c.Runtime?.Name ?? "",
        Snapshotter = c.Snapshotter,
        SnapshotKey = c.SnapshotKey,
        Labels = ToDictionary(c.Labels),
        CreatedAt = ToUtc(c.CreatedAt),
        UpdatedAt = ToUtc(c.UpdatedAt),
    });

    public static ContainerdTask ToTask(Ctd.Types.Process p, string ns, Origin origin) => origin.Stamp(new ContainerdTask
    {
        Namespace = ns,
        // containerd's task listing fills only id (the init process's id, which is the container's id).
        ContainerId = p.ContainerId.Length > 0 ? p.ContainerId : p.Id,
        Pid = p.Pid,
        Status = p.Status switch
        {
            Ctd.Types.Status.Created => ContainerdTaskStatus.Created,
            Ctd.Types.Status.Running => ContainerdTaskStatus.Running,
            Ctd.Types.Status.Stopped => ContainerdTaskStatus.Stopped,
            Ctd.Types.Status.Paused => ContainerdTaskStatus.Paused,
            Ctd.Types.Status.Pausing => ContainerdTaskStatus.Pausing,
            _ => ContainerdTaskStatus.Unknown,
        },
        // The exit status means something only once the task has stopped.
        ExitStatus = p.Status == Ctd.Types.Status.Stopped ? p.ExitStatus : null,
        ExitedAt = p.Status == Ctd.Types.Status.Stopped ? ToUtc(p.ExitedAt) : null,
    });

    public static ContainerdContent ToContent(Ctd.Content.Info i, string ns, Origin origin) => origin.Stamp(new ContainerdContent
    {
        Namespace = ns,
        Digest = i.Digest,
        Size = i.Size,
        Labels = ToDictionary(i.Labels),
        CreatedAt = ToUtc(i.CreatedAt),
        UpdatedAt = ToUtc(i.UpdatedAt),
    });

    public static ContainerdIngest ToIngest(Ctd.Content.Status s, string ns, Origin origin) => origin.Stamp(new ContainerdIngest
    {
        Namespace = ns,
        Ref = s.Ref,
        Offset = s.Offset,
        Total = s.Total,
        Expected = s.Expected,
        StartedAt = ToUtc(s.StartedAt),
        UpdatedAt = ToUtc(s.UpdatedAt),
    });

    private static Dictionary<string, string> ToDictionary(MapField<string, string> map) => new(map, StringComparer.Ordinal);
}
