namespace CriPS.Engine.Logs;

/// <summary>
/// A joined line of a CRI log (or a piece of a longer one, <see cref="IsPartial"/>), or a line of the file that is no CRI log record (<see cref="IsMalformed"/>):
/// those are reported so the caller can warn, and never end the reading.
/// </summary>
public sealed class LogLine
{
    /// <summary>The time of the line's last record, UTC.</summary>
    public DateTime Timestamp { get; init; }
    public LogStreams Stream { get; init; }
    public string StreamName => CriLogFormat.StreamName(Stream);
    /// <summary>The text; for a malformed line, its start as the file has it.</summary>
    public string Text { get; init; } = "";

    /// <summary>
    /// True for a piece of a line longer than <see cref="LogLineJoiner.MaxJoinedBytes"/>: the next line of the same
    /// stream continues it. The line's last piece is false, like a line that was never cut.
    /// </summary>
    public bool IsPartial { get; init; }

    public bool IsMalformed { get; init; }
    /// <summary>Where a malformed line starts in its file, in bytes.</summary>
    public long Offset { get; init; }
    public string Path { get; init; } = "";

    public override string ToString() => IsMalformed ? $"malformed at {Path}:{Offset}: {Text}" : $"{Timestamp:O} {StreamName}{(IsPartial ? " (piece)" : "")} {Text}";
}

/// <summary>Which lines of a log to return. Times are compared with each line's timestamp, both ends included.</summary>
public sealed class LogQuery
{
    public LogStreams Streams { get; init; } = LogStreams.All;
    /// <summary>Only the last this many selected lines (of the file as it is when reading starts).</summary>
    public int? Tail { get; init; }
    public DateTime? Since { get; init; }
    public DateTime? Until { get; init; }

    public bool Selects(LogStreams stream, DateTime timestamp) =>
        (Streams & stream) != 0
        && (Since is not { } since || timestamp >= since.ToUniversalTime())
        && (Until is not { } until || timestamp <= until.ToUniversalTime());
}
