namespace CriPS;

/// <summary>
/// What Convert-DockerNodeToContainerd did or would do on one node: the steps with their status and timing, the
/// preflight findings, the carried Docker settings, the moved images, and what is left for a person to do.
/// </summary>
public sealed class ConversionReport : CriObject
{
    /// <summary>The filesystem prefix every node file was read from and written to ("/" on a live node).</summary>
    public string Root { get; set; } = "/";
    public ConversionOutcome Outcome { get; set; }

    /// <summary>What the kubelet used before: Dockershim, CriDockerd, or Containerd when there was nothing to do.</summary>
    public string From { get; set; } = "";
    public string KubeletVersion { get; set; } = "";
    public string ContainerdVersion { get; set; } = "";
    public string ContainerdEndpoint { get; set; } = "";
    public List<ConversionStep> Steps { get; set; } = new();
    public List<ConversionFinding> Findings { get; set; } = new();
    public List<CarriedSetting> CarriedSettings { get; set; } = new();
    public List<MovedImage> Images { get; set; } = new();
    public List<string> ManualSteps { get; set; } = new();

    /// <summary>Where progress is recorded; a second run resumes from it.</summary>
    public string StateFile { get; set; } = "";
    public string BackupDirectory { get; set; } = "";

    /// <summary>The command that undoes the conversion, shown when something failed.</summary>
    public string RollbackCommand { get; set; } = "";
}

public enum ConversionOutcome
{
    /// <summary>-WhatIf: the plan only; nothing changed.</summary>
    Planned,
    Converted,
    /// <summary>The kubelet already uses containerd with a matching config.</summary>
    NothingToDo,
    /// <summary>Preflight found errors that were not accepted; nothing changed.</summary>
    Refused,
    Failed,
    RolledBack,
}
