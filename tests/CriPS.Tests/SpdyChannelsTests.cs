using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CriPS.Engine.Streaming;

namespace CriPS.Tests;

/// <summary>
/// SpdyChannels against a stand-in streaming server on loopback that speaks the server's side as the runtimes'
/// spdystream does (101 reply, SYN_REPLY per stream, data, RST_STREAM CANCEL then GOAWAY at the end), and checks
/// what the client put on the wire.
/// </summary>
public sealed class SpdyChannelsTests : IAsyncDisposable
{
    private static readonly TimeSpan Setup = TimeSpan.FromSeconds(10);
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _testTimeout = new(TimeSpan.FromSeconds(30));

    public SpdyChannelsTests() => _listener.Start();

    private Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/exec/tok3n");

    public ValueTask DisposeAsync()
    {
        _listener.Stop();
        _testTimeout.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task ExecOpensOneStreamPerChannelClosesStdinWithAFinAndEndsAfterTheServersGoAway()
    {
        var server = Task.Run(async () =>
        {
            await using var peer = await FakePeer.AcceptAsync(_listener, _testTimeout.Token);
            var head = await peer.ReadRequestHeadAsync();
            await peer.AcceptUpgradeAsync();
            var streams = await peer.ReadSynStreamsAsync(4);
            await peer.ReplyAsync(streams.Keys);

            // A ping from the server (even id) must come back unchanged.
            await peer.WriteAsync(SpdyFrame.Ping(2));
            var stdin = new MemoryStream();
            var pingBack = false;
            var stdinClosed = false;
            async Task ReadClientAsync(Func<bool> until)
            {
                while (!until())
                {
                    var (frame, payload) = await peer.ReadFrameAsync();
                    if (frame.IsControl && frame.Type == SpdyFrame.TypePing)
                    {
                        pingBack = BinaryPrimitives.ReadUInt32BigEndian(payload) == 2;
                        continue;
                    }
                    Assert.False(frame.IsControl);
                    Assert.Equal(streams.Single(s => s.Value == "stdin").Key, frame.StreamId);
                    stdin.Write(payload);
                    if ((frame.Flags & SpdyFrame.FlagFin) != 0)
                    {
                        Assert.Empty(payload);
                        stdinClosed = true;
                    }
                }
            }
            await ReadClientAsync(() => stdinClosed);
            uint Id(string type) => streams.Single(s => s.Value == type).Key;
            await peer.DataAsync(Id("stdout"), 0, Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(stdin.ToArray()).ToUpperInvariant()));
            await peer.DataAsync(Id("stderr"), 0, "warn\n"u8.ToArray());
            await peer.DataAsync(Id("stdout"), SpdyFrame.FlagFin, []);
            await peer.DataAsync(Id("error"), 0, """{"metadata":{},"status":"Success"}"""u8.ToArray());
            // The client answers the ping once it reads, which it does now.
            await ReadClientAsync(() => pingBack);
            foreach (var id in streams.Keys)
                await peer.ResetAsync(id, SpdyFrame.StatusCancel);
            await peer.GoAwayAsync();
            return (head, streams, pingBack);
        });

        await using var channels = await SpdyChannels.ConnectAsync(Url, stdin: true, stdout: true, stderr: true, tty: false, Setup, "c1", _testTimeout.Token);
        await channels.SendAsync(StreamChannel.Stdin, "hello\n"u8.ToArray(), _testTimeout.Token);
        await channels.CloseInputAsync(_testTimeout.Token);
        var received = await ReceiveAllAsync(channels);
        var (head, streams, pingBack) = await server;

        Assert.StartsWith("POST /exec/tok3n HTTP/1.1\r\n", head);
        Assert.Contains("\r\nConnection: Upgrade\r\n", head);
        Assert.Contains("\r\nUpgrade: SPDY/3.1\r\n", head);
        Assert.Contains("\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n", head);
        // client-go's order and ids: the status first, odd ids counting up.
        Assert.Equal(new[] { (1u, "error"), (3u, "stdin"), (5u, "stdout"), (7u, "stderr") }, streams.Select(s => (s.Key, s.Value)));
        Assert.True(pingBack);
        Assert.Equal("v4.channel.k8s.io", channels.Protocol);
        Assert.Equal(new[] { "1:HELLO\n", "2:warn\n", "3:{\"metadata\":{},\"status\":\"Success\"}" }, received);
    }

