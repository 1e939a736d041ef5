namespace CriPS.Engine.Conversion;

/// <summary>The CRI settings a converted node needs in containerd's config.toml.</summary>
/// <param name="CniBinDir">Written only when not null (containerd's default is /opt/cni/bin).</param>
/// <param name="CniConfDir">Written only when not null (containerd's default is /etc/cni/net.d).</param>
public sealed record ContainerdCriSettings(
    bool SystemdCgroup,
    string SandboxImage,
    string RegistryConfigPath,
    string? CniBinDir,
    string? CniConfDir);
