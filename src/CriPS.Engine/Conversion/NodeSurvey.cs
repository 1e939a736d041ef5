namespace CriPS.Engine.Conversion;

/// <summary>
/// Everything the conversion needs to know about the node, read once at the start. Files are read as they were
/// before the conversion (from the backup when a resumed run already changed them), so every run plans the same
/// end state; Docker's images come from the state file once Docker has been stopped.
/// </summary>
internal sealed class NodeSurvey
{
    public required ConversionOptions Options { get; init; }
    public required NodeFiles Files { get; init; }
    public required NodeBackup Backup { get; init; }
    public Version? KubeletVersion { get; init; }
    public required KubeletFiles KubeletFiles { get; init; }
    public required string KubeletDefaultsPath { get; init; }
    public required string KubeletConfigPath { get; init; }
    public required KubeletSettings Kubelet { get; init; }
    public required KubeletRuntimeKind Kind { get; init; }
    public string? DaemonJson { get; init; }
    public required DockerDaemonSettings Docker { get; init; }
    public required string DockerEndpoint { get; init; }
    public DockerSnapshot? DockerState { get; init; }
    public string? DockerError { get; init; }
    public string? ContainerdConfigText { get; init; }
    public required ContainerdConfigFacts ContainerdFacts { get; init; }
    public required string ContainerdEndpoint { get; init; }
    public Version? ContainerdVersion { get; init; }
    public bool ContainerdAnswers { get; init; }
    public required string CniConfDir { get; init; }
    public required string CniBinDir { get; init; }
    public required string SandboxImage { get; init; }
    public required string CgroupDriver { get; init; }

    /// <summary>The current (not original) containerd config and kubelet: to tell whether the node is already converted.</summary>
    public ContainerdConfigFacts? CurrentContainerdFacts { get; init; }
    public KubeletRuntimeKind CurrentKind { get; init; }

    public static async Task<NodeSurvey> TakeAsync(ConversionOptions options, NodeFiles files, NodeBackup backup, ConversionState? state,
        Func<string, TimeSpan, CancellationToken, Task<Version?>> containerdVersion, CancellationToken cancel)
    {
        var kubeletVersion = options.KubeletVersion
            ?? await Executables.VersionOfAsync("kubelet", ["--version"], options.CallTimeout, cancel).ConfigureAwait(false);
        var defaultsPath = files.Exists(NodePaths.RedHatKubeletDefaults) && !files.Exists(NodePaths.DebianKubeletDefaults)
            ? NodePaths.RedHatKubeletDefaults : NodePaths.DebianKubeletDefaults;

        // The kubelet's unit says which files hold its flags; without one, kubeadm's two files do.
        IReadOnlyList<string> ListConf(string directory) => files.List(directory, "*.conf");
        var unit = KubeletUnit.Find(backup.ReadOriginalText, ListConf);
        var currentUnit = KubeletUnit.Find(files.ReadText, ListConf);
        // The flags name the config file; read the flags first, then the config they point at.
        KubeletFiles Read(Func<string, string?> read, KubeletUnit? unit, string? configPath)
        {
            var config = configPath is null ? null : read(configPath);
            var instance = configPath is null ? null : read(NodePaths.KubeletInstanceConfig);
            return unit is null
                ? new(read(NodePaths.KubeadmFlagsEnv), read(defaultsPath), config, instance)
                : new(null, null, config, instance) { Unit = unit };
        }
        var flagsOnly = KubeletSettings.Read(Read(backup.ReadOriginalText, unit, null));
        var configPath = flagsOnly.ConfigPath ?? NodePaths.KubeletConfigDefault;
        var kubeletFiles = Read(backup.ReadOriginalText, unit, configPath);
        var kubelet = KubeletSettings.Read(kubeletFiles);
        var current = KubeletSettings.Read(Read(files.ReadText, currentUnit, configPath));

        var daemonJson = backup.ReadOriginalText(NodePaths.DockerDaemonJson);
        var docker = DockerDaemonSettings.Parse(daemonJson);
        var dockerEndpoint = options.DockerEndpoint
            ?? docker.Hosts.FirstOrDefault(h => h.StartsWith("unix://", StringComparison.Ordinal))
            ?? NodePaths.DockerSocketDefault;
        DockerSnapshot? snapshot = state?.Docker;
        string? dockerError = null;
        if (snapshot is null)
        {
            try
            {
                using var engine = new DockerEngine(dockerEndpoint, options.CallTimeout);
                snapshot = await engine.SnapshotAsync(cancel).ConfigureAwait(false);
            }
            catch (CriException e)
            {
                dockerError = e.Message;
            }
        }

        var configText = backup.ReadOriginalText(NodePaths.ContainerdConfig);
        var facts = ContainerdConfig.Read(configText);
        var currentText = files.ReadText(NodePaths.ContainerdConfig);
        var endpoint = options.ContainerdEndpoint ?? "unix://" + facts.GrpcAddress;
        var answered = await containerdVersion(endpoint, options.CallTimeout, cancel).ConfigureAwait(false);
        var version = answered ?? await Executables.VersionOfAsync("containerd", ["--version"], options.CallTimeout, cancel).ConfigureAwait(false);

        var sandbox = options.SandboxImage ?? kubelet.PodInfraContainerImage ?? facts.SandboxImage ?? DefaultSandboxImage(kubeletVersion);
        return new NodeSurvey
        {
            Options = options,
            Files = files,
            Backup = backup,
            KubeletVersion = kubeletVersion,
            KubeletFiles = kubeletFiles,
            KubeletDefaultsPath = defaultsPath,
            KubeletConfigPath = configPath,
            Kubelet = kubelet,
            Kind = kubeletVersion is null ? KubeletRuntimeKind.Unknown : kubelet.Kind(kubeletVersion),
            DaemonJson = daemonJson,
            Docker = docker,
            DockerEndpoint = dockerEndpoint,
            DockerState = snapshot,
            DockerError = dockerError,
            ContainerdConfigText = configText,
            ContainerdFacts = facts,
            ContainerdEndpoint = endpoint,
            ContainerdVersion = version,
            ContainerdAnswers = answered is not null,
            CniConfDir = kubelet.CniConfDir ?? facts.CniConfDir ?? NodePaths.CniConfDirDefault,
            CniBinDir = kubelet.CniBinDir ?? facts.CniBinDir ?? NodePaths.CniBinDirDefault,
            SandboxImage = sandbox,
            CgroupDriver = kubelet.CgroupDriver,
            CurrentContainerdFacts = currentText == configText ? facts : ContainerdConfig.Read(currentText),
            CurrentKind = kubeletVersion is null ? KubeletRuntimeKind.Unknown : current.Kind(kubeletVersion),
        };
    }

    /// <summary>kubeadm's pause image for a kubelet version, when neither the kubelet nor the user names one.</summary>
    public static string DefaultSandboxImage(Version? kubelet) => kubelet switch
    {
        null => "registry.k8s.io/pause:3.9",
        { Major: 1, Minor: <= 21 } => "k8s.gcr.io/pause:3.4.1",
        { Major: 1, Minor: <= 23 } => "k8s.gcr.io/pause:3.6",
        { Major: 1, Minor: 24 } => "registry.k8s.io/pause:3.7",
        { Major: 1, Minor: 25 } => "registry.k8s.io/pause:3.8",
        { Major: 1, Minor: <= 30 } => "registry.k8s.io/pause:3.9",
        _ => "registry.k8s.io/pause:3.10",
    };

    /// <summary>The containerd major version the config is written for (2 for 1.x, 3 for 2.x).</summary>
    public int ContainerdMajor => ContainerdVersion?.Major ?? 1;
}
