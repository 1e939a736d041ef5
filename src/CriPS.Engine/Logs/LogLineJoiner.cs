using System.Buffers;
using System.Text;

namespace CriPS.Engine.Logs;

/// <summary>
/// Joins each stream's partial (P) records with the records that follow on the same stream, up to its full (F)
/// record. Parts are joined as bytes and decoded once: the runtime splits lines by size, which may cut a UTF-8
/// character in two.
/// </summary>
internal sealed class LogLineJoiner
{
    private readonly Part _stdout = new();
    private readonly Part _stderr = new();
    private long _sequence;

    /// <summary>Takes one record; returns the line it completes, or null when it is a part of a longer one.</summary>
    public LogLine? Add(in CriLogRecord record, ReadOnlySpan<byte> content)
    {
        var part = PartOf(record.Stream);
        if (record.IsPartial)
        {
            part.Bytes.Write(content);
            part.Timestamp = record.Timestamp;
            part.LastSequence = ++_sequence;
            part.HasData = true;
            return null;
        }
        string text;
        if (part.HasData)
        {
            part.Bytes.Write(content);
            text = Encoding.UTF8.GetString(part.Bytes.WrittenSpan);
            part.Clear();
        }
        else
        {
            text = Encoding.UTF8.GetString(content);
        }
        return new LogLine { Timestamp = record.Timestamp, Stream = record.Stream, Text = text };
    }

    /// <summary>True while a stream has parts of a line that no full record has ended yet.</summary>
    public bool HasPending => _stdout.HasData || _stderr.HasData;

    /// <summary>
    /// The lines left unfinished (the runtime ends a stream that stops without a newline with a P record),
    /// in the order their last parts were written.
    /// </summary>
    public IEnumerable<LogLine> Flush()
    {
        var pending = new[] { (Part: _stdout, Stream: LogStreams.Stdout), (Part: _stderr, Stream: LogStreams.Stderr) }
            .Where(p => p.Part.HasData)
            .OrderBy(p => p.Part.LastSequence)
            .ToList();
        foreach (var (part, stream) in pending)
        {
            var line = new LogLine { Timestamp = part.Timestamp, Stream = stream, Text = Encoding.UTF8.GetString(part.Bytes.WrittenSpan) };
            part.Clear();
            yield return line;
        }
    }

    private Part PartOf(LogStreams stream) => stream == LogStreams.Stderr ? _stderr : _stdout;

    private sealed class Part
    {
        public ArrayBufferWriter<byte> Bytes { get; private set; } = new();
        public DateTime Timestamp { get; set; }
        public long LastSequence { get; set; }
        public bool HasData { get; set; }

        public void Clear()
        {
            // A buffer that held a very long line is let go rather than kept for the rest of the file.
            if (Bytes.Capacity > 1 << 20)
                Bytes = new ArrayBufferWriter<byte>();
            else
                Bytes.Clear();
            HasData = false;
        }
    }
}
