using System.Globalization;

namespace CriPS.Engine.Conversion;

/// <summary>
/// The kubelet settings that matter for a runtime switch, as the kubelet would see them, and where each came from.
/// The flags are read from the kubelet's command line as systemd builds it (kubeadm's unit runs
/// `kubelet ... $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS`), and pflag lets the last occurrence of a flag win, so
/// KUBELET_EXTRA_ARGS beats kubeadm's flags; flags beat config.yaml. kubeadm merges
/// instance-config.yaml into config.yaml, so the instance file only counts when config.yaml does not say.
/// </summary>
internal sealed class KubeletSettings
{
    public const string DefaultConfigPath = "/var/lib/kubelet/config.yaml";

    // The kubelet's own default; kubeadm (1.22+) writes cgroupDriver: systemd into config.yaml explicitly.
    public const string DefaultCgroupDriver = "cgroupfs";

    private readonly Dictionary<string, KubeletSettingSource> _sources = new(StringComparer.Ordinal);
    private readonly Dictionary<string, KubeletFlagHome> _homes = new(StringComparer.Ordinal);

    private KubeletSettings()
    {
    }

    /// <summary>--container-runtime-endpoint or containerRuntimeEndpoint (kubelet 1.27+).</summary>
    public string? RuntimeEndpoint { get; private init; }

    /// <summary>--container-runtime: docker or remote (the flag was removed in kubelet 1.27).</summary>
    public string? ContainerRuntime { get; private init; }

    public string CgroupDriver { get; private init; } = DefaultCgroupDriver;

    public string? PodInfraContainerImage { get; private init; }

    /// <summary>The dockershim's flags (removed in kubelet 1.24).</summary>
    public string? NetworkPlugin { get; private init; }

    public string? CniBinDir { get; private init; }

    public string? CniConfDir { get; private init; }

    public string? DockerEndpoint { get; private init; }

    public string? ContainerLogMaxSize { get; private init; }

    public int? ContainerLogMaxFiles { get; private init; }

    /// <summary>--config, else the path kubeadm's kubelet drop-in passes.</summary>
    public string ConfigPath { get; private init; } = DefaultConfigPath;

    /// <summary>Where each setting above came from, by property name; a setting left out is at its default.</summary>
    public IReadOnlyDictionary<string, KubeletSettingSource> Sources => _sources;

    public KubeletSettingSource SourceOf(string setting) => _sources.GetValueOrDefault(setting, KubeletSettingSource.Default);

    /// <summary>The file and variable of the flag a setting came from; null when it came from no flag.</summary>
    public KubeletFlagHome? HomeOf(string setting) => _homes.GetValueOrDefault(setting);

    /// <summary>Where a setting came from, as findings name it.</summary>
    public string Describe(string setting) => HomeOf(setting)?.Label ?? SourceOf(setting) switch
    {
        KubeletSettingSource.ConfigYaml => ConfigPath,
        KubeletSettingSource.InstanceConfigYaml => NodePaths.KubeletInstanceConfig,
        _ => "the kubelet's default",
    };

