using System.Text.Json;
using Google.Protobuf.Collections;
using V1 = CriPS.Engine.Cri.V1;

namespace CriPS.Engine.Mapping;

/// <summary>Maps generated CRI messages to the module's own objects. Pure: no calls, no I/O.</summary>
internal static class CriMapper
{
    /// <summary>The kubelet's labels naming a container's pod, used when the pod itself is gone.</summary>
    public const string PodNameLabel = "io.kubernetes.pod.name";
    public const string PodNamespaceLabel = "io.kubernetes.pod.namespace";

    private const string CriOLogPathAnnotation = "io.kubernetes.cri-o.LogPath";
    private const string CriOCgroupParentAnnotation = "io.kubernetes.cri-o.CgroupParent";

    /// <summary>CRI timestamps are nanoseconds since the Unix epoch; 0 means "not yet".</summary>
    public static DateTime ToUtc(long unixNanoseconds) => DateTime.UnixEpoch.AddTicks(unixNanoseconds / 100);

    /// <summary>
    /// No time for 0, and for anything before the epoch: cri-dockerd sends Go's zero time (year 1) for a container
    /// not started or not finished, whose UnixNano overflows to -6795364578871345152 (1754-08-30).
    /// </summary>
    public static DateTime? ToUtcOrNull(long unixNanoseconds) => unixNanoseconds <= 0 ? null : ToUtc(unixNanoseconds);

    public static Pod ToPod(V1.PodSandbox p, Origin origin) => origin.Stamp(new Pod
    {
        Id = p.Id,
        Name = p.Metadata?.Name ?? "",
        Namespace = p.Metadata?.Namespace ?? "",
        Uid = p.Metadata?.Uid ?? "",
        Attempt = p.Metadata?.Attempt ?? 0,
        State = p.State == V1.PodSandboxState.SandboxReady ? PodState.Ready : PodState.NotReady,
        CreatedAt = ToUtc(p.CreatedAt),
        Labels = ToDictionary(p.Labels),
        Annotations = ToDictionary(p.Annotations),
        RuntimeHandler = p.RuntimeHandler,
    });

    /// <summary>Adds the facts PodSandboxStatus gives to a pod read from the list.</summary>
    public static void AddStatus(Pod pod, V1.PodSandboxStatusResponse reply)
    {
        var s = reply.Status;
        pod.IsDetailed = true;
        if (s is not null)
        {
            pod.State = s.State == V1.PodSandboxState.SandboxReady ? PodState.Ready : PodState.NotReady;
            pod.IP = NullIfEmpty(s.Network?.Ip);
            pod.AdditionalIPs = s.Network?.AdditionalIps.Select(i => i.Ip).ToArray() ?? [];
            var ns = s.Linux?.Namespaces?.Options;
            if (ns is not null)
            {
                pod.NetworkNamespaceMode = ModeName(ns.Network);
                pod.PidNamespaceMode = ModeName(ns.Pid);
                pod.IpcNamespaceMode = ModeName(ns.Ipc);
            }
        }
        pod.Info = ToDictionary(reply.Info);
        if (VerboseInfo(reply.Info) is { } info)
        {
            pod.Pid = Int(info, "pid");
            pod.RuntimeType = String(info, "runtimeType");
            pod.SandboxImage = String(info, "image");
            pod.NetworkNamespacePath = NetworkNamespacePath(info);
            var config = Object(info, "config");
            pod.LogDirectory = config is { } c1 ? String(c1, "log_directory") : null;
            pod.CgroupParent = config is { } c2 && Object(c2, "linux") is { } linux ? String(linux, "cgroup_parent") : null;
            // CRI-O sends no config: its runtime spec's annotations name the pod's log file (in the log directory)
            // and its cgroup parent.
            if (Object(info, "runtimeSpec") is { } spec && Object(spec, "annotations") is { } notes)
            {
                pod.LogDirectory ??= String(notes, CriOLogPathAnnotation) is { } logPath ? System.IO.Path.GetDirectoryName(logPath) : null;
                pod.CgroupParent ??= String(notes, CriOCgroupParentAnnotation);
            }
        }
    }

