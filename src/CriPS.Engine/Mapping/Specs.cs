using V1 = CriPS.Engine.Cri.V1;

namespace CriPS.Engine.Mapping;

/// <summary>
/// PodSpec and ContainerSpec as the CRI messages: the crictl config first (if any), then every parameter that
/// was given on top, then the kubelet's defaults for what is still empty.
/// </summary>
internal static class Specs
{
    public static V1.PodSandboxConfig ToPodSandboxConfig(PodSpec spec)
    {
        var config = spec.Config?.Message.Clone() ?? new V1.PodSandboxConfig();
        var metadata = config.Metadata ??= new V1.PodSandboxMetadata();
        metadata.Name = spec.Name ?? metadata.Name;
        if (metadata.Name.Length == 0)
            throw Missing("CriInvalidPodConfig", "metadata.name", "the pod", "-Name", spec.Config?.Source);
        metadata.Namespace = spec.Namespace ?? (metadata.Namespace.Length > 0 ? metadata.Namespace : "default");
        metadata.Uid = spec.Uid ?? (metadata.Uid.Length > 0 ? metadata.Uid : Guid.NewGuid().ToString());
        metadata.Attempt = spec.Attempt ?? metadata.Attempt;
        config.Hostname = spec.Hostname ?? (config.Hostname.Length > 0 ? config.Hostname : metadata.Name);
        config.LogDirectory = spec.LogDirectory
            ?? (config.LogDirectory.Length > 0 ? config.LogDirectory : $"/var/log/pods/{metadata.Namespace}_{metadata.Name}_{metadata.Uid}");
        config.Linux ??= new V1.LinuxPodSandboxConfig();
        config.Linux.CgroupParent = spec.CgroupParent ?? config.Linux.CgroupParent;
        // The kubelet always sends the namespace options (the network and IPC of the pod, a PID namespace per
        // container); containerd 2.x reports back only what was sent, so without them a pod's modes read empty.
        config.Linux.SecurityContext ??= new V1.LinuxSandboxSecurityContext();
        config.Linux.SecurityContext.NamespaceOptions ??= new V1.NamespaceOption
        {
            Network = V1.NamespaceMode.Pod, Pid = V1.NamespaceMode.Container, Ipc = V1.NamespaceMode.Pod,
        };
        foreach (var (key, value) in spec.Labels)
            config.Labels[key] = value;
        // The kubelet's labels naming the pod; CRI-O sends container events with their status only for such pods.
        config.Labels.TryAdd(CriMapper.PodNameLabel, metadata.Name);
        config.Labels.TryAdd(CriMapper.PodNamespaceLabel, metadata.Namespace);
        config.Labels.TryAdd(PodUidLabel, metadata.Uid);
        foreach (var (key, value) in spec.Annotations)
            config.Annotations[key] = value;
        config.PortMappings.Add(spec.PortMappings.Select(p => new V1.PortMapping
        {
            Protocol = Enum.Parse<V1.Protocol>(p.Protocol, ignoreCase: true),
            ContainerPort = p.ContainerPort,
            HostPort = p.HostPort,
            HostIp = p.HostIp ?? "",
        }));
        return config;
    }

