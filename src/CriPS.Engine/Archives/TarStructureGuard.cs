using System.Text;

namespace CriPS.Engine.Archives;

/// <summary>
/// Sits between the tar stream and System.Formats.Tar's reader and follows the archive's structure as the bytes
/// pass: each 512-byte header is checked before the reader sees its last byte. The reader believes what a header
/// says: it allocates a PAX or GNU long-name header's whole data at once (a 1 GiB PAX header cost 3.6 GiB), and it
/// does not verify header checksums. So here, where refusing costs nothing: checksums, extension header sizes, the
/// size a PAX record gives an entry, the running size and entry count. It also tells a stream that ends inside a
/// header or an entry's data (truncated) from one that ends between entries: a tar without its end-of-archive
/// blocks, which GNU tar accepts and the reader would not, so the guard supplies them.
/// </summary>
internal sealed class TarStructureGuard(Stream inner, ArchiveLimits limits) : ReadOnlyStream
{
    private const int BlockSize = 512;
    private readonly byte[] _header = new byte[BlockSize];
    private int _headerFill;
    private long _position;
    private long _nextHeader;
    private bool _endOfArchive;
    private int _syntheticEnd;

    // The data of the PAX ('x') or GNU long-name ('L') header being read: it applies to the next entry.
    private byte[]? _extension;
    private int _extensionFill;
    private char _extensionType;
    private long? _paxSize;
    private string? _longName;

    /// <summary>The entry whose data is passing, for errors.</summary>
    private string? _entryName;

    /// <summary>Entries so far (extension headers are part of the entry they describe, not entries of their own).</summary>
    public int Entries { get; private set; }

    protected override long BytesRead => _position;

