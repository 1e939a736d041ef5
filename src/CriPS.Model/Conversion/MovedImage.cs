namespace CriPS;

/// <summary>A Docker image and its copy in containerd's k8s.io namespace; the IDs (config digests) must be equal.</summary>
public sealed class MovedImage
{
    public string Name { get; set; } = "";
    public string DockerId { get; set; } = "";
    public string ContainerdId { get; set; } = "";
    public long Size { get; set; }

    /// <summary>Moved, Present (already there with the same ID), Planned, Skipped (untagged) or Failed.</summary>
    public string Status { get; set; } = "";
    public string Note { get; set; } = "";
}
