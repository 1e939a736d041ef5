namespace CriPS;

/// <summary>A Docker setting and what became of it on containerd or the kubelet.</summary>
public sealed class CarriedSetting
{
    /// <summary>The Docker setting, e.g. registry-mirrors, insecure-registries, log-opts.max-size.</summary>
    public string Setting { get; set; } = "";
    public string Value { get; set; } = "";

    /// <summary>Carried (written), Reported (for a person to act on) or Untranslatable.</summary>
    public string Status { get; set; } = "";

    /// <summary>Where it went: the file and key, or why it could not go anywhere.</summary>
    public string Destination { get; set; } = "";
}
