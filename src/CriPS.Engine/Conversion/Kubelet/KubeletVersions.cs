namespace CriPS.Engine.Conversion;

/// <summary>The kubelet releases that changed the flags and fields a runtime switch touches.</summary>
internal static class KubeletVersions
{
    /// <summary>1.24 removed the dockershim and its flags (--network-plugin, --cni-*, --docker-endpoint, ...).</summary>
    public static readonly Version DockershimRemoved = new(1, 24);

    /// <summary>1.27 removed --container-runtime and added containerRuntimeEndpoint to KubeletConfiguration.</summary>
    public static readonly Version ContainerRuntimeFlagRemoved = new(1, 27);

    /// <summary>1.35 removed --pod-infra-container-image: the kubelet refuses to start with it.</summary>
    public static readonly Version PodInfraFlagRemoved = new(1, 35);

    /// <summary>Compares major.minor only, so 1.24.0 and a bare 1.24 both count as 1.24.</summary>
    public static bool AtLeast(Version version, Version release) =>
        version.Major > release.Major || (version.Major == release.Major && version.Minor >= release.Minor);
}
