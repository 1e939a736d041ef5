namespace CriPS;

/// <summary>An image known to the runtime's image service (one object per image, whatever its number of tags).</summary>
public sealed class Image : CriObject
{
    /// <summary>The image id, e.g. sha256:... (the config digest on containerd).</summary>
    public string Id { get; set; } = "";
    public string[] RepoTags { get; set; } = [];
    public string[] RepoDigests { get; set; } = [];
    /// <summary>Repository of the first tag (or of the first digest when untagged); "&lt;none&gt;" when neither.</summary>
    public string Repository { get; set; } = "";
    public string Tag { get; set; } = "";
    /// <summary>The manifest digest of the first repo digest, when there is one.</summary>
    public string Digest { get; set; } = "";
    /// <summary>Size in bytes as the runtime reports it.</summary>
    public ulong Size { get; set; }
    /// <summary>The user the image runs as: a numeric uid, or a user name (then Uid is null).</summary>
    public long? Uid { get; set; }
    public string Username { get; set; } = "";
    /// <summary>Pinned images are never garbage collected by the kubelet (the sandbox image, for one).</summary>
    public bool Pinned { get; set; }
    /// <summary>No tags: left behind when a tag moved to a newer image.</summary>
    public bool Dangling => RepoTags.Length == 0;

    public override string ToString() => RepoTags.Length > 0 ? RepoTags[0] : Id;
}