    [Fact]
    public async Task TtyAsksForResizeInsteadOfStderrAndSendsResizesOnTheirStream()
    {
        var server = Task.Run(async () =>
        {
            await using var peer = await FakePeer.AcceptAsync(_listener, _testTimeout.Token);
            await peer.ReadRequestHeadAsync();
            await peer.AcceptUpgradeAsync();
            var streams = await peer.ReadSynStreamsAsync(4);
            await peer.ReplyAsync(streams.Keys);
            var (frame, payload) = await peer.ReadFrameAsync();
            return (streams, frame.StreamId, Encoding.ASCII.GetString(payload));
        });

        await using var channels = await SpdyChannels.ConnectAsync(Url, stdin: true, stdout: true, stderr: true, tty: true, Setup, null, _testTimeout.Token);
        await channels.SendAsync(StreamChannel.Resize, """{"Width":80,"Height":24}"""u8.ToArray(), _testTimeout.Token);
        var (streams, resizeStream, resize) = await server;

        Assert.Equal(new[] { "error", "stdin", "stdout", "resize" }, streams.Values);
        Assert.Equal(streams.Single(s => s.Value == "resize").Key, resizeStream);
        Assert.Equal("""{"Width":80,"Height":24}""", resize);
    }

    [Fact]
    public async Task LargeStdinGoesInFramesOfAtMost32KiB()
    {
        var input = new byte[1 << 20];
        new Random(7).NextBytes(input);
        var server = Task.Run(async () =>
        {
            await using var peer = await FakePeer.AcceptAsync(_listener, _testTimeout.Token);
            await peer.ReadRequestHeadAsync();
            await peer.AcceptUpgradeAsync();
            var streams = await peer.ReadSynStreamsAsync(2);
            await peer.ReplyAsync(streams.Keys);
            var got = new MemoryStream();
            var largest = 0;
            while (got.Length < input.Length)
            {
                var (frame, payload) = await peer.ReadFrameAsync();
                largest = Math.Max(largest, payload.Length);
                got.Write(payload);
            }
            return (got.ToArray(), largest);
        });

        await using var channels = await SpdyChannels.ConnectAsync(Url, stdin: true, stdout: false, stderr: false, tty: false, Setup, null, _testTimeout.Token);
        await channels.SendAsync(StreamChannel.Stdin, input, _testTimeout.Token);
        var (received, largestFrame) = await server;

        Assert.Equal(input, received);
        Assert.Equal(32 * 1024, largestFrame);
    }

    [Fact]
    public async Task AFrameLargerThan1MiBIsRefused()
    {
        var server = Task.Run(async () =>
        {
            await using var peer = await FakePeer.AcceptAsync(_listener, _testTimeout.Token);
            await peer.ReadRequestHeadAsync();
            await peer.AcceptUpgradeAsync();
            var streams = await peer.ReadSynStreamsAsync(2);
            await peer.ReplyAsync(streams.Keys);
            var header = new byte[8];
            SpdyFrame.WriteDataHeader(header, 3, 0, (1 << 20) + 1);
            await peer.WriteAsync(header);
            // The client closes the connection rather than read (or allocate) what follows.
            return await peer.ReadsEndOfStreamAsync();
        });

        await using var channels = await SpdyChannels.ConnectAsync(Url, stdin: false, stdout: true, stderr: false, tty: false, Setup, "c1", _testTimeout.Token);
        var e = await Assert.ThrowsAsync<CriException>(async () => await channels.ReceiveAsync(_testTimeout.Token));

        Assert.Equal("CriStreamMessageTooLarge", e.ErrorId);
        Assert.Equal(CriErrorCategory.LimitsExceeded, e.Category);
        Assert.True(await server);
    }