    /// <summary>Maps a listed container; <paramref name="pods"/> supplies pod names (crictl's POD column).</summary>
    public static Container ToContainer(V1.Container c, IReadOnlyDictionary<string, Pod> pods, Origin origin)
    {
        pods.TryGetValue(c.PodSandboxId, out var pod);
        var labels = ToDictionary(c.Labels);
        return origin.Stamp(new Container
        {
            Id = c.Id,
            Name = c.Metadata?.Name ?? "",
            Attempt = c.Metadata?.Attempt ?? 0,
            PodId = c.PodSandboxId,
            PodName = pod?.Name ?? labels.GetValueOrDefault(PodNameLabel, ""),
            PodNamespace = pod?.Namespace ?? labels.GetValueOrDefault(PodNamespaceLabel, ""),
            Image = c.Image?.UserSpecifiedImage is { Length: > 0 } user ? user : c.Image?.Image ?? "",
            ImageRef = c.ImageRef,
            ImageId = ImageIdOf(c.ImageId, c.ImageRef, c.Image?.Image),
            State = ToState(c.State),
            CreatedAt = ToUtc(c.CreatedAt),
            Labels = labels,
            Annotations = ToDictionary(c.Annotations),
        });
    }

    /// <summary>Adds the facts ContainerStatus gives to a container read from the list.</summary>
    public static void AddStatus(Container c, V1.ContainerStatusResponse reply)
    {
        var s = reply.Status;
        c.IsDetailed = true;
        if (s is not null)
        {
            c.State = ToState(s.State);
            c.StartedAt = ToUtcOrNull(s.StartedAt);
            c.FinishedAt = ToUtcOrNull(s.FinishedAt);
            // An exit code means something only once the container has finished.
            c.ExitCode = s.State == V1.ContainerState.ContainerExited ? s.ExitCode : null;
            c.Reason = NullIfEmpty(s.Reason);
            c.Message = NullIfEmpty(s.Message);
            c.LogPath = NullIfEmpty(s.LogPath);
            c.Mounts = s.Mounts.Select(m => new ContainerMount
            {
                ContainerPath = m.ContainerPath,
                HostPath = m.HostPath,
                ReadOnly = m.Readonly,
                Propagation = m.Propagation switch
                {
                    V1.MountPropagation.PropagationHostToContainer => "HostToContainer",
                    V1.MountPropagation.PropagationBidirectional => "Bidirectional",
                    _ => "Private",
                },
            }).ToArray();
            if (c.ImageId.Length == 0)
                c.ImageId = ImageIdOf(s.ImageId, s.ImageRef, s.Image?.Image);
        }
        c.Info = ToDictionary(reply.Info);
        if (VerboseInfo(reply.Info) is { } info)
        {
            c.Pid = Int(info, "pid") is > 0 and var pid ? pid : null;
            c.RuntimeType = String(info, "runtimeType");
            c.Snapshotter = String(info, "snapshotter");
            c.SnapshotKey = String(info, "snapshotKey");
        }
    }

    public static Image ToImage(V1.Image i, Origin origin)
    {
        var tags = i.RepoTags.ToArray();
        var digests = i.RepoDigests.ToArray();
        var (repository, tag) = tags.Length > 0 ? SplitTag(tags[0])
            : digests.Length > 0 ? (digests[0].Split('@')[0], "<none>") : ("<none>", "<none>");
        return origin.Stamp(new Image
        {
            Id = i.Id,
            RepoTags = tags,
            RepoDigests = digests,
            Repository = repository,
            Tag = tag,
            Digest = digests.Length > 0 && digests[0].IndexOf('@') is > 0 and var at ? digests[0][(at + 1)..] : "",
            Size = i.Size,
            Uid = i.Uid?.Value,
            Username = i.Username,
            Pinned = i.Pinned,
        });
    }

    /// <summary>Adds what ImageStatus's verbose info tells of the image's configuration (containerd: "info" → imageSpec).</summary>
    public static void AddStatus(Image image, V1.ImageStatusResponse reply)
    {
        image.IsDetailed = true;
        image.Info = ToDictionary(reply.Info);
        if (VerboseInfo(reply.Info) is not { } info || Object(info, "imageSpec") is not { } spec)
            return;
        image.Created = String(spec, "created") is { } created && DateTime.TryParse(created, null,
            System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal, out var when) ? when : null;
        image.Architecture = String(spec, "architecture");
        image.OS = String(spec, "os");
        if (Object(spec, "config") is { } config)
        {
            image.Entrypoint = Strings(config, "Entrypoint");
            image.Cmd = Strings(config, "Cmd");
            image.Env = Strings(config, "Env");
            image.WorkingDir = String(config, "WorkingDir");
            image.User = String(config, "User");
            if (Object(config, "Labels") is { } labels)
                image.ConfigLabels = labels.EnumerateObject().Where(l => l.Value.ValueKind == JsonValueKind.String)
                    .ToDictionary(l => l.Name, l => l.Value.GetString()!, StringComparer.Ordinal);
        }
        if (Object(spec, "rootfs") is { } rootfs)
            image.Layers = Strings(rootfs, "diff_ids");
    }

