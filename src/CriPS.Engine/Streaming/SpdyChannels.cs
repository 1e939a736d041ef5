using System.Buffers;
using System.Buffers.Binary;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace CriPS.Engine.Streaming;

/// <summary>
/// The channels of an exec or attach stream over SPDY/3.1, as crictl and the kubelet's clients open it: one SPDY
/// stream per channel, so stdin can be closed on its own (a DATA frame with FLAG_FIN) and the command reads end of
/// file, which the runtimes' WebSocket protocols cannot do (they serve v4.channel.k8s.io at most).
/// Minimal on purpose: the servers (moby/spdystream) do no flow control, never open streams towards the client and
/// send no SETTINGS, so neither does this.
/// </summary>
internal sealed class SpdyChannels : IStreamChannels
{
    /// <summary>The one protocol asked for: its status channel carries the exit code as JSON (a Kubernetes Status).</summary>
    public const string V4 = "v4.channel.k8s.io";

    /// <summary>The runtime's reply to the upgrade is a status line and a few headers; more is not a streaming server.</summary>
    internal const int MaxResponseHeadBytes = 16 * 1024;

    /// <summary>
    /// A frame's payload is at most this long. Servers send what one read of the process's output gave (32 KiB in Go's
    /// io.Copy); anything far larger is refused before it is held in memory.
    /// </summary>
    internal const int MaxFrameBytes = 1 << 20;

    /// <summary>stdin is sent in frames of this size, what the servers' own copy loops use.</summary>
    internal const int SendChunkBytes = 32 * 1024;

    private static readonly TimeSpan PingAnswerWait = TimeSpan.FromSeconds(1);

    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly Uri _url;
    private readonly object? _target;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly uint[] _streamOfChannel = new uint[5];
    private readonly Dictionary<uint, byte> _channelOfStream = new();
    /// <summary>The streams the server may still send on (status, stdout, stderr), until it FINs or resets them.</summary>
    private readonly HashSet<uint> _serverOpen = new();
    private readonly Queue<(byte Channel, byte[] Data)> _early = new();
    private readonly byte[] _in = new byte[MaxResponseHeadBytes];
    private readonly byte[] _head = new byte[SpdyFrame.HeaderLength];
    private int _inStart;
    private int _inEnd;
    private byte[] _payload = new byte[32 * 1024];
    private readonly Dictionary<string, int> _framesReceived = new();
    private bool _ended;
    private bool _inputClosed;
    /// <summary>The server reset stdin (it does so as it ends the session): what is still sent there is dropped.</summary>
    private volatile bool _inputReset;
    private volatile bool _cancelled;
    private int _disposed;

    private SpdyChannels(Socket socket, Stream stream, Uri url, object? target)
    {
        _socket = socket;
        _stream = stream;
        _url = url;
        _target = target;
    }

    public string Protocol => V4;

    private string Server => _url.GetLeftPart(UriPartial.Authority);

    /// <summary>How many frames of each kind the server sent so far (DATA, SYN_REPLY, ...): what the live tests report.</summary>
    internal IReadOnlyDictionary<string, int> FramesReceived => _framesReceived;

