namespace CriPS;

/// <summary>
/// One line of a container's log (CRI log format), its partial records joined: what the container wrote
/// between two newlines on one stream. A line longer than 1 MiB comes as several entries, pieces of 32 KiB.
/// </summary>
public sealed class ContainerLogEntry : CriObject
{
    /// <summary>When the runtime wrote the line's last record (UTC, to 100 ns: DateTime's resolution).</summary>
    public DateTime Timestamp { get; set; }

    /// <summary>stdout or stderr, as the log file names the stream.</summary>
    public string Stream { get; set; } = "";

    /// <summary>The line's text (UTF-8), without its newline.</summary>
    public string Message { get; set; } = "";

    /// <summary>
    /// True for a piece of a line longer than 1 MiB (of UTF-8), which is returned in pieces rather than held whole:
    /// the next entry of the same stream and container continues the line. The last piece is false.
    /// </summary>
    public bool IsPartial { get; set; }

    /// <summary>The container that wrote the line; empty when the runtime no longer knows it (a -Previous log read from its file).</summary>
    public string ContainerId { get; set; } = "";

    public string ContainerName { get; set; } = "";

    public override string ToString() => Message;
}