    public static RuntimeInfo ToRuntimeInfo(V1.VersionResponse version, V1.StatusResponse status,
        V1.RuntimeConfigResponse? runtimeConfig, Origin origin)
    {
        var conditions = status.Status?.Conditions.Select(c => new RuntimeCondition
        {
            Type = c.Type, Status = c.Status, Reason = c.Reason, Message = c.Message,
        }).ToArray() ?? [];
        var runtimeReady = conditions.FirstOrDefault(c => c.Type == "RuntimeReady");
        var networkReady = conditions.FirstOrDefault(c => c.Type == "NetworkReady");
        var info = origin.Stamp(new RuntimeInfo
        {
            RuntimeName = version.RuntimeName,
            RuntimeVersion = version.RuntimeVersion,
            RuntimeApiVersion = version.RuntimeApiVersion,
            Conditions = conditions,
            RuntimeReady = runtimeReady?.Status ?? false,
            RuntimeReadyReason = runtimeReady?.Reason ?? "",
            RuntimeReadyMessage = runtimeReady?.Message ?? "",
            NetworkReady = networkReady?.Status ?? false,
            NetworkReadyReason = networkReady?.Reason ?? "",
            NetworkReadyMessage = networkReady?.Message ?? "",
            Info = ToDictionary(status.Info),
        });

        // containerd puts its CRI plugin configuration, as JSON, under "config".
        if (status.Info.TryGetValue("config", out var configJson) && Parse(configJson) is { } config)
        {
            info.SandboxImage = String(config, "sandboxImage") ?? Path(config, "pinnedImages", "sandbox");
            var containerd = Object(config, "containerd");
            info.Snapshotter = containerd is { } cd ? String(cd, "snapshotter") : null;
            info.DefaultRuntimeName = containerd is { } cd2 ? String(cd2, "defaultRuntimeName") : null;
            if (containerd is { } cd3 && info.DefaultRuntimeName is { } name
                && Object(cd3, "runtimes") is { } runtimes && Object(runtimes, name) is { } runtime
                && Object(runtime, "options") is { } options && options.TryGetProperty("SystemdCgroup", out var systemd)
                && systemd.ValueKind is JsonValueKind.True or JsonValueKind.False)
                info.SystemdCgroup = systemd.GetBoolean();
            if (Object(config, "cni") is { } cni)
            {
                info.CniConfDir = String(cni, "confDir");
                // containerd 2.x: a list (binDirs), its binDir left empty
                info.CniBinDir = String(cni, "binDir") ?? (Strings(cni, "binDirs") is { Length: > 0 } dirs ? string.Join(':', dirs) : null);
            }
        }

        // The RuntimeConfig call is authoritative where the runtime implements it (CRI 1.28+).
        info.CgroupDriver = runtimeConfig?.Linux is { } linux
            ? (linux.CgroupDriver == V1.CgroupDriver.Systemd ? "systemd" : "cgroupfs")
            : info.SystemdCgroup switch { true => "systemd", false => "cgroupfs", null => null };
        return info;
    }

    public static ImageFilesystem ToFilesystem(V1.FilesystemUsage f, string kind, Origin origin) => origin.Stamp(new ImageFilesystem
    {
        Kind = kind,
        Mountpoint = f.FsId?.Mountpoint ?? "",
        UsedBytes = f.UsedBytes?.Value,
        InodesUsed = f.InodesUsed?.Value,
        Timestamp = ToUtc(f.Timestamp),
    });