    /// <summary>
    /// Opens the stream at the URL a runtime gave for exec or attach, with the channels the request to the runtime
    /// asked for (the server waits for exactly those). <paramref name="setup"/> bounds the connection, the upgrade and
    /// the streams' creation; the stream itself lasts as long as the caller keeps it.
    /// </summary>
    public static async Task<SpdyChannels> ConnectAsync(Uri url, bool stdin, bool stdout, bool stderr, bool tty, TimeSpan setup,
        object? target, CancellationToken cancel)
    {
        if (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https"))
            throw new CriException("CriStreamProtocol", CriErrorCategory.ProtocolError,
                $"The runtime gave a streaming URL CriPS cannot open over SPDY: {(url.IsAbsoluteUri ? url.GetLeftPart(UriPartial.Authority) : "a relative URL")}", target);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(setup);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        SpdyChannels? channels = null;
        try
        {
            Stream stream;
            try
            {
                await socket.ConnectAsync(url.DnsSafeHost, url.Port, deadline.Token).ConfigureAwait(false);
                stream = new NetworkStream(socket, ownsSocket: false);
                if (url.Scheme == "https")
                {
                    var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                    stream = tls;
                    await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = url.DnsSafeHost }, deadline.Token)
                        .ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is SocketException or IOException or System.Security.Authentication.AuthenticationException)
            {
                throw new CriException("CriStreamUnavailable", CriErrorCategory.ConnectionError,
                    $"The runtime's streaming server at {url.GetLeftPart(UriPartial.Authority)} refused the stream: {e.Message}", target, e);
            }
            channels = new SpdyChannels(socket, stream, url, target);
            await channels.UpgradeAsync(deadline.Token).ConfigureAwait(false);
            await channels.OpenStreamsAsync(stdin, stdout, stderr && !tty, tty, deadline.Token).ConfigureAwait(false);
            return channels;
        }
        catch (Exception e)
        {
            if (channels is not null)
                await channels.DisposeAsync().ConfigureAwait(false);
            else
                socket.Dispose();
            cancel.ThrowIfCancellationRequested();
            if (e is OperationCanceledException || (deadline.IsCancellationRequested && e is not CriException))
                throw new CriException("CriStreamTimeout", CriErrorCategory.OperationTimeout,
                    $"The runtime's streaming server at {url.GetLeftPart(UriPartial.Authority)} did not open the stream within {setup.TotalSeconds:0} s; raise -TimeoutSec if it is just slow.", target);
            throw;
        }
    }

    /// <summary>
    /// The HTTP/1.1 upgrade, as client-go sends it: a POST (the URL's token was issued for this one request) asking
    /// for SPDY/3.1 and the subprotocol; the server answers 101 with the subprotocol it chose, then speaks SPDY.
    /// </summary>
    private async Task UpgradeAsync(CancellationToken cancel)
    {
        var request = $"POST {_url.PathAndQuery} HTTP/1.1\r\nHost: {_url.Authority}\r\nUser-Agent: CriPS\r\nContent-Length: 0\r\n" +
                      $"Connection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: {V4}\r\n\r\n";
        await WriteRawAsync(Encoding.ASCII.GetBytes(request), cancel).ConfigureAwait(false);

        var headLength = await ReadResponseHeadAsync(cancel).ConfigureAwait(false);
        var (status, reason, headers) = ParseResponseHead(Encoding.ASCII.GetString(_in, 0, headLength));
        // What follows the head is the server's first frames (or, on a refusal, its message).
        _inStart = headLength;
        if (status != 101)
        {
            var body = Encoding.UTF8.GetString(_in, _inStart, Math.Min(_inEnd - _inStart, 300)).Trim();
            var said = body.Length > 0 ? $": {new string(body.Select(c => char.IsControl(c) ? ' ' : c).ToArray())}" : "";
            if (status == 403 && headers.ContainsKey("x-accepted-stream-protocol-versions"))
                throw new CriException("CriStreamProtocol", CriErrorCategory.ProtocolError,
                    $"The runtime's streaming server at {Server} does not speak {V4} over SPDY (it accepts {headers["x-accepted-stream-protocol-versions"]}).", _target);
            throw new CriException("CriStreamUnavailable", CriErrorCategory.ConnectionError,
                $"The runtime's streaming server at {Server} refused the stream: HTTP {status} {reason}{said}", _target);
        }
        if (!headers.TryGetValue("upgrade", out var upgrade) || !upgrade.Contains("SPDY/3.1", StringComparison.OrdinalIgnoreCase))
            throw new CriException("CriStreamProtocol", CriErrorCategory.ProtocolError,
                $"The runtime's streaming server at {Server} switched to '{upgrade}', not SPDY/3.1.", _target);
        if (!headers.TryGetValue("x-stream-protocol-version", out var chosen) || chosen.Trim() != V4)
            throw new CriException("CriStreamProtocol", CriErrorCategory.ProtocolError,
                $"The runtime's streaming server at {Server} chose '{chosen}', not {V4}.", _target);
    }

