namespace CriPS.Engine.Conversion;

/// <summary>
/// What the kubelet files should say after the conversion. The log settings are kubelet values already
/// (a Kubernetes quantity such as "10M", a file count); null leaves the kubelet's own setting alone.
/// </summary>
internal sealed record KubeletTarget(string RuntimeEndpoint, string SandboxImage, string? ContainerLogMaxSize, int? ContainerLogMaxFiles);