    public override int Read(Span<byte> buffer)
    {
        if (_syntheticEnd > 0 || buffer.IsEmpty)
            return TakeSyntheticEnd(buffer);
        var n = inner.Read(buffer);
        return n == 0 ? AtEnd(buffer) : Observe(buffer[..n]);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_syntheticEnd > 0 || buffer.IsEmpty)
            return TakeSyntheticEnd(buffer.Span);
        var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return n == 0 ? AtEnd(buffer.Span) : Observe(buffer.Span[..n]);
    }

    /// <summary>The input has ended: fine after the end-of-archive blocks or between entries, truncated anywhere else.</summary>
    private int AtEnd(Span<byte> buffer)
    {
        if (_endOfArchive)
            return 0;
        // Less than one header cannot be told from any short file (a text file given by mistake); nothing at all is an empty archive.
        if (_position is > 0 and < BlockSize)
            throw new ImageArchiveException(ArchiveProblem.NotTar, $"The input is not a tar archive: it ends after {_position} bytes, inside what would be its first header.", null);
        if (_headerFill > 0 || _position < _nextHeader || _extension is not null || _paxSize is not null || _longName is not null)
            throw new ImageArchiveException(ArchiveProblem.Truncated, _headerFill > 0 || _position >= _nextHeader
                ? $"The archive ends inside a tar header, at byte {_position}: it is truncated."
                : $"The archive ends inside the data of '{_entryName}', at byte {_position} of the {_nextHeader} its headers promise: it is truncated.",
                _position >= _nextHeader || _extension is not null ? null : _entryName);
        _endOfArchive = true;
        _syntheticEnd = 2 * BlockSize;
        return TakeSyntheticEnd(buffer);
    }

    private int TakeSyntheticEnd(Span<byte> buffer)
    {
        var n = Math.Min(buffer.Length, _syntheticEnd);
        buffer[..n].Clear();
        _syntheticEnd -= n;
        return n;
    }

    private int Observe(ReadOnlySpan<byte> bytes)
    {
        var first = _position;
        _position += bytes.Length;
        if (_position > limits.MaximumSize && !_endOfArchive)
            throw TooLarge(_entryName);
        var at = first;
        while (!_endOfArchive && at < _position)
        {
            var piece = bytes[(int)(at - first)..];
            if (at < _nextHeader)
            {
                var take = (int)Math.Min(_nextHeader - at, piece.Length);
                if (_extension is not null)
                    CollectExtension(piece[..take]);
                at += take;
                continue;
            }
            var headerBytes = Math.Min(BlockSize - _headerFill, piece.Length);
            piece[..headerBytes].CopyTo(_header.AsSpan(_headerFill));
            _headerFill += headerBytes;
            at += headerBytes;
            if (_headerFill == BlockSize)
            {
                _headerFill = 0;
                Inspect(_nextHeader);
            }
        }
        return bytes.Length;
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
        if (!ChecksumHolds() || !TryParseOctal(_header.AsSpan(124, 12), out var size))
            throw new ImageArchiveException(Entries == 0 && headerOffset == 0 ? ArchiveProblem.NotTar : ArchiveProblem.Damaged, Entries == 0 && headerOffset == 0
                ? "The input is not a tar archive: its first header is not valid."
                : $"The tar header at byte {headerOffset} (after '{_entryName}') is not valid (checksum or size): the archive is damaged.",
                Entries == 0 && headerOffset == 0 ? null : _entryName);
        var type = (char)_header[156];
        long dataStart = headerOffset + BlockSize;
        if (type is 'x' or 'g' or 'L' or 'K')
        {
            if (size > ArchiveLimits.MaximumExtensionHeaderBytes)
                throw new ImageArchiveException(ArchiveProblem.HeaderTooLarge,
                    $"The tar extension header at byte {headerOffset} ('{name}', type {type}) declares {size} bytes; over "
                    + $"{ArchiveLimits.MaximumExtensionHeaderBytes} bytes it is no name or attribute a real archive carries.", name);
            if (type is 'x' or 'L')
            {
                _extension = new byte[size];
                _extensionFill = 0;
                _extensionType = type;
                if (size == 0)
                    FinishExtension();
            }
        }
        else
        {
            // A PAX size record overrides the header's field (it is how sizes over 8 GiB are written); so does a
            // PAX path or a GNU long name the name.
            size = _paxSize ?? size;
            _entryName = _longName ?? name;
            _paxSize = null;
            _longName = null;
            if (++Entries > limits.MaximumEntryCount)
                throw new ImageArchiveException(ArchiveProblem.TooManyEntries,
                    $"The archive has more than {limits.MaximumEntryCount} entries; raise -MaximumEntryCount if it is a real image.", _entryName);
        }
        _nextHeader = dataStart + (size + BlockSize - 1) / BlockSize * BlockSize;
        if (_nextHeader > limits.MaximumSize)
            throw TooLarge(_extension is null ? _entryName : name);
    }

    private void CollectExtension(ReadOnlySpan<byte> data)
    {
        var take = Math.Min(data.Length, _extension!.Length - _extensionFill);
        data[..take].CopyTo(_extension.AsSpan(_extensionFill));
        _extensionFill += take;
        if (_extensionFill == _extension.Length)
            FinishExtension();
    }

    /// <summary>Takes what the next entry needs from its extension header: its size and name (PAX) or name (GNU).</summary>
    private void FinishExtension()
    {
        var data = _extension!;
        _extension = null;
        if (_extensionType == 'L')
        {
            var end = Array.IndexOf(data, (byte)0);
            _longName = Printable(Encoding.UTF8.GetString(data, 0, end < 0 ? data.Length : end));
            return;
        }
        // PAX records: "<length> <key>=<value>\n", the length counting the whole record.
        var at = 0;
        while (at < data.Length)
        {
            var space = Array.IndexOf(data, (byte)' ', at);
            if (space < 0 || !int.TryParse(data.AsSpan(at, space - at), out var length) || length <= space - at || at + length > data.Length)
                break; // not PAX as the reader knows it: the reader refuses it itself
            var record = data.AsSpan(space + 1, at + length - space - 2);
            var equals = record.IndexOf((byte)'=');
            if (equals > 0)
            {
                var key = record[..equals];
                var value = record[(equals + 1)..];
                if (key.SequenceEqual("size"u8))
                {
                    if (!long.TryParse(value, System.Globalization.NumberStyles.None, null, out var size))
                        throw new ImageArchiveException(ArchiveProblem.Damaged, $"A PAX header gives the size '{Printable(Encoding.UTF8.GetString(value))}', which is no size.", null);
                    _paxSize = size;
                }
                else if (key.SequenceEqual("path"u8))
                {
                    _longName = Printable(Encoding.UTF8.GetString(value));
                }
            }
            at += length;
        }
    }

    private ImageArchiveException TooLarge(string? name) => new(ArchiveProblem.TooLarge,
        $"The archive is larger than {limits.MaximumSize} bytes (unpacked){(name is null ? "" : $" at '{name}'")}; raise -MaximumSize if it is a real image.", name);

    /// <summary>
    /// The checksum: the header's bytes summed with the checksum field as spaces. Unsigned, as POSIX says; some old
    /// tars summed signed bytes, which GNU tar also accepts.
    /// </summary>
    private bool ChecksumHolds()
    {
        if (!TryParseOctal(_header.AsSpan(148, 8), out var stored))
            return false;
        long unsigned = 0, signed = 0;
        for (var i = 0; i < BlockSize; i++)
        {
            var b = i is >= 148 and < 156 ? (byte)' ' : _header[i];
            unsigned += b;
            signed += (sbyte)b;
        }
        return stored == unsigned || stored == signed;
    }

    /// <summary>The header's own name (ustar prefix and name), for messages and targets only.</summary>
    private string HeaderName()
    {
        string Field(int start, int length)
        {
            var field = _header.AsSpan(start, length);
            var end = field.IndexOf((byte)0);
            return Encoding.UTF8.GetString(end < 0 ? field : field[..end]);
        }
        var prefix = _header.AsSpan(257, 6).SequenceEqual("ustar\0"u8) ? Field(345, 155) : "";
        return Printable(prefix.Length > 0 ? prefix + "/" + Field(0, 100) : Field(0, 100));
    }

    private static string Printable(string text)
    {
        var cut = text.Length > 300 ? text[..300] + "…" : text;
        var trimmed = cut.StartsWith("./", StringComparison.Ordinal) ? cut[2..] : cut;
        return string.Create(trimmed.Length, trimmed, (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
                span[i] = char.IsControl(source[i]) ? '?' : source[i];
        });
    }

    /// <summary>Octal digits (space or NUL padded; none at all is 0), or base-256 when the first byte's top bit is set (GNU, for sizes over 8 GiB).</summary>
    private static bool TryParseOctal(ReadOnlySpan<byte> field, out long value)
    {
        value = 0;
        if ((field[0] & 0x80) != 0)
        {
            if (field.Length <= 8 || field[0] != 0x80 || field[1..^8].ContainsAnyExcept((byte)0))
                return false; // negative, or more than 63 bits
            foreach (var b in field[^8..])
                value = (value << 8) | b;
            return value >= 0;
        }
        var digits = field.Trim((byte)' ').TrimEnd((byte)0).TrimEnd((byte)' ');
        foreach (var b in digits)
        {
            if (b is < (byte)'0' or > (byte)'7')
                return false;
            value = value * 8 + (b - '0');
        }
        return true;
    }

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
