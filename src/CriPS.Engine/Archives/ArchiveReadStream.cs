using System.IO.Compression;

namespace CriPS.Engine.Archives;

/// <summary>
/// The archive as it comes in: counts what is read (for progress) and looks at the first bytes, so a gzipped
/// archive (docker save | gzip) is unpacked on the fly, also from a stream that cannot seek.
/// </summary>
internal sealed class ArchiveReadStream : ReadOnlyStream
{
    private readonly Stream _inner;
    private readonly TransferProgress _progress;
    private ReadOnlyMemory<byte> _prefix;
    /// <summary>Reads land here first: a read abandoned on Ctrl+C may still fill it later, never a caller's (pooled) buffer.</summary>
    private readonly byte[] _landing = new byte[256 << 10];

    private ArchiveReadStream(Stream inner, ReadOnlyMemory<byte> prefix, TransferProgress progress)
    {
        _inner = inner;
        _prefix = prefix;
        _progress = progress;
    }

    /// <summary>The tar stream of the archive: the input itself, or its gzip-decompressed content.</summary>
    public static async Task<Stream> OpenTarAsync(Stream input, TransferProgress progress, CancellationToken cancel)
    {
        var head = new byte[2];
        var read = await input.ReadAtLeastAsync(head, head.Length, false, cancel).ConfigureAwait(false);
        var counted = new ArchiveReadStream(input, head.AsMemory(0, read), progress);
        progress.Add(0);
        return read == 2 && head[0] == 0x1f && head[1] == 0x8b ? new GZipStream(counted, CompressionMode.Decompress) : counted;
    }

    protected override long BytesRead => _progress.Bytes;

    public override int Read(Span<byte> buffer)
    {
        if (TakePrefix(buffer) is var n and > 0)
            return n;
        n = _inner.Read(buffer);
        _progress.Add(n);
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (TakePrefix(buffer.Span) is var n and > 0)
            return n;
        // A file or FIFO read in flight ignores the token; waiting on the token instead lets Ctrl+C and the stall
        // limit end an import whose source went quiet (the abandoned read ends when the source does).
        var landing = _landing.AsMemory(0, Math.Min(buffer.Length, _landing.Length));
        n = await _inner.ReadAsync(landing, cancellationToken).AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
        landing[..n].CopyTo(buffer);
        _progress.Add(n);
        return n;
    }

    private int TakePrefix(Span<byte> buffer)
    {
        if (_prefix.IsEmpty || buffer.IsEmpty)
            return 0;
        var n = Math.Min(buffer.Length, _prefix.Length);
        _prefix.Span[..n].CopyTo(buffer);
        _prefix = _prefix[n..];
        _progress.Add(n);
        return n;
    }

}
