namespace CriPS;

/// <summary>What a command run in a container gave back (CRI ExecSync).</summary>
public sealed class ExecResult : CriObject
{
    public string ContainerId { get; set; } = "";
    public string[] Command { get; set; } = [];
    /// <summary>Standard output as text (UTF-8).</summary>
    public string Stdout { get; set; } = "";
    public string Stderr { get; set; } = "";
    public int ExitCode { get; set; }
    public TimeSpan Duration { get; set; }

    public override string ToString() => Stdout;
}
