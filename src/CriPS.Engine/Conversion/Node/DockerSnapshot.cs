namespace CriPS.Engine.Conversion;

/// <summary>What Docker held when the conversion began.</summary>
internal sealed class DockerSnapshot
{
    public string Version { get; set; } = "";
    public List<DockerImageFacts> Images { get; set; } = new();
    public List<DockerContainerFacts> Containers { get; set; } = new();
}

internal sealed class DockerImageFacts
{
    public string Id { get; set; } = "";
    public List<string> Tags { get; set; } = new();
    public long Size { get; set; }
}

internal sealed class DockerContainerFacts
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string State { get; set; } = "";
    public List<string> MountSources { get; set; } = new();

    /// <summary>The kubelet made it (dockershim and cri-dockerd label every pod's container with its pod's name).</summary>
    public bool Kubernetes { get; set; }
}