    /// <summary>
    /// Maps one streamed event. The container's own facts come from its entry in containers_statuses (the event's
    /// container id picks it; runtimes may send the pod's other containers too), the pod's from pod_sandbox_status.
    /// </summary>
    public static ContainerEvent ToContainerEvent(V1.ContainerEventResponse e, Origin origin)
    {
        var status = e.ContainersStatuses.FirstOrDefault(s => s.Id == e.ContainerId);
        var pod = e.PodSandboxStatus;
        var labels = status is null ? new Dictionary<string, string>() : ToDictionary(status.Labels);
        return origin.Stamp(new ContainerEvent
        {
            Type = e.ContainerEventType switch
            {
                V1.ContainerEventType.ContainerCreatedEvent => ContainerEventType.Created,
                V1.ContainerEventType.ContainerStartedEvent => ContainerEventType.Started,
                V1.ContainerEventType.ContainerStoppedEvent => ContainerEventType.Stopped,
                V1.ContainerEventType.ContainerDeletedEvent => ContainerEventType.Deleted,
                var other => (ContainerEventType)(int)other,
            },
            Time = ToUtc(e.CreatedAt),
            ContainerId = e.ContainerId,
            ContainerName = status?.Metadata?.Name ?? "",
            PodId = pod?.Id ?? "",
            PodName = pod?.Metadata?.Name ?? labels.GetValueOrDefault(PodNameLabel, ""),
            PodNamespace = pod?.Metadata?.Namespace ?? labels.GetValueOrDefault(PodNamespaceLabel, ""),
            State = status is null ? null : ToState(status.State),
            ExitCode = status?.State == V1.ContainerState.ContainerExited ? status.ExitCode : null,
            Image = status?.Image?.UserSpecifiedImage is { Length: > 0 } user ? user : status?.Image?.Image ?? "",
        });
    }

    public static ContainerState ToState(V1.ContainerState state) => state switch
    {
        V1.ContainerState.ContainerCreated => ContainerState.Created,
        V1.ContainerState.ContainerRunning => ContainerState.Running,
        V1.ContainerState.ContainerExited => ContainerState.Exited,
        _ => ContainerState.Unknown,
    };

    /// <summary>Splits "registry:5000/repo:tag" at the tag's colon, not the port's.</summary>
    public static (string Repository, string Tag) SplitTag(string reference)
    {
        var colon = reference.LastIndexOf(':');
        return colon > reference.LastIndexOf('/') && colon > 0
            ? (reference[..colon], reference[(colon + 1)..])
            : (reference, "<none>");
    }

    /// <summary>The runtime's own image id when it sends one; else the first of the others that is an id.</summary>
    internal static string ImageIdOf(string? imageId, string? imageRef, string? image)
    {
        if (!string.IsNullOrEmpty(imageId))
            return imageId;
        if (imageRef is not null && imageRef.StartsWith("sha256:", StringComparison.Ordinal))
            return imageRef;
        if (image is not null && image.StartsWith("sha256:", StringComparison.Ordinal))
            return image;
        return "";
    }

    private static Dictionary<string, string> ToDictionary(MapField<string, string> map) => new(map, StringComparer.Ordinal);

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static string ModeName(V1.NamespaceMode mode) => mode switch
    {
        V1.NamespaceMode.Pod => "Pod",
        V1.NamespaceMode.Container => "Container",
        V1.NamespaceMode.Node => "Node",
        V1.NamespaceMode.Target => "Target",
        _ => mode.ToString(),
    };

    /// <summary>containerd sends its verbose facts as JSON under the key "info".</summary>
    private static JsonElement? VerboseInfo(MapField<string, string> info) =>
        info.TryGetValue("info", out var json) ? Parse(json) : null;

    private static JsonElement? Parse(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.ValueKind == JsonValueKind.Object ? doc.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static JsonElement? Object(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? v : null;

    private static string? String(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;

    private static string? Path(JsonElement e, string outer, string inner) => Object(e, outer) is { } o ? String(o, inner) : null;

    private static string[] Strings(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array
            ? v.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToArray()
            : [];

    private static int? Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;

    /// <summary>The network namespace path from the OCI runtime spec that containerd includes.</summary>
    private static string? NetworkNamespacePath(JsonElement info)
    {
        if (Object(info, "runtimeSpec") is not { } spec || Object(spec, "linux") is not { } linux
            || !linux.TryGetProperty("namespaces", out var namespaces) || namespaces.ValueKind != JsonValueKind.Array)
            return null;
        foreach (var ns in namespaces.EnumerateArray())
            if (String(ns, "type") == "network")
                return String(ns, "path");
        return null;
    }
}
