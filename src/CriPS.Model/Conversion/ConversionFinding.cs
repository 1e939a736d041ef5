namespace CriPS;

/// <summary>
/// Something preflight noticed. Errors stop the conversion before any change unless their Id is accepted with
/// -AcceptFinding; warnings and notes are reported and the conversion goes on.
/// </summary>
public sealed class ConversionFinding
{
    /// <summary>A stable name, e.g. CgroupDriverMismatch, to accept with -AcceptFinding.</summary>
    public string Id { get; set; } = "";
    public FindingSeverity Severity { get; set; }
    public string Message { get; set; } = "";

    /// <summary>The file, container, image or binary the finding is about.</summary>
    public string Target { get; set; } = "";

    /// <summary>True when an Error was accepted with -AcceptFinding.</summary>
    public bool Accepted { get; set; }

    public override string ToString() => $"{Severity} {Id}: {Message}";
}

public enum FindingSeverity
{
    Info,
    Warning,
    Error,
}
