using System.Text;

namespace CriPS.Engine.Archives;

/// <summary>
/// Sits between the tar stream and System.Formats.Tar's reader and follows the archive's structure as the bytes
/// pass: each 512-byte header is checked before the reader sees its last byte. The reader believes what a header
/// says: it allocates a PAX or GNU long-name header's whole data at once (a 1 GiB PAX header cost 3.6 GiB), so the
/// sizes are checked here, where refusing costs nothing. It also keeps the archive's running size and entry count
/// under their limits, and tells a stream that ends inside a header or an entry's data (truncated) from one that
/// ends between entries (a tar without its end-of-archive blocks, which GNU tar accepts too).
/// </summary>
internal sealed class TarStructureGuard(Stream inner, ArchiveLimits limits) : Stream
{
    private const int BlockSize = 512;
    private readonly byte[] _header = new byte[BlockSize];
    private int _headerFill;
    private long _position;
    private long _nextHeader;
    private bool _endOfArchive;

    /// <summary>Entries so far (extension headers are part of the entry they describe, not entries of their own).</summary>
    public int Entries { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        Observe(buffer[..n]);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Observe(buffer.Span[..n]);
        return n;
    }

    private void Observe(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            if (!_endOfArchive && (_headerFill > 0 || _position < _nextHeader))
                throw new ImageArchiveException(ArchiveProblem.Truncated, _headerFill > 0
                    ? $"The archive ends inside a tar header, at byte {_position}: it is truncated."
                    : $"The archive ends inside an entry's data, at byte {_position} of the {_nextHeader} its headers promise: it is truncated.", null);
            return;
        }
        var start = _position;
        _position += bytes.Length;
        if (_position > limits.MaximumSize)
            throw TooLarge(null);
        while (!_endOfArchive && start < _position)
        {
            if (start < _nextHeader)
            {
                start = Math.Min(_nextHeader, _position);
                continue;
            }
            var take = (int)Math.Min(BlockSize - _headerFill, _position - start);
            bytes.Slice((int)(start - (_position - bytes.Length)), take).CopyTo(_header.AsSpan(_headerFill));
            _headerFill += take;
            start += take;
            if (_headerFill == BlockSize)
            {
                Inspect(_nextHeader);
                _headerFill = 0;
            }
        }
    }

    private void Inspect(long headerOffset)
    {
        if (!_header.AsSpan().ContainsAnyExcept((byte)0))
        {
            // The end-of-archive blocks: the reader stops here, and what follows (tar's padding to a record) is not read.
            _endOfArchive = true;
            return;
        }
        var name = HeaderName();
        if (!TryParseSize(_header.AsSpan(124, 12), out var size))
            throw new ImageArchiveException(Entries == 0 ? ArchiveProblem.NotTar : ArchiveProblem.Damaged, Entries == 0
                ? "The input is not a tar archive: its first header has no valid size."
                : $"The tar header at byte {headerOffset} ('{name}') has no valid size: the archive is damaged.", Entries == 0 ? null : name);
        var type = (char)_header[156];
        if (type is 'x' or 'g' or 'L' or 'K')
        {
            if (size > ArchiveLimits.MaximumExtensionHeaderBytes)
                throw new ImageArchiveException(ArchiveProblem.HeaderTooLarge,
                    $"The tar extension header at byte {headerOffset} ('{name}', type {type}) declares {size} bytes; over "
                    + $"{ArchiveLimits.MaximumExtensionHeaderBytes} bytes it is no name or attribute a real archive carries.", name);
        }
        else if (++Entries > limits.MaximumEntryCount)
        {
            throw new ImageArchiveException(ArchiveProblem.TooManyEntries,
                $"The archive has more than {limits.MaximumEntryCount} entries; raise -MaximumEntryCount if it is a real image.", name);
        }
        var padded = (size + BlockSize - 1) / BlockSize * BlockSize;
        _nextHeader = headerOffset + BlockSize + padded;
        if (_nextHeader > limits.MaximumSize)
            throw TooLarge(name);
    }

    private ImageArchiveException TooLarge(string? name) => new(ArchiveProblem.TooLarge,
        $"The archive is larger than {limits.MaximumSize} bytes (unpacked){(name is null ? "" : $" at '{name}'")}; raise -MaximumSize if it is a real image.", name);

    /// <summary>The header's own name field, for messages only (the reader works out the full name).</summary>
    private string HeaderName()
    {
        var field = _header.AsSpan(0, 100);
        var end = field.IndexOf((byte)0);
        var text = Encoding.UTF8.GetString(end < 0 ? field : field[..end]);
        return new string(text.Select(c => char.IsControl(c) ? '?' : c).ToArray());
    }

    /// <summary>Octal digits (space or NUL padded; none at all is 0), or base-256 when the first byte's top bit is set (GNU, for sizes over 8 GiB).</summary>
    private static bool TryParseSize(ReadOnlySpan<byte> field, out long size)
    {
        size = 0;
        if ((field[0] & 0x80) != 0)
        {
            if (field[0] != 0x80 || field[1..4].ContainsAnyExcept((byte)0))
                return false; // negative, or more than 63 bits
            foreach (var b in field[4..])
                size = (size << 8) | b;
            return size >= 0;
        }
        var digits = field.Trim((byte)' ').TrimEnd((byte)0).TrimEnd((byte)' ');
        if (digits.Length > 12)
            return false;
        foreach (var b in digits)
        {
            if (b is < (byte)'0' or > (byte)'7')
                return false;
            size = size * 8 + (b - '0');
        }
        return true;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            inner.Dispose();
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
