namespace CriPS;

/// <summary>One named step of a node conversion, as recorded in the state file.</summary>
public sealed class ConversionStep
{
    public string Name { get; set; } = "";
    public ConversionStepStatus Status { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public TimeSpan? Duration { get; set; }

    /// <summary>What the step did, would do, or why it failed or was skipped.</summary>
    public List<string> Details { get; set; } = new();

    public override string ToString() => $"{Name}: {Status}";
}

public enum ConversionStepStatus
{
    Pending,
    /// <summary>-WhatIf: what the step would do is in Details.</summary>
    Planned,
    Done,
    /// <summary>Done by an earlier run (the state file says so); not repeated.</summary>
    DoneBefore,
    Skipped,
    /// <summary>Left to a person (e.g. cordon and drain without -KubeConfig).</summary>
    Manual,
    Failed,
}
