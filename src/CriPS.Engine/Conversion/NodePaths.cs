namespace CriPS.Engine.Conversion;

/// <summary>Where things live on a node (kubeadm's and the distribution packages' places), as node paths.</summary>
internal static class NodePaths
{
    public const string DockerDaemonJson = "/etc/docker/daemon.json";
    public const string DockerCertsDirectory = "/etc/docker/certs.d";
    public const string DockerDropIns = "/etc/systemd/system/docker.service.d";
    public const string ContainerdConfig = "/etc/containerd/config.toml";
    public const string ContainerdCertsDirectory = "/etc/containerd/certs.d";
    public const string ContainerdDropIns = "/etc/systemd/system/containerd.service.d";
    public const string ContainerdProxyEnvironment = "/etc/containerd/proxy.env";
    public const string DockerUnitOverride = "/etc/systemd/system/docker.service";
    public const string ContainerdRootDefault = "/var/lib/containerd";
    public const string KubeadmFlagsEnv = "/var/lib/kubelet/kubeadm-flags.env";
    public const string KubeletConfigDefault = "/var/lib/kubelet/config.yaml";
    public const string KubeletInstanceConfig = "/var/lib/kubelet/instance-config.yaml";
    public const string DebianKubeletDefaults = "/etc/default/kubelet";
    public const string RedHatKubeletDefaults = "/etc/sysconfig/kubelet";
    public const string CrictlYaml = "/etc/crictl.yaml";
    public const string CniConfDirDefault = "/etc/cni/net.d";
    public const string CniBinDirDefault = "/opt/cni/bin";
    public const string DockerSocketDefault = "unix:///var/run/docker.sock";

    /// <summary>systemd's unit directories that packages and admins use, in the order systemd prefers them.</summary>
    public static readonly string[] UnitDirectories =
        ["/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system"];

    /// <summary>True for a unit file or drop-in in one of systemd's unit directories: changing one needs `systemctl daemon-reload`.</summary>
    public static bool IsUnitFile(string nodePath) => UnitDirectories.Any(d => nodePath.StartsWith(d + "/", StringComparison.Ordinal));

    /// <summary>The conversion's own state and backup; kept after the conversion, for rollback.</summary>
    public const string StateDirectory = "/var/lib/crips/docker-to-containerd";
    public const string StateFile = StateDirectory + "/state.json";
    public const string BackupDirectory = StateDirectory + "/backup";
}
