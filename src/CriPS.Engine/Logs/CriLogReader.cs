using System.Runtime.CompilerServices;
using Microsoft.Win32.SafeHandles;

namespace CriPS.Engine.Logs;

/// <summary>How often a follower looks at the file and asks whether the container still runs.</summary>
public sealed record FollowTiming(TimeSpan FilePoll, TimeSpan StatusPoll, TimeSpan Quiet, TimeSpan Settle)
{
    /// <summary>New lines show within a fifth of a second; the runtime is asked once a second.</summary>
    public static FollowTiming Default { get; } = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1),
        TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(2));
}

/// <summary>
/// Reads CRI log files (the files the kubelet asks the runtime to write under /var/log/pods) as joined lines.
/// Files are streamed: a whole log is never held, -Tail reads backwards from the end and keeps at most the
/// lines it returns, and following survives the kubelet's rotation and copytruncate.
/// </summary>
public static class CriLogReader
{
    private const int BackwardBlock = 64 * 1024;
    private const int HeaderBytes = 64;

    /// <summary>
    /// The lines of the file as it is now, oldest first. The file is opened before this returns (a missing or
    /// unreadable one throws CriException); it is read as the result is enumerated.
    /// </summary>
    public static IEnumerable<LogLine> Read(string path, LogQuery query, CancellationToken cancel)
    {
        var file = LogFile.Open(path);
        return ReadAll(file, query, cancel);
    }

    private static IEnumerable<LogLine> ReadAll(LogFile file, LogQuery query, CancellationToken cancel)
    {
        using (file)
        {
            var joiner = new LogLineJoiner();
            foreach (var line in ReadStart(file, joiner, query, finished: true, cancel))
                yield return line;
        }
    }

    /// <summary>
    /// Follows a log: first what the query selects of the file as it is (-Tail, -Since apply), then each line as
    /// the runtime writes it, until <paramref name="isRunning"/> says the container stopped (then whatever it
    /// wrote last), the clock passes the query's Until, or <paramref name="cancel"/> is cancelled. A renamed or
    /// replaced file is read to its end and the new file at the path from its start; a truncated one from its
    /// start again. With <paramref name="waitForFile"/> a file that does not exist yet is waited for.
    /// <paramref name="waiting"/> is told once, after the first look at the writer found it alive, before any line.
    /// </summary>
    public static async IAsyncEnumerable<LogLine> FollowAsync(string path, LogQuery query, Func<CancellationToken, Task<bool>> isRunning,
        bool waitForFile, FollowTiming? timing, [EnumeratorCancellation] CancellationToken cancel, Func<Task>? waiting = null)
    {
        timing ??= FollowTiming.Default;
        var file = waitForFile ? LogFile.TryOpen(path) : LogFile.Open(path);
        var joiner = new LogLineJoiner();
        var started = false;
        try
        {
            var nextStatus = DateTime.UtcNow;
            var running = true;
            while (true)
            {
                cancel.ThrowIfCancellationRequested();
                if (DateTime.UtcNow >= nextStatus)
                {
                    // Asked before the file is read: whatever the container wrote before it stopped is in the file by then.
                    running = await isRunning(cancel).ConfigureAwait(false);
                    nextStatus = DateTime.UtcNow + timing.StatusPoll;
                }
                if (query.Until is { } until && DateTime.UtcNow > until.ToUniversalTime())
                    running = false;

                file ??= LogFile.TryOpen(path);
                if (running && waiting is not null)
                {
                    await waiting().ConfigureAwait(false);
                    waiting = null;
                }
                if (file is not null)
                {
                    if (!started)
                    {
                        // A container that has stopped already wrote its file to the end: read it as a finished one.
                        started = true;
                        foreach (var line in ReadStart(file, joiner, query, finished: !running, cancel))
                            yield return line;
                    }
                    foreach (var line in ReadNew(file, joiner, query, cancel))
                        yield return line;
                    if (file.WasMovedOrDeleted() && LogFile.TryOpen(path) is { } next)
                    {
                        // Rotated: the runtime wrote to the old file until it reopened the path; that tail comes first.
                        foreach (var line in ReadNew(file, joiner, query, cancel))
                            yield return line;
                        foreach (var line in Unfinished(file, joiner, query))
                            yield return line;
                        file.Dispose();
                        file = next;
                        continue;
                    }
                }

                if (!running)
                {
                    // The runtime may still be copying the last output into the file: read until it stays quiet.
                    if (file is not null)
                        await foreach (var line in SettleAsync(file, joiner, query, timing, cancel).ConfigureAwait(false))
                            yield return line;
                    foreach (var line in joiner.Flush().Where(l => query.Selects(l.Stream, l.Timestamp)))
                        yield return line;
                    yield break;
                }
                await Task.Delay(timing.FilePoll, cancel).ConfigureAwait(false);
            }
        }
        finally
        {
            file?.Dispose();
        }
    }