    /// <summary>Reads up to the blank line that ends the response head; its length, within <see cref="MaxResponseHeadBytes"/>.</summary>
    private async Task<int> ReadResponseHeadAsync(CancellationToken cancel)
    {
        while (true)
        {
            var end = _in.AsSpan(0, _inEnd).IndexOf("\r\n\r\n"u8);
            if (end >= 0)
                return end + 4;
            if (_inEnd == _in.Length)
                throw new CriException("CriStreamProtocol", CriErrorCategory.ProtocolError,
                    $"The runtime's streaming server at {Server} answered with a head longer than {MaxResponseHeadBytes / 1024} KiB; not a streaming server.", _target);
            var read = await ReadRawAsync(_in.AsMemory(_inEnd), cancel).ConfigureAwait(false);
            if (read == 0)
                throw new CriException("CriStreamUnavailable", CriErrorCategory.ConnectionError,
                    $"The runtime's streaming server at {Server} closed the connection before it answered.", _target);
            _inEnd += read;
        }
    }

    internal static (int Status, string Reason, Dictionary<string, string> Headers) ParseResponseHead(string head)
    {
        var lines = head.Split("\r\n");
        var statusLine = lines[0].Split(' ', 3);
        if (statusLine.Length < 2 || !statusLine[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || !int.TryParse(statusLine[1], out var status))
            throw new CriException("CriStreamProtocol", CriErrorCategory.ProtocolError,
                "The runtime's streaming server did not answer in HTTP/1.1.", null);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0)
                continue;
            var name = line[..colon].Trim().ToLowerInvariant();
            var value = line[(colon + 1)..].Trim();
            headers[name] = headers.TryGetValue(name, out var earlier) ? $"{earlier}, {value}" : value;
        }
        return (status, statusLine.Length > 2 ? statusLine[2] : "", headers);
    }

    /// <summary>
    /// Creates the streams in client-go's order (the status first, then stdin, stdout, stderr, resize), each named by
    /// its streamType header, and waits for the server's SYN_REPLY to each: it starts the command once it has all.
    /// </summary>
    private async Task OpenStreamsAsync(bool stdin, bool stdout, bool stderr, bool tty, CancellationToken cancel)
    {
        var wanted = new List<(byte Channel, string Type)> { (StreamChannel.Status, "error") };
        if (stdin)
            wanted.Add((StreamChannel.Stdin, "stdin"));
        if (stdout)
            wanted.Add((StreamChannel.Stdout, "stdout"));
        if (stderr)
            wanted.Add((StreamChannel.Stderr, "stderr"));
        if (tty)
            wanted.Add((StreamChannel.Resize, "resize"));

        using var compressor = new SpdyHeaderCompressor();
        using var frames = new MemoryStream();
        uint id = 1;
        foreach (var (channel, type) in wanted)
        {
            var block = SpdyFrame.HeaderBlock([new("streamtype", type)]);
            frames.Write(SpdyFrame.SynStream(id, compressor.Compress(block)));
            _streamOfChannel[channel] = id;
            _channelOfStream[id] = channel;
            if (channel is StreamChannel.Status or StreamChannel.Stdout or StreamChannel.Stderr)
                _serverOpen.Add(id);
            // Client-initiated streams have odd ids, increasing.
            id += 2;
        }
        // All at once: the server takes them in any order and replies to each.
        await WriteRawAsync(frames.ToArray(), cancel).ConfigureAwait(false);

        var unanswered = new HashSet<uint>(_channelOfStream.Keys);
        while (unanswered.Count > 0)
        {
            if (!await ReadFrameHeaderAsync(cancel).ConfigureAwait(false))
                throw new CriException("CriStreamUnavailable", CriErrorCategory.ConnectionError,
                    $"The runtime's streaming server at {Server} closed the connection before it accepted the streams.", _target);
            var frame = SpdyFrame.ReadHeader(_head);
            if (frame.IsControl && frame.Type == SpdyFrame.TypeSynReply)
            {
                if (frame.Length < 4)
                    throw FrameError(frame);
                var payload = await ReadPayloadAsync(frame.Length, cancel).ConfigureAwait(false);
                var stream = BinaryPrimitives.ReadUInt32BigEndian(payload.Span) & SpdyFrame.MaxStreamId;
                // The reply's header block (empty from these servers) is not needed: it is skipped by its length, so
                // no decompressor for the server's zlib stream is kept either.
                unanswered.Remove(stream);
                if ((frame.Flags & SpdyFrame.FlagFin) != 0)
                    _serverOpen.Remove(stream);
                continue;
            }
            if (frame.IsControl && frame.Type == SpdyFrame.TypeRstStream)
            {
                var (stream, status) = await ReadResetAsync(frame, cancel).ConfigureAwait(false);
                throw new CriException("CriStreamProtocol", CriErrorCategory.ProtocolError,
                    $"The runtime's streaming server at {Server} refused the {Describe(stream)} stream ({SpdyFrame.StatusName(status)}).", _target);
            }
            if (frame.IsControl && frame.Type == SpdyFrame.TypeGoAway)
                throw new CriException("CriStreamUnavailable", CriErrorCategory.ConnectionError,
                    $"The runtime's streaming server at {Server} ended the connection (GOAWAY) before it accepted the streams.", _target);
            // Anything else the server might send this early (data, pings) is handled as it will be later.
            if (await HandleFrameAsync(frame, cancel).ConfigureAwait(false) is { } early)
                _early.Enqueue((early.Channel, early.Data.ToArray()));
        }
    }

    public async Task SendAsync(byte channel, ReadOnlyMemory<byte> data, CancellationToken cancel)
    {
        if (channel is not (StreamChannel.Stdin or StreamChannel.Resize) || _streamOfChannel[channel] == 0)
            throw new InvalidOperationException($"Channel {channel} was not opened for sending.");
        if (channel == StreamChannel.Stdin && _inputClosed)
            throw new InvalidOperationException("stdin was already closed.");
        if (channel == StreamChannel.Stdin && _inputReset)
            return;
        var stream = _streamOfChannel[channel];
        var frame = ArrayPool<byte>.Shared.Rent(SpdyFrame.HeaderLength + Math.Min(data.Length, SendChunkBytes));
        try
        {
            for (var at = 0; at < data.Length; at += SendChunkBytes)
            {
                var chunk = data.Slice(at, Math.Min(SendChunkBytes, data.Length - at));
                SpdyFrame.WriteDataHeader(frame, stream, 0, chunk.Length);
                chunk.CopyTo(frame.AsMemory(SpdyFrame.HeaderLength));
                await SendFrameAsync(frame.AsMemory(0, SpdyFrame.HeaderLength + chunk.Length), cancel).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    public async Task CloseInputAsync(CancellationToken cancel)
    {
        if (_streamOfChannel[StreamChannel.Stdin] == 0)
            throw new InvalidOperationException("stdin was not opened.");
        if (_inputClosed || _inputReset)
            return;
        _inputClosed = true;
        await SendFrameAsync(SpdyFrame.DataFin(_streamOfChannel[StreamChannel.Stdin]), cancel).ConfigureAwait(false);
    }

    public async ValueTask<ChannelMessage?> ReceiveAsync(CancellationToken cancel)
    {
        if (_early.TryDequeue(out var early))
            return new ChannelMessage(early.Channel, early.Data);
        while (!_ended)
        {
            if (!await ReadFrameHeaderAsync(cancel).ConfigureAwait(false))
            {
                // The server closes the connection once it has sent the status: that is the stream's end.
                _ended = true;
                break;
            }
            if (await HandleFrameAsync(SpdyFrame.ReadHeader(_head), cancel).ConfigureAwait(false) is { } message)
                return message;
        }
        return null;
    }

    /// <summary>Acts on one frame whose header was read; a message when it carried data for the caller.</summary>
    private async ValueTask<ChannelMessage?> HandleFrameAsync(SpdyFrameHeader frame, CancellationToken cancel)
    {
        if (frame.Length > MaxFrameBytes)
        {
            Abort();
            throw new CriException("CriStreamMessageTooLarge", CriErrorCategory.LimitsExceeded,
                $"The streaming server sent a frame larger than {MaxFrameBytes / 1024} KiB ({frame.Length} bytes); the stream was closed.", _target);
        }
        if (!frame.IsControl)
        {
            var data = await ReadPayloadAsync(frame.Length, cancel).ConfigureAwait(false);
            if (!_channelOfStream.TryGetValue(frame.StreamId, out var channel) || !_serverOpen.Contains(frame.StreamId))
                return null; // Data on a stream the server may not send on (or no longer): ignored, as spdystream does.
            if ((frame.Flags & SpdyFrame.FlagFin) != 0)
                FinishServerStream(frame.StreamId);
            return data.Length > 0 ? new ChannelMessage(channel, data) : null;
        }
        if (frame.Version != SpdyFrame.Version)
            throw FrameError(frame);
        switch (frame.Type)
        {
            case SpdyFrame.TypeRstStream:
            {
                var (stream, status) = await ReadResetAsync(frame, cancel).ConfigureAwait(false);
                // CANCEL is how the server ends a finished session (it resets every stream, then closes); anything
                // else means the stream failed.
                if (status != SpdyFrame.StatusCancel && _channelOfStream.ContainsKey(stream))
                    throw new CriException("CriStreamBroken", CriErrorCategory.ConnectionError,
                        $"The runtime's streaming server at {Server} reset the {Describe(stream)} stream ({SpdyFrame.StatusName(status)}).", _target);
                if (stream == _streamOfChannel[StreamChannel.Stdin])
                    _inputReset = true;
                FinishServerStream(stream);
                return null;
            }
            case SpdyFrame.TypePing:
            {
                if (frame.Length != 4)
                    throw FrameError(frame);
                var id = BinaryPrimitives.ReadUInt32BigEndian((await ReadPayloadAsync(4, cancel).ConfigureAwait(false)).Span);
                // The server's pings have even ids and want the same frame back; odd ones answer ours (none are sent).
                // Answered on the side: a send may be waiting for the server to read, which it does only while this reads on.
                if (id % 2 == 0)
                    _ = AnswerPingAsync(id);
                return null;
            }
            case SpdyFrame.TypeGoAway:
                await ReadPayloadAsync(frame.Length, cancel).ConfigureAwait(false);
                // The server sends nothing more: what it had to say came before.
                _ended = true;
                return null;
            case SpdyFrame.TypeSynStream:
                // The servers never open streams towards a client; one that does gets nothing.
                await ReadPayloadAsync(frame.Length, cancel).ConfigureAwait(false);
                return null;
            default:
            {
                // SYN_REPLY (late), HEADERS, SETTINGS, WINDOW_UPDATE (no flow control here or on the server) and
                // types SPDY adds later: skipped by length; a FIN on a reply or HEADERS still ends its stream.
                var payload = await ReadPayloadAsync(frame.Length, cancel).ConfigureAwait(false);
                if (frame.Type is SpdyFrame.TypeSynReply or SpdyFrame.TypeHeaders && (frame.Flags & SpdyFrame.FlagFin) != 0 && payload.Length >= 4)
                    FinishServerStream(BinaryPrimitives.ReadUInt32BigEndian(payload.Span) & SpdyFrame.MaxStreamId);
                return null;
            }
        }
    }

    private void FinishServerStream(uint stream)
    {
        if (_serverOpen.Remove(stream) && _serverOpen.Count == 0)
            _ended = true;
    }

    private async ValueTask<(uint Stream, uint Status)> ReadResetAsync(SpdyFrameHeader frame, CancellationToken cancel)
    {
        if (frame.Length != 8)
            throw FrameError(frame);
        var payload = await ReadPayloadAsync(8, cancel).ConfigureAwait(false);
        return (BinaryPrimitives.ReadUInt32BigEndian(payload.Span) & SpdyFrame.MaxStreamId, BinaryPrimitives.ReadUInt32BigEndian(payload.Span[4..]));
    }

    private string Describe(uint stream) => _channelOfStream.TryGetValue(stream, out var channel)
        ? channel switch
        {
            StreamChannel.Stdin => "stdin",
            StreamChannel.Stdout => "stdout",
            StreamChannel.Stderr => "stderr",
            StreamChannel.Status => "status",
            _ => "resize",
        }
        : $"unknown ({stream})";

    private CriException FrameError(SpdyFrameHeader frame)
    {
        Abort();
        return new CriException("CriStreamProtocol", CriErrorCategory.ProtocolError,
            $"The runtime's streaming server at {Server} sent a malformed SPDY frame ({SpdyFrame.TypeName(frame.Type)}, version {frame.Version}, {frame.Length} bytes).", _target);
    }

    private async Task AnswerPingAsync(uint id)
    {
        try
        {
            using var wait = new CancellationTokenSource(PingAnswerWait);
            await SendFrameAsync(SpdyFrame.Ping(id), wait.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is CriException or OperationCanceledException or ObjectDisposedException)
        {
            // A connection that cannot take a ping's answer fails the next read or send, which report it.
        }
    }

    /// <summary>False at a clean end of the connection between frames.</summary>
    private async ValueTask<bool> ReadFrameHeaderAsync(CancellationToken cancel)
    {
        if (!await ReadExactAsync(_head, mayEnd: true, cancel).ConfigureAwait(false))
            return false;
        var frame = SpdyFrame.ReadHeader(_head);
        var kind = frame.IsControl ? SpdyFrame.TypeName(frame.Type) : "DATA";
        _framesReceived[kind] = _framesReceived.GetValueOrDefault(kind) + 1;
        return true;
    }

    /// <summary>The payload, valid until the next read.</summary>
    private async ValueTask<ReadOnlyMemory<byte>> ReadPayloadAsync(int length, CancellationToken cancel)
    {
        if (length > _payload.Length)
            _payload = new byte[Math.Min(Math.Max(length, _payload.Length * 2), MaxFrameBytes)];
        await ReadExactAsync(_payload.AsMemory(0, length), mayEnd: false, cancel).ConfigureAwait(false);
        return _payload.AsMemory(0, length);
    }

    private async ValueTask<bool> ReadExactAsync(Memory<byte> destination, bool mayEnd, CancellationToken cancel)
    {
        var got = 0;
        while (got < destination.Length)
        {
            if (_inStart == _inEnd)
            {
                _inStart = 0;
                _inEnd = await ReadRawAsync(_in, cancel).ConfigureAwait(false);
                if (_inEnd == 0)
                {
                    if (mayEnd && got == 0)
                        return false;
                    throw new CriException("CriStreamBroken", CriErrorCategory.ConnectionError,
                        $"The runtime's streaming server at {Server} closed the connection in the middle of a frame.", _target);
                }
            }
            var count = Math.Min(destination.Length - got, _inEnd - _inStart);
            _in.AsSpan(_inStart, count).CopyTo(destination.Span[got..]);
            _inStart += count;
            got += count;
        }
        return true;
    }

    private async ValueTask<int> ReadRawAsync(Memory<byte> buffer, CancellationToken cancel)
    {
        try
        {
            return await _stream.ReadAsync(buffer, cancel).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            throw Failed(e, cancel);
        }
    }

    private async Task SendFrameAsync(ReadOnlyMemory<byte> frame, CancellationToken cancel)
    {
        // One frame at a time: stdin, resizes and ping answers come from different tasks, and frames must not interleave.
        await _sendLock.WaitAsync(cancel).ConfigureAwait(false);
        try
        {
            await WriteRawAsync(frame, cancel).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task WriteRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancel)
    {
        try
        {
            await _stream.WriteAsync(bytes, cancel).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // A write fails when the server has closed: a process that ended without reading all its input. What it
            // sent before (the last output, the exit status) is still to be read, so the connection stays for the reader.
            throw Failed(e, cancel, abort: false);
        }
    }

    /// <summary>
    /// Ctrl+C ends the whole stream, not one call: the connection is closed so the server's side ends too and every
    /// other call on it returns. Anything else that failed the connection broke it.
    /// </summary>
    private Exception Failed(Exception e, CancellationToken cancel, bool abort = true)
    {
        if (cancel.IsCancellationRequested || _cancelled)
        {
            _cancelled = true;
            Abort();
            return e as OperationCanceledException ?? new OperationCanceledException(cancel);
        }
        if (abort)
            Abort();
        return new CriException("CriStreamBroken", CriErrorCategory.ConnectionError, $"The stream to the runtime broke: {e.Message}", _target, e);
    }

    private void Abort()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already gone.
        }
        _socket.Close();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        // Closing the connection is the end the server understands at once: its SPDY session ends and every stream
        // reads end of file. (A GOAWAY first would change nothing: the server still waits for the connection's end.)
        Abort();
        try
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // Nothing left to flush to a closed connection.
        }
        _socket.Dispose();
        _sendLock.Dispose();
    }
}
