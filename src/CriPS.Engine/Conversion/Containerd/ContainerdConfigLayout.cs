namespace CriPS.Engine.Conversion;

/// <summary>Where each CRI setting lives in a containerd config of one version (containerd docs/cri/config.md).</summary>
internal sealed class ContainerdConfigLayout
{
    /// <summary>The ids that switch the CRI plugin off in `disabled_plugins`, short (v1) and full, 1.x and 2.x.</summary>
    public static readonly IReadOnlySet<string> CriPluginIds = new HashSet<string>(StringComparer.Ordinal)
    {
        "cri", "io.containerd.grpc.v1.cri", "io.containerd.cri.v1.runtime", "io.containerd.cri.v1.images",
    };

    public const string RuncV2RuntimeType = "io.containerd.runc.v2";

    private ContainerdConfigLayout(int version, string[] sandboxImage, string[]? runcRuntimeType, string[] systemdCgroup,
        string[] cni, string[] registry)
    {
        Version = version;
        SandboxImage = sandboxImage;
        RuncRuntimeType = runcRuntimeType;
        SystemdCgroup = systemdCgroup;
        Cni = cni;
        Registry = registry;
    }

    public int Version { get; }
    public string[] SandboxImage { get; }

    /// <summary>Only for version 1 and 2: a runc entry without runtime_type is not usable by containerd 1.x.</summary>
    public string[]? RuncRuntimeType { get; }

    public string[] SystemdCgroup { get; }
    public string[] Cni { get; }
    public string[] Registry { get; }
    public string[] CniBinDir => [.. Cni, "bin_dir"];

    /// <summary>containerd 2.1+ only; bin_dir is deprecated there but still read, and it is all 2.0 knows.</summary>
    public string[] CniBinDirs => [.. Cni, "bin_dirs"];

    public string[] CniConfDir => [.. Cni, "conf_dir"];
    public string[] RegistryConfigPath => [.. Registry, "config_path"];

    public static ContainerdConfigLayout For(int version) => version switch
    {
        1 => Cri1x(1, ["plugins", "cri"]),
        2 => Cri1x(2, ["plugins", "io.containerd.grpc.v1.cri"]),
        // Version 4 (containerd 2.3) moved only the servers (grpc, ttrpc, debug, metrics) into plugins: CRI is where 3 has it.
        _ => new ContainerdConfigLayout(version,
            sandboxImage: ["plugins", "io.containerd.cri.v1.images", "pinned_images", "sandbox"],
            runcRuntimeType: null,
            systemdCgroup: ["plugins", "io.containerd.cri.v1.runtime", "containerd", "runtimes", "runc", "options", "SystemdCgroup"],
            cni: ["plugins", "io.containerd.cri.v1.runtime", "cni"],
            registry: ["plugins", "io.containerd.cri.v1.images", "registry"]),
    };

    private static ContainerdConfigLayout Cri1x(int version, string[] plugin) => new(version,
        sandboxImage: [.. plugin, "sandbox_image"],
        runcRuntimeType: [.. plugin, "containerd", "runtimes", "runc", "runtime_type"],
        systemdCgroup: [.. plugin, "containerd", "runtimes", "runc", "options", "SystemdCgroup"],
        cni: [.. plugin, "cni"],
        registry: [.. plugin, "registry"]);
}