    private static async IAsyncEnumerable<LogLine> SettleAsync(LogFile file, LogLineJoiner joiner, LogQuery query, FollowTiming timing,
        [EnumeratorCancellation] CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow + timing.Settle;
        var quietSince = DateTime.UtcNow;
        while (true)
        {
            var before = file.BytesRead;
            foreach (var line in ReadNew(file, joiner, query, cancel))
                yield return line;
            var now = DateTime.UtcNow;
            if (file.BytesRead != before)
                quietSince = now;
            if (now - quietSince >= timing.Quiet || now >= deadline)
                break;
            await Task.Delay(timing.FilePoll < timing.Quiet ? timing.FilePoll : timing.Quiet, cancel).ConfigureAwait(false);
        }
        foreach (var line in Unfinished(file, joiner, query))
            yield return line;
    }

    /// <summary>
    /// The first reading of a file: the whole of it, or with Tail the last lines, found by reading backwards and
    /// kept in a ring of Tail lines. <paramref name="finished"/>: the file is read once, so its unfinished lines
    /// are lines too; when following they are left for the runtime to finish.
    /// </summary>
    private static IEnumerable<LogLine> ReadStart(LogFile file, LogLineJoiner joiner, LogQuery query, bool finished, CancellationToken cancel)
    {
        if (query.Tail is not { } tail)
        {
            foreach (var line in ReadNew(file, joiner, query, cancel))
                yield return line;
            if (finished)
            {
                foreach (var line in Unfinished(file, joiner, query))
                    yield return line;
                foreach (var line in joiner.Flush().Where(l => query.Selects(l.Stream, l.Timestamp)))
                    yield return line;
            }
            yield break;
        }

        file.Seek(FindTailStart(file.Handle, RandomAccess.GetLength(file.Handle), query, tail, finished, cancel));
        var ring = new Queue<LogLine>();
        IEnumerable<LogLine> lines = ReadNew(file, joiner, query, cancel);
        if (finished)
            lines = lines.Concat(Unfinished(file, joiner, query)).Concat(joiner.Flush().Where(l => query.Selects(l.Stream, l.Timestamp)));
        foreach (var line in lines)
        {
            if (line.IsMalformed)
            {
                yield return line;
                continue;
            }
            ring.Enqueue(line);
            if (ring.Count > tail)
                ring.Dequeue();
        }
        foreach (var line in ring)
            yield return line;
    }

    /// <summary>The selected lines of the records written since the last call (and the malformed lines met).</summary>
    private static IEnumerable<LogLine> ReadNew(LogFile file, LogLineJoiner joiner, LogQuery query, CancellationToken cancel)
    {
        if (file.WasTruncated())
            file.Seek(0);
        var count = 0;
        var lines = new List<LogLine>();
        while (file.TryReadLine(out var raw, out var offset, out var tooLong))
        {
            if ((++count & 1023) == 0)
                cancel.ThrowIfCancellationRequested();
            if (tooLong)
                lines.Add(Malformed(file.Path, offset, raw.Span, $"longer than {LogFile.MaxLineBytes >> 20} MiB"));
            else
                Take(raw.Span, offset, file.Path, joiner, query, lines);
            // Handed out as they come: a line longer than the joiner's bound comes out piece by piece.
            foreach (var line in lines)
                yield return line;
            lines.Clear();
        }
    }

    /// <summary>What follows the file's last newline, taken as a record when it is one (a file that ends without a newline).</summary>
    private static IEnumerable<LogLine> Unfinished(LogFile file, LogLineJoiner joiner, LogQuery query)
    {
        // Lazily, as the caller reaches it: only then has the file been read up to its last newline.
        foreach (var line in TakeUnfinished(file, joiner, query))
            yield return line;
    }