    [Fact]
    public async Task AResetOtherThanCancelBreaksTheStream()
    {
        var server = Task.Run(async () =>
        {
            await using var peer = await FakePeer.AcceptAsync(_listener, _testTimeout.Token);
            await peer.ReadRequestHeadAsync();
            await peer.AcceptUpgradeAsync();
            var streams = await peer.ReadSynStreamsAsync(2);
            await peer.ReplyAsync(streams.Keys);
            await peer.ResetAsync(3, 6); // INTERNAL_ERROR on stdout
            await peer.ReadsEndOfStreamAsync();
        });

        await using var channels = await SpdyChannels.ConnectAsync(Url, stdin: false, stdout: true, stderr: false, tty: false, Setup, "c1", _testTimeout.Token);
        var e = await Assert.ThrowsAsync<CriException>(async () => await channels.ReceiveAsync(_testTimeout.Token));
        await channels.DisposeAsync();
        await server;

        Assert.Equal("CriStreamBroken", e.ErrorId);
        Assert.Contains("stdout", e.Message);
        Assert.Contains("INTERNAL_ERROR", e.Message);
        Assert.Equal("c1", e.Target);
    }

    [Fact]
    public async Task EndsWhenTheServerHasFinishedAllItsStreamsEvenWithTheConnectionOpen()
    {
        var release = new TaskCompletionSource();
        var server = Task.Run(async () =>
        {
            await using var peer = await FakePeer.AcceptAsync(_listener, _testTimeout.Token);
            await peer.ReadRequestHeadAsync();
            await peer.AcceptUpgradeAsync();
            var streams = await peer.ReadSynStreamsAsync(2);
            await peer.ReplyAsync(streams.Keys);
            await peer.DataAsync(3, SpdyFrame.FlagFin, "out"u8.ToArray());
            await peer.DataAsync(1, SpdyFrame.FlagFin, "{}"u8.ToArray());
            await release.Task.WaitAsync(_testTimeout.Token);
        });

        await using (var channels = await SpdyChannels.ConnectAsync(Url, stdin: false, stdout: true, stderr: false, tty: false, Setup, null, _testTimeout.Token))
        {
            Assert.Equal(new[] { "1:out", "3:{}" }, await ReceiveAllAsync(channels));
        }
        release.SetResult();
        await server;
    }

    [Fact]
    public async Task SettingsWindowUpdatesAndLateRepliesAreSkippedAndGoAwayEndsTheStream()
    {
        var server = Task.Run(async () =>
        {
            await using var peer = await FakePeer.AcceptAsync(_listener, _testTimeout.Token);
            await peer.ReadRequestHeadAsync();
            await peer.AcceptUpgradeAsync();
            var streams = await peer.ReadSynStreamsAsync(2);
            await peer.ReplyAsync(streams.Keys);
            var settings = new byte[8 + 12];
            SpdyFrame.WriteControlHeader(settings, SpdyFrame.TypeSettings, 0, 12);
            settings[11] = 1; // one setting: id 7 (initial window), 64 KiB
            settings[15] = 7;
            settings[18] = 1;
            await peer.WriteAsync(settings);
            var window = new byte[16];
            SpdyFrame.WriteControlHeader(window, SpdyFrame.TypeWindowUpdate, 0, 8);
            window[11] = 3;
            window[15] = 0xff;
            await peer.WriteAsync(window);
            await peer.ReplyAsync([3]); // a second reply to stdout: nothing to act on
            await peer.DataAsync(3, 0, "after"u8.ToArray());
            // Streams still open, but the server says it is done.
            await peer.GoAwayAsync();
            await peer.DataAsync(3, 0, "ignored"u8.ToArray());
            return await peer.ReadsEndOfStreamAsync();
        });

        await using (var channels = await SpdyChannels.ConnectAsync(Url, stdin: false, stdout: true, stderr: false, tty: false, Setup, null, _testTimeout.Token))
        {
            Assert.Equal(new[] { "1:after" }, await ReceiveAllAsync(channels));
        }
        Assert.True(await server);
    }

