using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using CriPS.Engine.Streaming;

namespace CriPS.Tests;

public sealed class SpdyFrameTests
{
    [Fact]
    public void DataHeaderIsStreamIdThenFlagsAndLength()
    {
        var header = new byte[8];
        SpdyFrame.WriteDataHeader(header, 7, SpdyFrame.FlagFin, 0x012345);

        Assert.Equal(new byte[] { 0x00, 0x00, 0x00, 0x07, 0x01, 0x01, 0x23, 0x45 }, header);
        Assert.Equal(new SpdyFrameHeader(false, 0, 0, 7, SpdyFrame.FlagFin, 0x012345), SpdyFrame.ReadHeader(header));
    }

    [Fact]
    public void ControlHeaderCarriesTheControlBitVersion3AndType()
    {
        var header = new byte[8];
        SpdyFrame.WriteControlHeader(header, SpdyFrame.TypeSynStream, 0, 26);

        Assert.Equal(new byte[] { 0x80, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x1a }, header);
        Assert.Equal(new SpdyFrameHeader(true, 3, SpdyFrame.TypeSynStream, 0, 0, 26), SpdyFrame.ReadHeader(header));
    }

    [Fact]
    public void ReadHeaderTakesTheLengthFrom24BitsOnly()
    {
        // A RST_STREAM with FLAG_FIN and the largest length: the flags byte must not leak into the length.
        var header = new byte[] { 0x80, 0x03, 0x00, 0x03, 0x01, 0xff, 0xff, 0xff };

        var frame = SpdyFrame.ReadHeader(header);

        Assert.Equal(SpdyFrame.MaxLength, frame.Length);
        Assert.Equal(SpdyFrame.FlagFin, frame.Flags);
        Assert.Equal(SpdyFrame.TypeRstStream, frame.Type);
    }

    [Fact]
    public void LengthsBeyond24BitsAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SpdyFrame.WriteDataHeader(new byte[8], 1, 0, 1 << 24));
        Assert.Throws<ArgumentOutOfRangeException>(() => SpdyFrame.WriteDataHeader(new byte[8], 0, 0, 1));
    }

    [Fact]
    public void SynStreamHasStreamIdNoAssociatedStreamPriorityZeroThenTheBlock()
    {
        var frame = SpdyFrame.SynStream(5, [0xaa, 0xbb]);

        Assert.Equal(new byte[] { 0x80, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 12, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0xaa, 0xbb }, frame);
    }

    [Fact]
    public void HeaderBlockIsCountThenLengthPrefixedNamesAndValues()
    {
        var block = SpdyFrame.HeaderBlock([new("streamtype", "error")]);

        var expected = new byte[] { 0, 0, 0, 1, 0, 0, 0, 10 }.Concat("streamtype"u8.ToArray())
            .Concat(new byte[] { 0, 0, 0, 5 }).Concat("error"u8.ToArray());
        Assert.Equal(expected, block);
    }

    [Fact]
    public void HeaderNamesMustBeLowerCase()
    {
        // The servers' spdystream refuses a block with an upper-case name.
        Assert.Throws<ArgumentException>(() => SpdyFrame.HeaderBlock([new("streamType", "error")]));
    }

    [Fact]
    public void CompressedBlocksFormOneZlibStreamWithoutPresetDictionary()
    {
        using var compressor = new SpdyHeaderCompressor();
        var blocks = new[] { "error", "stdin", "stdout", "stderr" }.Select(t => SpdyFrame.HeaderBlock([new("streamtype", t)])).ToArray();

        var compressed = blocks.Select(b => compressor.Compress(b)).ToArray();

        // The zlib header: a valid check value, and FDICT unset, so a reader primed with SPDY's dictionary never needs it.
        Assert.Equal(0, (compressed[0][0] << 8 | compressed[0][1]) % 31);
        Assert.Equal(0, compressed[0][1] & 0x20);
        Assert.Equal(8, compressed[0][0] & 0x0f);
        // Each block ends in a sync flush, so the server can decode it whole from that frame alone.
        Assert.All(compressed, c => Assert.Equal(new byte[] { 0x00, 0x00, 0xff, 0xff }, c[^4..]));
        // The later blocks continue the same stream: no second zlib header.
        Assert.All(compressed.Skip(1), c => Assert.NotEqual(compressed[0][..2], c[..2]));
        using var inflater = new ZLibStream(new MemoryStream(compressed.SelectMany(c => c).ToArray()), CompressionMode.Decompress);
        foreach (var block in blocks)
        {
            var decoded = new byte[block.Length];
            inflater.ReadExactly(decoded);
            Assert.Equal(block, decoded);
        }
    }

    [Fact]
    public void EachFlushedBlockDecodesBeforeTheNextIsWritten()
    {
        // What the server relies on: after a frame's bytes alone, its block is fully readable.
        using var compressor = new SpdyHeaderCompressor();
        var feed = new MemoryStream();
        using var inflater = new ZLibStream(feed, CompressionMode.Decompress);
        foreach (var type in new[] { "error", "stdout", "resize" })
        {
            var block = SpdyFrame.HeaderBlock([new("streamtype", type)]);
            var at = feed.Position;
            feed.Write(compressor.Compress(block));
            feed.Position = at;
            var decoded = new byte[block.Length];
            inflater.ReadExactly(decoded);
            Assert.Equal(type, Encoding.ASCII.GetString(decoded, decoded.Length - type.Length, type.Length));
            Assert.Equal((uint)type.Length, BinaryPrimitives.ReadUInt32BigEndian(decoded.AsSpan(decoded.Length - type.Length - 4)));
        }
    }

    [Fact]
    public void ResponseHeadParsesStatusAndHeadersCaseInsensitively()
    {
        var (status, reason, headers) = SpdyChannels.ParseResponseHead(
            "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n");

        Assert.Equal(101, status);
        Assert.Equal("Switching Protocols", reason);
        Assert.Equal("v4.channel.k8s.io", headers["x-stream-protocol-version"]);
        Assert.Equal("SPDY/3.1", headers["UPGRADE"]);
    }

    [Fact]
    public void ResponseHeadThatIsNotHttpIsAProtocolError()
    {
        var e = Assert.Throws<CriException>(() => SpdyChannels.ParseResponseHead("SSH-2.0-OpenSSH\r\n\r\n"));
        Assert.Equal("CriStreamProtocol", e.ErrorId);
    }
}
