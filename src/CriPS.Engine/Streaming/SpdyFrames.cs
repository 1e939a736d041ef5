using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace CriPS.Engine.Streaming;

/// <summary>
/// The SPDY/3.1 frames an exec/attach client needs (the layouts of the SPDY/3 draft, as the runtimes' streaming
/// servers read them with moby/spdystream). Every frame starts with 8 bytes: a control frame with the high bit set,
/// the version (3) and its type, then the flags (8 bits) and the payload's length (24 bits); a data frame with the
/// stream id (31 bits), then the flags and the length the same way.
/// </summary>
internal static class SpdyFrame
{
    public const int HeaderLength = 8;
    public const ushort Version = 3;

    public const ushort TypeSynStream = 1;
    public const ushort TypeSynReply = 2;
    public const ushort TypeRstStream = 3;
    public const ushort TypeSettings = 4;
    public const ushort TypePing = 6;
    public const ushort TypeGoAway = 7;
    public const ushort TypeHeaders = 8;
    public const ushort TypeWindowUpdate = 9;

    /// <summary>FLAG_FIN, the same bit on data and control frames: the sender sends nothing more on the stream.</summary>
    public const byte FlagFin = 0x01;

    /// <summary>RST_STREAM's CANCEL: how the server tears its streams down when it ends the session normally.</summary>
    public const uint StatusCancel = 5;

    /// <summary>The 24-bit length field's ceiling; anything longer cannot be framed at all.</summary>
    public const int MaxLength = (1 << 24) - 1;

    /// <summary>A stream id is 31 bits.</summary>
    public const uint MaxStreamId = 0x7fffffff;