    [Fact]
    public async Task AConnectionThatEndsInTheMiddleOfAFrameIsBroken()
    {
        var server = Task.Run(async () =>
        {
            await using var peer = await FakePeer.AcceptAsync(_listener, _testTimeout.Token);
            await peer.ReadRequestHeadAsync();
            await peer.AcceptUpgradeAsync();
            var streams = await peer.ReadSynStreamsAsync(2);
            await peer.ReplyAsync(streams.Keys);
            var header = new byte[8 + 3];
            SpdyFrame.WriteDataHeader(header, 3, 0, 10);
            await peer.WriteAsync(header); // 3 of the 10 bytes, then the connection ends
        });

        await using var channels = await SpdyChannels.ConnectAsync(Url, stdin: false, stdout: true, stderr: false, tty: false, Setup, "c1", _testTimeout.Token);
        await server;
        var e = await Assert.ThrowsAsync<CriException>(async () => await channels.ReceiveAsync(_testTimeout.Token));

        Assert.Equal("CriStreamBroken", e.ErrorId);
        Assert.Equal(CriErrorCategory.ConnectionError, e.Category);
    }

    [Fact]
    public async Task CancelEndsAWaitingReceiveAtOnceAndClosesTheConnection()
    {
        var server = Task.Run(async () =>
        {
            await using var peer = await FakePeer.AcceptAsync(_listener, _testTimeout.Token);
            await peer.ReadRequestHeadAsync();
            await peer.AcceptUpgradeAsync();
            var streams = await peer.ReadSynStreamsAsync(2);
            await peer.ReplyAsync(streams.Keys);
            return await peer.ReadsEndOfStreamAsync();
        });

        await using var channels = await SpdyChannels.ConnectAsync(Url, stdin: false, stdout: true, stderr: false, tty: false, Setup, null, _testTimeout.Token);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await channels.ReceiveAsync(cancel.Token));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
        // The server learns at once: its read ends.
        Assert.True(await server);
    }

    [Fact]
    public async Task AServerThatNeverRepliesToTheStreamsTimesOut()
    {
        var server = Task.Run(async () =>
        {
            await using var peer = await FakePeer.AcceptAsync(_listener, _testTimeout.Token);
            await peer.ReadRequestHeadAsync();
            await peer.AcceptUpgradeAsync();
            await peer.ReadsEndOfStreamAsync();
        });

        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<CriException>(() =>
            SpdyChannels.ConnectAsync(Url, stdin: false, stdout: true, stderr: false, tty: false, TimeSpan.FromMilliseconds(500), "c1", _testTimeout.Token));
        await server;

        Assert.Equal("CriStreamTimeout", e.ErrorId);
        Assert.Equal(CriErrorCategory.OperationTimeout, e.Category);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(5));
    }

    [Theory]
    [InlineData("HTTP/1.1 404 Not Found\r\nContent-Length: 19\r\n\r\n404 page not found\n", "CriStreamUnavailable", "404")]
    [InlineData("HTTP/1.1 403 Forbidden\r\nX-Accepted-Stream-Protocol-Versions: v3.channel.k8s.io\r\nContent-Length: 0\r\n\r\n", "CriStreamProtocol", "v3.channel.k8s.io")]
    [InlineData("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v3.channel.k8s.io\r\n\r\n", "CriStreamProtocol", "v3.channel.k8s.io")]
    [InlineData("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n", "CriStreamProtocol", "websocket")]
    public async Task AnUpgradeTheServerRefusesOrAnswersWronglyFails(string response, string errorId, string mentioned)
    {
        var server = Task.Run(async () =>
        {
            await using var peer = await FakePeer.AcceptAsync(_listener, _testTimeout.Token);
            await peer.ReadRequestHeadAsync();
            await peer.WriteAsync(Encoding.ASCII.GetBytes(response));
            await peer.ReadsEndOfStreamAsync();
        });

        var e = await Assert.ThrowsAsync<CriException>(() =>
            SpdyChannels.ConnectAsync(Url, stdin: false, stdout: true, stderr: false, tty: false, Setup, "c1", _testTimeout.Token));
        await server;

        Assert.Equal(errorId, e.ErrorId);
        Assert.Contains(mentioned, e.Message);
        Assert.DoesNotContain("tok3n", e.Message); // the URL's token opens the container: never in an error
        Assert.Equal("c1", e.Target);
    }

    [Fact]
    public async Task AResponseHeadBeyond16KiBIsRefused()
    {
        var server = Task.Run(async () =>
        {
            await using var peer = await FakePeer.AcceptAsync(_listener, _testTimeout.Token);
            await peer.ReadRequestHeadAsync();
            var filler = "HTTP/1.1 101 Switching Protocols\r\n" + string.Concat(Enumerable.Repeat("X-Filler: 0123456789abcdef\r\n", 1000));
            try
            {
                await peer.WriteAsync(Encoding.ASCII.GetBytes(filler));
            }
            catch (IOException)
            {
                // The client may close before all of it is written.
            }
            await peer.ReadsEndOfStreamAsync();
        });

        var e = await Assert.ThrowsAsync<CriException>(() =>
            SpdyChannels.ConnectAsync(Url, stdin: false, stdout: true, stderr: false, tty: false, Setup, null, _testTimeout.Token));
        await server;

        Assert.Equal("CriStreamProtocol", e.ErrorId);
        Assert.Contains("16 KiB", e.Message);
    }

    [Fact]
    public async Task NothingListeningIsUnavailable()
    {
        _listener.Stop();
        var e = await Assert.ThrowsAsync<CriException>(() =>
            SpdyChannels.ConnectAsync(Url, stdin: false, stdout: true, stderr: false, tty: false, Setup, "c1", _testTimeout.Token));

        Assert.Equal("CriStreamUnavailable", e.ErrorId);
        Assert.Equal(CriErrorCategory.ConnectionError, e.Category);
    }

    private async Task<List<string>> ReceiveAllAsync(IStreamChannels channels)
    {
        var received = new List<string>();
        while (await channels.ReceiveAsync(_testTimeout.Token) is { } message)
            received.Add($"{message.Channel}:{Encoding.ASCII.GetString(message.Data.Span)}");
        return received;
    }

    /// <summary>The server's side of one connection.</summary>
    private sealed class FakePeer : IAsyncDisposable
    {
        private readonly TcpClient _client;
        private readonly NetworkStream _stream;
        private readonly CancellationToken _cancel;
        private readonly SpdyHeaderCompressor _compressor = new();

        private FakePeer(TcpClient client, CancellationToken cancel)
        {
            _client = client;
            _stream = client.GetStream();
            _cancel = cancel;
        }

        public static async Task<FakePeer> AcceptAsync(TcpListener listener, CancellationToken cancel) =>
            new(await listener.AcceptTcpClientAsync(cancel), cancel);

        public async Task<string> ReadRequestHeadAsync()
        {
            var head = new List<byte>();
            var one = new byte[1];
            while (!(head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
            {
                await _stream.ReadExactlyAsync(one, _cancel);
                head.Add(one[0]);
            }
            return Encoding.ASCII.GetString(head.ToArray());
        }

        public Task AcceptUpgradeAsync() => WriteAsync(Encoding.ASCII.GetBytes(
            "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n" +
            "Date: Sun, 06 Dec 2026 00:00:00 GMT\r\n\r\n"));

        /// <summary>Reads the client's SYN_STREAMs and decodes their header blocks from the one zlib stream: id → streamtype.</summary>
        public async Task<Dictionary<uint, string>> ReadSynStreamsAsync(int count)
        {
            var ids = new List<uint>();
            var compressed = new MemoryStream();
            for (var n = 0; n < count; n++)
            {
                var (frame, payload) = await ReadFrameAsync();
                Assert.True(frame.IsControl);
                Assert.Equal(SpdyFrame.TypeSynStream, frame.Type);
                Assert.Equal(SpdyFrame.Version, frame.Version);
                Assert.Equal(0, frame.Flags);
                ids.Add(BinaryPrimitives.ReadUInt32BigEndian(payload));
                Assert.Equal(0u, BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(4))); // no associated stream
                compressed.Write(payload.AsSpan(10));
            }
            compressed.Position = 0;
            using var inflater = new ZLibStream(compressed, CompressionMode.Decompress);
            var result = new Dictionary<uint, string>();
            foreach (var id in ids)
            {
                Assert.Equal(1u, ReadUInt32(inflater));
                Assert.Equal("streamtype", ReadString(inflater));
                result.Add(id, ReadString(inflater));
            }
            return result;
        }

        private static uint ReadUInt32(Stream stream)
        {
            var bytes = new byte[4];
            stream.ReadExactly(bytes);
            return BinaryPrimitives.ReadUInt32BigEndian(bytes);
        }

        private static string ReadString(Stream stream)
        {
            var bytes = new byte[ReadUInt32(stream)];
            stream.ReadExactly(bytes);
            return Encoding.ASCII.GetString(bytes);
        }

        public async Task ReplyAsync(IEnumerable<uint> ids)
        {
            foreach (var id in ids)
            {
                var block = _compressor.Compress(SpdyFrame.HeaderBlock([]));
                var frame = new byte[12 + block.Length];
                SpdyFrame.WriteControlHeader(frame, SpdyFrame.TypeSynReply, 0, 4 + block.Length);
                BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(8), id);
                block.CopyTo(frame, 12);
                await WriteAsync(frame);
            }
        }

        public async Task<(SpdyFrameHeader Frame, byte[] Payload)> ReadFrameAsync()
        {
            var header = new byte[8];
            await _stream.ReadExactlyAsync(header, _cancel);
            var frame = SpdyFrame.ReadHeader(header);
            var payload = new byte[frame.Length];
            await _stream.ReadExactlyAsync(payload, _cancel);
            return (frame, payload);
        }

        public async Task DataAsync(uint id, byte flags, byte[] data)
        {
            var frame = new byte[8 + data.Length];
            SpdyFrame.WriteDataHeader(frame, id, flags, data.Length);
            data.CopyTo(frame, 8);
            await WriteAsync(frame);
        }

        public async Task ResetAsync(uint id, uint status)
        {
            var frame = new byte[16];
            SpdyFrame.WriteControlHeader(frame, SpdyFrame.TypeRstStream, 0, 8);
            BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(8), id);
            BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(12), status);
            await WriteAsync(frame);
        }

        public async Task GoAwayAsync()
        {
            var frame = new byte[16];
            SpdyFrame.WriteControlHeader(frame, SpdyFrame.TypeGoAway, 0, 8);
            await WriteAsync(frame);
        }

        public async Task WriteAsync(byte[] bytes) => await _stream.WriteAsync(bytes, _cancel);

        /// <summary>True once the client has closed the connection (reads give end of stream or a reset).</summary>
        public async Task<bool> ReadsEndOfStreamAsync()
        {
            var sink = new byte[64 * 1024];
            try
            {
                while (await _stream.ReadAsync(sink, _cancel) > 0)
                {
                }
            }
            catch (IOException)
            {
                // A reset is an end too.
            }
            return true;
        }

        public ValueTask DisposeAsync()
        {
            _compressor.Dispose();
            _client.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
