namespace CriPS.Engine.Conversion;

/// <summary>What an existing containerd config.toml says about the CRI plugin (null = containerd's default applies).</summary>
/// <param name="Version">The file's top-level `version`; 1 when it has none (also for a missing file).</param>
/// <param name="GrpcAddress">`[grpc] address`, or containerd's default socket.</param>
/// <param name="CriDisabled">The CRI plugin (short or full id) is listed in `disabled_plugins`.</param>
public sealed record ContainerdConfigFacts(
    int Version,
    string GrpcAddress,
    bool CriDisabled,
    bool? SystemdCgroup,
    string? SandboxImage,
    string? RegistryConfigPath,
    string? CniBinDir,
    string? CniConfDir);