    /// <exception cref="CriException">KubeletConfigInvalid when a YAML file is malformed.</exception>
    public static KubeletSettings Read(KubeletFiles files)
    {
        var commandLine = KubeletCommandLine.Of(files);
        var config = files.ConfigYaml is null ? null : new KubeletYamlFile(files.ConfigYaml, "config.yaml");
        var instance = files.InstanceConfigYaml is null ? null : new KubeletYamlFile(files.InstanceConfigYaml, "instance-config.yaml");
        var sources = new Dictionary<string, KubeletSettingSource>(StringComparer.Ordinal);
        var homes = new Dictionary<string, KubeletFlagHome>(StringComparer.Ordinal);

        string? Pick(string property, string flag, string? configKey = null, bool instanceToo = false)
        {
            if (commandLine.Last(flag) is var (flagValue, home))
            {
                sources[property] = SourceOf(home);
                homes[property] = home;
                return flagValue;
            }
            (string? Value, KubeletSettingSource Source)[] candidates =
            [
                (configKey is null ? null : config?.Get(configKey), KubeletSettingSource.ConfigYaml),
                (instanceToo && configKey is not null ? instance?.Get(configKey) : null, KubeletSettingSource.InstanceConfigYaml),
            ];
            foreach (var (value, source) in candidates)
            {
                if (value is null)
                    continue;
                sources[property] = source;
                return value;
            }
            return null;
        }

        var maxFiles = Pick(nameof(ContainerLogMaxFiles), "container-log-max-files", "containerLogMaxFiles");
        int? maxFilesNumber = null;
        if (maxFiles is not null)
        {
            maxFilesNumber = int.TryParse(maxFiles, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                ? number
                : throw new CriException("KubeletConfigInvalid", CriErrorCategory.InvalidData,
                    $"The kubelet's containerLogMaxFiles '{maxFiles}' is not a whole number.", "containerLogMaxFiles");
        }

        var settings = new KubeletSettings
        {
            RuntimeEndpoint = Pick(nameof(RuntimeEndpoint), "container-runtime-endpoint", "containerRuntimeEndpoint", instanceToo: true),
            ContainerRuntime = Pick(nameof(ContainerRuntime), "container-runtime"),
            CgroupDriver = Pick(nameof(CgroupDriver), "cgroup-driver", "cgroupDriver") ?? DefaultCgroupDriver,
            PodInfraContainerImage = Pick(nameof(PodInfraContainerImage), "pod-infra-container-image"),
            NetworkPlugin = Pick(nameof(NetworkPlugin), "network-plugin"),
            CniBinDir = Pick(nameof(CniBinDir), "cni-bin-dir"),
            CniConfDir = Pick(nameof(CniConfDir), "cni-conf-dir"),
            DockerEndpoint = Pick(nameof(DockerEndpoint), "docker-endpoint"),
            ContainerLogMaxSize = Pick(nameof(ContainerLogMaxSize), "container-log-max-size", "containerLogMaxSize"),
            ContainerLogMaxFiles = maxFilesNumber,
            ConfigPath = Pick(nameof(ConfigPath), "config") ?? DefaultConfigPath,
        };
        foreach (var (property, source) in sources)
            settings._sources[property] = source;
        foreach (var (property, home) in homes)
            settings._homes[property] = home;
        return settings;
    }

    private static KubeletSettingSource SourceOf(KubeletFlagHome home) => home switch
    {
        { Label: "kubeadm-flags.env" } => KubeletSettingSource.KubeadmFlags,
        { Label: KubeletEnvFile.ExtraVariable } => KubeletSettingSource.ExtraArgs,
        { Kind: KubeletFlagHomeKind.EnvironmentFile } => KubeletSettingSource.EnvironmentFile,
        { Kind: KubeletFlagHomeKind.UnitEnvironment } => KubeletSettingSource.UnitEnvironment,
        _ => KubeletSettingSource.ExecStart,
    };

    /// <summary>Which runtime these settings select on a kubelet of the given version.</summary>
    public KubeletRuntimeKind Kind(Version kubeletVersion)
    {
        var hasDockershim = !KubeletVersions.AtLeast(kubeletVersion, KubeletVersions.DockershimRemoved);
        if (ContainerRuntime == "docker")
            return hasDockershim ? KubeletRuntimeKind.Dockershim : KubeletRuntimeKind.Unknown;
        if (RuntimeEndpoint is null)
        {
            // Up to 1.23 no flag at all means the built-in dockershim; a later kubelet falls back to a built-in
            // default these files do not show, so they do not say which runtime it uses.
            return hasDockershim && ContainerRuntime is null ? KubeletRuntimeKind.Dockershim : KubeletRuntimeKind.Unknown;
        }
        var socket = RuntimeEndpoint.Trim();
        if (socket.EndsWith("/dockershim.sock", StringComparison.Ordinal))
            return hasDockershim ? KubeletRuntimeKind.Dockershim : KubeletRuntimeKind.Unknown;
        if (socket.EndsWith("/cri-dockerd.sock", StringComparison.Ordinal))
            return KubeletRuntimeKind.CriDockerd;
        if (socket.EndsWith("/containerd.sock", StringComparison.Ordinal))
            return KubeletRuntimeKind.Containerd;
        return KubeletRuntimeKind.Other;
    }
}