    public static void WriteControlHeader(Span<byte> destination, ushort type, byte flags, int length)
    {
        CheckLength(length);
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(0x8000 | Version));
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], type);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], (uint)flags << 24 | (uint)length);
    }

    public static void WriteDataHeader(Span<byte> destination, uint streamId, byte flags, int length)
    {
        CheckLength(length);
        if (streamId is 0 or > MaxStreamId)
            throw new ArgumentOutOfRangeException(nameof(streamId));
        BinaryPrimitives.WriteUInt32BigEndian(destination, streamId);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], (uint)flags << 24 | (uint)length);
    }

    public static SpdyFrameHeader ReadHeader(ReadOnlySpan<byte> source)
    {
        var first = BinaryPrimitives.ReadUInt32BigEndian(source);
        var flagsAndLength = BinaryPrimitives.ReadUInt32BigEndian(source[4..]);
        var flags = (byte)(flagsAndLength >> 24);
        var length = (int)(flagsAndLength & 0xffffff);
        return (first & 0x80000000) != 0
            ? new SpdyFrameHeader(true, (ushort)(first >> 16 & 0x7fff), (ushort)(first & 0xffff), 0, flags, length)
            : new SpdyFrameHeader(false, 0, 0, first & MaxStreamId, flags, length);
    }

    /// <summary>
    /// SYN_STREAM: stream id, associated stream id (0: none), priority (3 bits, 0 the highest) and slot (0), then the
    /// compressed header block.
    /// </summary>
    public static byte[] SynStream(uint streamId, ReadOnlySpan<byte> compressedHeaders)
    {
        var frame = new byte[HeaderLength + 10 + compressedHeaders.Length];
        WriteControlHeader(frame, TypeSynStream, 0, 10 + compressedHeaders.Length);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(8), streamId);
        // Associated-to stream id, priority and slot stay 0.
        compressedHeaders.CopyTo(frame.AsSpan(HeaderLength + 10));
        return frame;
    }

    public static byte[] Ping(uint id)
    {
        var frame = new byte[HeaderLength + 4];
        WriteControlHeader(frame, TypePing, 0, 4);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(8), id);
        return frame;
    }

    public static byte[] DataFin(uint streamId)
    {
        var frame = new byte[HeaderLength];
        WriteDataHeader(frame, streamId, FlagFin, 0);
        return frame;
    }

    /// <summary>
    /// An uncompressed header block: the number of pairs, then each name and value with a 32-bit length before it.
    /// The server refuses names that are not lower case.
    /// </summary>
    public static byte[] HeaderBlock(IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        var size = 4 + headers.Sum(h => 8 + Encoding.UTF8.GetByteCount(h.Key) + Encoding.UTF8.GetByteCount(h.Value));
        var block = new byte[size];
        BinaryPrimitives.WriteUInt32BigEndian(block, (uint)headers.Count);
        var at = 4;
        foreach (var (name, value) in headers)
        {
            if (name != name.ToLowerInvariant())
                throw new ArgumentException($"SPDY header names are lower case: {name}", nameof(headers));
            at += WriteString(block.AsSpan(at), name);
            at += WriteString(block.AsSpan(at), value);
        }
        return block;
    }

    private static int WriteString(Span<byte> destination, string text)
    {
        var length = Encoding.UTF8.GetBytes(text, destination[4..]);
        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)length);
        return 4 + length;
    }

    public static string TypeName(ushort type) => type switch
    {
        TypeSynStream => "SYN_STREAM",
        TypeSynReply => "SYN_REPLY",
        TypeRstStream => "RST_STREAM",
        TypeSettings => "SETTINGS",
        TypePing => "PING",
        TypeGoAway => "GOAWAY",
        TypeHeaders => "HEADERS",
        TypeWindowUpdate => "WINDOW_UPDATE",
        _ => $"type {type}",
    };

    public static string StatusName(uint status) => status switch
    {
        1 => "PROTOCOL_ERROR",
        2 => "INVALID_STREAM",
        3 => "REFUSED_STREAM",
        4 => "UNSUPPORTED_VERSION",
        5 => "CANCEL",
        6 => "INTERNAL_ERROR",
        7 => "FLOW_CONTROL_ERROR",
        8 => "STREAM_IN_USE",
        9 => "STREAM_ALREADY_CLOSED",
        10 => "INVALID_CREDENTIALS",
        11 => "FRAME_TOO_LARGE",
        _ => $"status {status}",
    };

    private static void CheckLength(int length)
    {
        if (length is < 0 or > MaxLength)
            throw new ArgumentOutOfRangeException(nameof(length));
    }
}

internal readonly record struct SpdyFrameHeader(bool IsControl, ushort Version, ushort Type, uint StreamId, byte Flags, int Length);

/// <summary>
/// Compresses the header blocks a client sends: SPDY/3 runs one zlib stream through every block of a connection, each
/// block ending in a sync flush so the server can read it whole at once. SPDY/3 primes that stream with a preset
/// dictionary; .NET's zlib cannot, and need not: a zlib stream whose header does not set FDICT is read without the
/// dictionary (Go's zlib.NewReaderDict, which the servers use, only checks the dictionary when FDICT is set).
/// </summary>
internal sealed class SpdyHeaderCompressor : IDisposable
{
    private readonly MemoryStream _output = new();
    private readonly ZLibStream _zlib;

    public SpdyHeaderCompressor() => _zlib = new ZLibStream(_output, CompressionLevel.Fastest, leaveOpen: true);

    /// <summary>The block's compressed bytes, to be sent in this order on this connection only.</summary>
    public byte[] Compress(ReadOnlySpan<byte> headerBlock)
    {
        _zlib.Write(headerBlock);
        // DeflateStream.Flush is a zlib sync flush (Z_SYNC_FLUSH): everything written so far comes out, ending in an
        // empty stored block (00 00 FF FF), and the stream goes on (SpdyFrameTests checks this).
        _zlib.Flush();
        var compressed = _output.ToArray();
        _output.SetLength(0);
        return compressed;
    }

    public void Dispose()
    {
        _zlib.Dispose();
        _output.Dispose();
    }
}