    private static List<LogLine> TakeUnfinished(LogFile file, LogLineJoiner joiner, LogQuery query)
    {
        var rest = file.TakeUnfinished(out var offset);
        var lines = new List<LogLine>();
        if (rest.Length > 0)
            Take(rest.Span, offset, file.Path, joiner, query, lines);
        return lines;
    }

    /// <summary>One record into the joiner; adds to <paramref name="lines"/> the selected lines (or pieces) it completes, or a malformed line.</summary>
    private static void Take(ReadOnlySpan<byte> raw, long offset, string path, LogLineJoiner joiner, LogQuery query, List<LogLine> lines)
    {
        if (DockerJsonLogFormat.LooksLikeOne(raw))
        {
            TakeDockerJson(raw, offset, path, joiner, query, lines);
            return;
        }
        if (!CriLogFormat.TryParse(raw, out var record))
        {
            // Blank lines carry nothing to lose; anything else is worth a warning.
            if (raw.Trim((byte)' ').Length != 0)
                lines.Add(Malformed(path, offset, raw, null));
            return;
        }
        // Streams not asked for are not even joined.
        if ((query.Streams & record.Stream) == 0)
            return;
        AddSelected(joiner, record, raw[record.ContentStart..], query, lines);
    }

    /// <summary>The same for a line of Docker's json-file format (cri-dockerd's containers), as the kubelet reads both.</summary>
    private static void TakeDockerJson(ReadOnlySpan<byte> raw, long offset, string path, LogLineJoiner joiner, LogQuery query, List<LogLine> lines)
    {
        if (!DockerJsonLogFormat.TryParse(raw, out var record, out var content, out var length))
        {
            lines.Add(Malformed(path, offset, raw, null));
            return;
        }
        try
        {
            if ((query.Streams & record.Stream) != 0)
                AddSelected(joiner, record, content.AsSpan(0, length), query, lines);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(content!);
        }
    }

    private static void AddSelected(LogLineJoiner joiner, in CriLogRecord record, ReadOnlySpan<byte> content, LogQuery query, List<LogLine> lines)
    {
        var first = lines.Count;
        joiner.Add(record, content, lines);
        for (var i = lines.Count - 1; i >= first; i--)
            if (!query.Selects(lines[i].Stream, lines[i].Timestamp))
                lines.RemoveAt(i);
    }

    private static LogLine Malformed(string path, long offset, ReadOnlySpan<byte> raw, string? why) => new()
    {
        IsMalformed = true,
        Path = path,
        Offset = offset,
        Text = why is null ? CriLogFormat.Excerpt(raw) : $"({why}) {CriLogFormat.Excerpt(raw)}",
    };

    /// <summary>
    /// Where to start reading so that the last <paramref name="count"/> selected lines come out whole: reads
    /// the file backwards from <paramref name="end"/>, counting lines by where they end (the order they are
    /// returned in), and goes on until each counted line's first part is found. Lines of the other stream that
    /// began earlier are cut, but they end before the counted ones, so the ring of <paramref name="count"/> drops them.
    /// When <paramref name="finished"/> is false, what follows the last newline is not read and a stream's
    /// unfinished line is not counted, but it is read whole, so that it comes out whole once the runtime ends it.
    /// </summary>
    internal static long FindTailStart(SafeFileHandle handle, long end, LogQuery query, int count, bool finished, CancellationToken cancel)
    {
        if (count == 0 && finished)
            return end;
        var scan = new TailScan(query, count, finished);
        var block = new byte[BackwardBlock];
        var header = new byte[HeaderBytes];
        // Where the complete lines end: the file's end, or when following the byte after the last newline.
        long? dataEnd = finished ? end : null;
        var lineEnd = end;
        for (var blockEnd = end; blockEnd > 0;)
        {
            cancel.ThrowIfCancellationRequested();
            var blockStart = Math.Max(0, blockEnd - BackwardBlock);
            var length = (int)(blockEnd - blockStart);
            var read = RandomAccess.Read(handle, block.AsSpan(0, length), blockStart);
            if (read < length)
                length = read;   // the file shrank meanwhile; what is there is enough
            var span = block.AsSpan(0, length);
            for (var i = span.LastIndexOf((byte)'\n'); i >= 0; i = span[..i].LastIndexOf((byte)'\n'))
            {
                var lineStart = blockStart + i + 1;
                if (dataEnd is null)
                    dataEnd = lineStart;
                else if (Visit(handle, block, blockStart, length, header, lineStart, lineEnd, scan))
                    return scan.StartOr(dataEnd.Value);
                lineEnd = blockStart + i;
            }
            blockEnd = blockStart;
        }
        if (dataEnd is null)
            return 0;   // not one complete line yet
        Visit(handle, block, 0, 0, header, 0, lineEnd, scan);
        return scan.Counted < count ? 0 : scan.StartOr(dataEnd.Value);
    }

