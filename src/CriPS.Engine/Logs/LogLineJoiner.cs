using System.Text;

namespace CriPS.Engine.Logs;

/// <summary>
/// Joins each stream's partial (P) records with the records that follow on the same stream, up to its full (F)
/// record. Parts are joined as bytes and decoded once: the runtime splits lines by size, which may cut a UTF-8
/// character in two. A line is joined only up to <see cref="MaxJoinedBytes"/>: a longer one is handed out in
/// pieces of <see cref="PieceBytes"/> as they fill (each marked <see cref="LogLine.IsPartial"/>, the next one of its
/// stream continuing it), so a container that writes one endless line costs the reader no more than the bound.
/// </summary>
internal sealed class LogLineJoiner
{
    /// <summary>
    /// 1 MiB, 64 of containerd's 16 KiB records: 64 times the longest line containerd writes whole by default, so
    /// ordinary long lines (a JSON document, a stack trace on one line) still come out as one line, while a
    /// hostile endless line costs at most this many bytes plus its string (twice as many, UTF-16) at a time.
    /// Joined without a bound the line cost 1.8 GiB.
    /// </summary>
    public const int MaxJoinedBytes = 1 << 20;

    /// <summary>
    /// The pieces of a line over the bound: 32 KiB, so a piece's string (64 KiB at most in UTF-16) stays under the
    /// 85,000 bytes from which .NET puts an object on the large object heap, which only a full collection frees.
    /// Measured with pieces of the bound itself (1 MiB, strings of 2 MiB): a 160 MiB endless line read in pwsh
    /// peaked at 204-239 MiB over the baseline, all of it such strings waiting for a full collection; with 32 KiB
    /// pieces they go in the next gen0 collection (HostileLogs.Tests.ps1 has the numbers of the corpus).
    /// </summary>
    public const int PieceBytes = 32 << 10;

    private readonly int _maxBytes;
    private readonly int _pieceBytes;
    private readonly Part _stdout = new();
    private readonly Part _stderr = new();
    private long _sequence;

    /// <param name="maxBytes">The longest line handed out whole.</param>
    /// <param name="pieceBytes">The size of a longer line's pieces; at least 4 bytes, so that a piece holds a whole UTF-8 character.</param>
    public LogLineJoiner(int maxBytes = MaxJoinedBytes, int pieceBytes = PieceBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pieceBytes, 4);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, pieceBytes);
        _maxBytes = maxBytes;
        _pieceBytes = pieceBytes;
    }

    /// <summary>
    /// Takes one record and adds to <paramref name="lines"/> what it completes: the line it ends, the pieces of a
    /// line that grew past the bound, or nothing when it is a part of a line that is not finished yet.
    /// </summary>
    public void Add(in CriLogRecord record, ReadOnlySpan<byte> content, List<LogLine> lines)
    {
        var part = PartOf(record.Stream);
        if (!part.HasData && !record.IsPartial && content.Length <= _maxBytes)
        {
            // A line in one record, the common case: decoded straight from the file's buffer.
            lines.Add(new LogLine { Timestamp = record.Timestamp, Stream = record.Stream, Text = Encoding.UTF8.GetString(content) });
            return;
        }
        part.Append(content);
        part.Timestamp = record.Timestamp;
        part.LastSequence = ++_sequence;
        part.HasData = true;
        // Strictly longer than the bound: a line of exactly the bound that its F record ends is still one line. From
        // then on the line goes out in pieces as they fill; what is left when its F record comes is its last piece.
        part.Overflowed |= part.Length > _maxBytes;
        if (part.Overflowed)
        {
            var taken = 0;
            while (part.Length - taken > _pieceBytes)
            {
                var cut = CutBefore(part.Span[taken..], _pieceBytes);
                lines.Add(new LogLine { Timestamp = record.Timestamp, Stream = record.Stream, Text = Encoding.UTF8.GetString(part.Span.Slice(taken, cut)), IsPartial = true });
                taken += cut;
            }
            part.Consume(taken);
        }
        if (!record.IsPartial)
        {
            lines.Add(new LogLine { Timestamp = record.Timestamp, Stream = record.Stream, Text = Encoding.UTF8.GetString(part.Span) });
            part.Clear();
        }
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
            var line = new LogLine { Timestamp = part.Timestamp, Stream = stream, Text = Encoding.UTF8.GetString(part.Span) };
            part.Clear();
            yield return line;
        }
    }

    /// <summary>
    /// Where to end a piece of at most <paramref name="max"/> bytes of <paramref name="bytes"/> (which is longer):
    /// before the character that would be cut, found by stepping back over at most three UTF-8 continuation bytes.
    /// Bytes that are no UTF-8 there are cut at <paramref name="max"/>; they decode to U+FFFD either way.
    /// </summary>
    internal static int CutBefore(ReadOnlySpan<byte> bytes, int max)
    {
        var cut = max;
        while (cut > max - 3 && IsContinuation(bytes[cut]))
            cut--;
        return IsContinuation(bytes[cut]) ? max : cut;
    }

    private static bool IsContinuation(byte b) => (b & 0xC0) == 0x80;

    private Part PartOf(LogStreams stream) => stream == LogStreams.Stderr ? _stderr : _stdout;

    /// <summary>One stream's bytes of a line not handed out yet.</summary>
    private sealed class Part
    {
        private byte[] _bytes = [];

        public int Length { get; private set; }
        public ReadOnlySpan<byte> Span => _bytes.AsSpan(0, Length);
        public DateTime Timestamp { get; set; }
        public long LastSequence { get; set; }
        public bool HasData { get; set; }
        /// <summary>The line has passed the bound: it goes out in pieces until its end.</summary>
        public bool Overflowed { get; set; }

        public void Append(ReadOnlySpan<byte> content)
        {
            if (Length + content.Length > _bytes.Length)
                Array.Resize(ref _bytes, Math.Max(Length + content.Length, Math.Max(_bytes.Length * 2, 4096)));
            content.CopyTo(_bytes.AsSpan(Length));
            Length += content.Length;
        }

        /// <summary>Drops the first <paramref name="count"/> bytes (a piece handed out); the rest moves to the front.</summary>
        public void Consume(int count)
        {
            if (count == 0)
                return;
            Buffer.BlockCopy(_bytes, count, _bytes, 0, Length - count);
            Length -= count;
        }

        public void Clear()
        {
            // A buffer that held a piece of a very long line is let go rather than kept for the rest of the file.
            if (_bytes.Length > 64 * 1024)
                _bytes = [];
            Length = 0;
            HasData = false;
            Overflowed = false;
        }
    }
}