    public static V1.ContainerConfig ToContainerConfig(ContainerSpec spec)
    {
        var config = spec.Config?.Message.Clone() ?? new V1.ContainerConfig();
        var metadata = config.Metadata ??= new V1.ContainerMetadata();
        metadata.Name = spec.Name ?? metadata.Name;
        metadata.Attempt = spec.Attempt ?? metadata.Attempt;
        if (metadata.Name.Length == 0)
            throw Missing("CriInvalidContainerConfig", "metadata.name", "the container", "-Name", spec.Config?.Source);
        config.Image ??= new V1.ImageSpec();
        config.Image.Image = spec.Image ?? config.Image.Image;
        if (config.Image.Image.Length == 0)
            throw Missing("CriInvalidContainerConfig", "image.image", "the container's image", "-Image", spec.Config?.Source);
        // As the kubelet fills it: CRI-O checks the signature policy against the reference the user wrote and
        // refuses a container without it whenever a policy is configured.
        if (config.Image.UserSpecifiedImage.Length == 0)
            config.Image.UserSpecifiedImage = config.Image.Image;
        if (spec.Command.Length > 0)
        {
            config.Command.Clear();
            config.Command.Add(spec.Command);
        }
        if (spec.Args.Length > 0)
        {
            config.Args.Clear();
            config.Args.Add(spec.Args);
        }
        config.WorkingDir = spec.WorkingDir ?? config.WorkingDir;
        foreach (var (key, value) in spec.Environment)
        {
            // A variable given again replaces the config's, as the last -e wins in docker run.
            var existing = config.Envs.FirstOrDefault(e => e.Key == key);
            if (existing is not null)
                config.Envs.Remove(existing);
            config.Envs.Add(new V1.KeyValue { Key = key, Value = Google.Protobuf.ByteString.CopyFromUtf8(value) });
        }
        foreach (var (key, value) in spec.Labels)
            config.Labels[key] = value;
        foreach (var (key, value) in spec.Annotations)
            config.Annotations[key] = value;
        config.Mounts.Add(spec.Mounts.Select(m => new V1.Mount { HostPath = m.HostPath, ContainerPath = m.ContainerPath, Readonly = m.ReadOnly }));
        config.LogPath = spec.LogPath ?? (config.LogPath.Length > 0 ? config.LogPath : $"{metadata.Name}/{metadata.Attempt}.log");
        config.Tty = spec.Tty ?? config.Tty;
        config.Linux ??= new V1.LinuxContainerConfig();
        return config;
    }

    /// <summary>A pod as the runtime reports it, as the spec it could have been created from.</summary>
    public static PodSpec PodSpecOf(Pod pod) => new()
    {
        Name = pod.Name, Namespace = pod.Namespace, Uid = pod.Uid, Attempt = pod.Attempt,
        LogDirectory = pod.LogDirectory, CgroupParent = pod.CgroupParent,
        Labels = new(pod.Labels, StringComparer.Ordinal), Annotations = new(pod.Annotations, StringComparer.Ordinal),
    };

    /// <summary>The kubelet's labels on a container, naming it and its pod (CRI-O's events need the pod uid).</summary>
    public static void AddKubeletLabels(V1.ContainerConfig config, Pod pod)
    {
        config.Labels.TryAdd(ContainerNameLabel, config.Metadata.Name);
        config.Labels.TryAdd(CriMapper.PodNameLabel, pod.Name);
        config.Labels.TryAdd(CriMapper.PodNamespaceLabel, pod.Namespace);
        config.Labels.TryAdd(PodUidLabel, pod.Uid);
    }

    /// <summary>
    /// A container's namespaces as the kubelet sets them: the pod's (its network, IPC and whether the pod shares one
    /// PID namespace). Without them a container asks for the pod's PID namespace, which CRI-O refuses for a pod
    /// created with a PID namespace per container.
    /// </summary>
    public static void ShareThePodsNamespaces(V1.ContainerConfig config, V1.PodSandboxConfig sandbox)
    {
        config.Linux ??= new V1.LinuxContainerConfig();
        config.Linux.SecurityContext ??= new V1.LinuxContainerSecurityContext();
        config.Linux.SecurityContext.NamespaceOptions ??= sandbox.Linux?.SecurityContext?.NamespaceOptions?.Clone()
            ?? new V1.NamespaceOption { Network = V1.NamespaceMode.Pod, Pid = V1.NamespaceMode.Container, Ipc = V1.NamespaceMode.Pod };
    }

    public const string ContainerNameLabel = "io.kubernetes.container.name";
    public const string PodUidLabel = "io.kubernetes.pod.uid";

    private static CriException Missing(string errorId, string field, string what, string parameter, string? source) =>
        new(errorId, CriErrorCategory.InvalidArgument,
            source is null
                ? $"No name for {what}: give {parameter}."
                : $"The config {source} has no {field} for {what}; add it or give {parameter}.",
            source ?? field);
}