    /// <summary>One line met going backwards; true when the scan has found its start.</summary>
    private static bool Visit(SafeFileHandle handle, byte[] block, long blockStart, int blockLength, byte[] header,
        long lineStart, long lineEnd, TailScan scan)
    {
        var length = (int)Math.Min(lineEnd - lineStart, HeaderBytes);
        if (length <= 0)
            return false;
        ReadOnlySpan<byte> head;
        if (lineStart >= blockStart && lineStart + length <= blockStart + blockLength)
            head = block.AsSpan((int)(lineStart - blockStart), length);
        else
            head = header.AsSpan(0, RandomAccess.Read(handle, header.AsSpan(0, length), lineStart));
        if (DockerJsonLogFormat.LooksLikeOne(head))
            return VisitDockerJson(handle, lineStart, lineEnd, scan);
        // The header fits in 64 bytes; a longer content does not matter here, so a cut header is parsed as is.
        return CriLogFormat.TryParse(head, out var record) && scan.Add(record, lineStart);
    }

    /// <summary>
    /// A json-file line names its stream and time after its text, so it is read whole: Docker writes at most 16 KiB of
    /// text per line, which JSON escaping can grow sixfold; a longer line is not one of Docker's and is not counted.
    /// </summary>
    private static bool VisitDockerJson(SafeFileHandle handle, long lineStart, long lineEnd, TailScan scan)
    {
        const int MaxDockerLineBytes = 6 * 16 * 1024 + 256;
        var length = lineEnd - lineStart;
        if (length > MaxDockerLineBytes)
            return false;
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent((int)length);
        try
        {
            var read = RandomAccess.Read(handle, buffer.AsSpan(0, (int)length), lineStart);
            if (!DockerJsonLogFormat.TryParse(buffer.AsSpan(0, read), out var record, out var content, out _))
                return false;
            System.Buffers.ArrayPool<byte>.Shared.Return(content!);
            return scan.Add(record, lineStart);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The bookkeeping of <see cref="FindTailStart"/>: per stream the line whose start is still sought.</summary>
    private sealed class TailScan(LogQuery query, int count, bool finished)
    {
        private sealed class Line
        {
            public long Start;
            public bool Needed;
        }

        private readonly Line?[] _open = new Line?[3];
        private readonly List<Line> _needed = new();
        private int _counted;
        private int _openNeeded;

        public int Counted => _counted;

        /// <summary>The earliest start of the needed lines; <paramref name="none"/> when no line is needed.</summary>
        public long StartOr(long none) => _needed.Count == 0 ? none : _needed.Min(l => l.Start);

        /// <summary>Takes the next record going backwards; true when every needed line's start is known.</summary>
        public bool Add(in CriLogRecord record, long offset)
        {
            if ((query.Streams & record.Stream) == 0)
                return false;
            var stream = (int)record.Stream;
            if (_open[stream] is { } open)
            {
                if (record.IsPartial)
                {
                    open.Start = offset;
                    return false;
                }
                // A full record ends the line before the open one, so the open one starts where it was last seen.
                if (open.Needed)
                    _openNeeded--;
                _open[stream] = null;
            }
            // This record is the last part of a line: an F, or the P of a line the runtime has not ended.
            var line = new Line { Start = offset };
            var unfinished = record.IsPartial;
            if (_counted < count && query.Selects(record.Stream, record.Timestamp) && (finished || !unfinished))
            {
                _counted++;
                line.Needed = true;
            }
            else if (unfinished && !finished)
            {
                // Not returned from the file as it is, but finished later while following: read it whole.
                line.Needed = true;
            }
            if (line.Needed)
            {
                _needed.Add(line);
                _openNeeded++;
            }
            _open[stream] = line;
            return _counted >= count && _openNeeded == 0;
        }
    }
}
