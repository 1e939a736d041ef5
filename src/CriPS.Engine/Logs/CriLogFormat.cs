using System.Text;

namespace CriPS.Engine.Logs;

/// <summary>The streams a container writes; a query may ask for either or both.</summary>
[Flags]
public enum LogStreams
{
    Stdout = 1,
    Stderr = 2,
    All = Stdout | Stderr,
}

/// <summary>The header of one record of a CRI log file; the content follows at <see cref="ContentStart"/>.</summary>
internal readonly record struct CriLogRecord(DateTime Timestamp, LogStreams Stream, bool IsPartial, int ContentStart);

/// <summary>
/// The CRI log format, one record per line: <c>&lt;RFC3339Nano time&gt; &lt;stdout|stderr&gt; &lt;P|F&gt;[:tags] &lt;content&gt;</c>.
/// P marks a part of a longer line (the runtime splits lines longer than its limit, 16 KiB in containerd, and
/// ends a stream's last line without a newline with one); F marks a line's last or only part.
/// </summary>
internal static class CriLogFormat
{
    public static string StreamName(LogStreams stream) => stream == LogStreams.Stderr ? "stderr" : "stdout";

    /// <summary>Parses a record's header; false for a line that is not a CRI log record.</summary>
    public static bool TryParse(ReadOnlySpan<byte> line, out CriLogRecord record)
    {
        record = default;
        var space = line.IndexOf((byte)' ');
        if (space < 0 || !TryParseTimestamp(line[..space], out var timestamp))
            return false;
        var rest = line[(space + 1)..];
        LogStreams stream;
        if (rest.StartsWith("stdout "u8))
            stream = LogStreams.Stdout;
        else if (rest.StartsWith("stderr "u8))
            stream = LogStreams.Stderr;
        else
            return false;
        rest = rest[7..];
        // The tag field may carry more tags after a colon; the first says partial or full.
        var tagEnd = rest.IndexOf((byte)' ');
        var tags = tagEnd < 0 ? rest : rest[..tagEnd];
        var colon = tags.IndexOf((byte)':');
        var tag = colon < 0 ? tags : tags[..colon];
        if (tag.Length != 1 || tag[0] is not ((byte)'P' or (byte)'F'))
            return false;
        // An empty line is "... F " with nothing after the space; a file whose trailing blanks were trimmed lacks even that.
        var contentStart = tagEnd < 0 ? line.Length : line.Length - rest.Length + tagEnd + 1;
        record = new CriLogRecord(timestamp, stream, tag[0] == (byte)'P', contentStart);
        return true;
    }

    /// <summary>
    /// RFC 3339 with any number of fraction digits (Go's RFC3339Nano drops trailing zeros) and Z or an offset
    /// (CRI-O writes local time); nanoseconds are cut to DateTime's 100 ns ticks. The result is UTC.
    /// </summary>
    public static bool TryParseTimestamp(ReadOnlySpan<byte> text, out DateTime utc)
    {
        utc = default;
        // yyyy-MM-ddTHH:mm:ss is 19 characters, then the fraction, then the zone.
        if (text.Length < 20 || text[4] != '-' || text[7] != '-' || (text[10] | 0x20) != 't' || text[13] != ':' || text[16] != ':')
            return false;
        if (!Digits(text, 0, 4, out var year) || !Digits(text, 5, 2, out var month) || !Digits(text, 8, 2, out var day)
            || !Digits(text, 11, 2, out var hour) || !Digits(text, 14, 2, out var minute) || !Digits(text, 17, 2, out var second))
            return false;
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
            return false;

        var i = 19;
        long ticks = 0;
        if (text[i] == '.')
        {
            var first = ++i;
            var scale = TimeSpan.TicksPerSecond;
            for (; i < text.Length && text[i] is >= (byte)'0' and <= (byte)'9'; i++)
            {
                scale /= 10;
                ticks += (text[i] - '0') * scale;
            }
            if (i == first)
                return false;
        }
        if (i >= text.Length)
            return false;

        long offsetTicks;
        var zone = text[i..];
        if (zone.Length == 1 && (zone[0] | 0x20) == 'z')
            offsetTicks = 0;
        else if (zone.Length == 6 && zone[0] is (byte)'+' or (byte)'-' && zone[3] == ':'
                 && Digits(zone, 1, 2, out var offsetHours) && Digits(zone, 4, 2, out var offsetMinutes) && offsetHours < 24 && offsetMinutes < 60)
            offsetTicks = (zone[0] == '-' ? -1 : 1) * (offsetHours * TimeSpan.TicksPerHour + offsetMinutes * TimeSpan.TicksPerMinute);
        else
            return false;

        var local = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).Ticks + ticks;
        var utcTicks = local - offsetTicks;
        if (utcTicks < DateTime.MinValue.Ticks || utcTicks > DateTime.MaxValue.Ticks)
            return false;
        utc = new DateTime(utcTicks, DateTimeKind.Utc);
        return true;
    }

    /// <summary>The text of a line for a message about it: its start, decoded leniently.</summary>
    public static string Excerpt(ReadOnlySpan<byte> line, int max = 120)
    {
        var text = Encoding.UTF8.GetString(line.Length > max * 4 ? line[..(max * 4)] : line);
        return text.Length > max ? text[..max] + "…" : text;
    }

    private static bool Digits(ReadOnlySpan<byte> text, int start, int count, out int value)
    {
        value = 0;
        for (var i = start; i < start + count; i++)
        {
            if (text[i] is < (byte)'0' or > (byte)'9')
                return false;
            value = value * 10 + (text[i] - '0');
        }
        return true;
    }
}
