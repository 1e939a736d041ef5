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

    /// <summary>True when the image's configuration below was read (Get-CriImage -Detailed).</summary>
    public bool IsDetailed { get; set; }
    /// <summary>When the image was built, from its configuration.</summary>
    public DateTime? Created { get; set; }
    public string? Architecture { get; set; }
    public string? OS { get; set; }
    public string[] Entrypoint { get; set; } = [];
    public string[] Cmd { get; set; } = [];
    public string[] Env { get; set; } = [];
    public string? WorkingDir { get; set; }
    /// <summary>The user the configuration names (Uid/Username above are the runtime's reading of it).</summary>
    public string? User { get; set; }
    /// <summary>The labels of the image's configuration (LABEL in a Dockerfile).</summary>
    public Dictionary<string, string> ConfigLabels { get; set; } = new();
    /// <summary>The layers as the configuration lists them (uncompressed diff ids), bottom first.</summary>
    public string[] Layers { get; set; } = [];
    /// <summary>The runtime's verbose info as it sent it (key to JSON text).</summary>
    public Dictionary<string, string> Info { get; set; } = new();

    public override string ToString() => RepoTags.Length > 0 ? RepoTags[0] : Id;
}
