using System.Buffers;
using System.Net.WebSockets;

namespace CriPS.Engine.Streaming;

/// <summary>
/// The channel.k8s.io framing over a WebSocket: each binary message starts with its channel's number. This is what
/// the streaming servers of containerd, CRI-O and cri-dockerd serve for exec, attach and port-forward (the kubelet's
/// streaming package): v4.channel.k8s.io, where stdin cannot be closed on its own (piped stdin goes over SPDY, see
/// CriClient.OpenStreamAsync). v5 is offered first for servers that may take it; none here does (docs/compatibility.md).
/// </summary>
internal sealed class ChannelSocket : IStreamChannels
{
    public const string V5 = "v5.channel.k8s.io";
    public const string V4 = "v4.channel.k8s.io";
    /// <summary>The newest first: servers take the first protocol of the list they know.</summary>
    public static readonly string[] ExecProtocols = [V5, V4];
    public static readonly string[] PortForwardProtocols = [V4];

    /// <summary>
    /// A message is at most this long. Servers write what one read of the process's output gave (32 KiB in Go's
    /// io.Copy); anything far larger is not a streaming server's and is refused before it is held in memory.
    /// </summary>
    internal const int MaxMessageBytes = 1 << 20;

    private static readonly TimeSpan CloseWait = TimeSpan.FromSeconds(1);

    private readonly ClientWebSocket _socket;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private byte[] _buffer = new byte[32 * 1024];

    private ChannelSocket(ClientWebSocket socket) => _socket = socket;

    public string Protocol => _socket.SubProtocol ?? "";

    /// <summary>
    /// Opens the WebSocket at the URL a runtime gave for exec, attach or port-forward. <paramref name="setup"/> bounds
    /// the connection and the handshake only; the stream itself lasts as long as the caller keeps it.
    /// </summary>
    public static async Task<ChannelSocket> ConnectAsync(Uri url, IReadOnlyList<string> protocols, TimeSpan setup, object? target,
        CancellationToken cancel)
    {
        var socket = new ClientWebSocket();
        foreach (var protocol in protocols)
            socket.Options.AddSubProtocol(protocol);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(setup);
        try
        {
            await socket.ConnectAsync(ToWebSocketUri(url), deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or HttpRequestException)
        {
            socket.Dispose();
            cancel.ThrowIfCancellationRequested();
            throw e is OperationCanceledException
                ? new CriException("CriStreamTimeout", CriErrorCategory.OperationTimeout,
                    $"The runtime's streaming server at {url.GetLeftPart(UriPartial.Authority)} did not open the stream within {setup.TotalSeconds:0} s; raise -TimeoutSec if it is just slow.", target)
                : new CriException("CriStreamUnavailable", CriErrorCategory.ConnectionError,
                    $"The runtime's streaming server at {url.GetLeftPart(UriPartial.Authority)} refused the stream: {e.Message}", target, e);
        }
        if (socket.SubProtocol is not { } chosen || !protocols.Contains(chosen))
        {
            socket.Abort();
            socket.Dispose();
            throw new CriException("CriStreamProtocol", CriErrorCategory.ProtocolError,
                $"The runtime's streaming server at {url.GetLeftPart(UriPartial.Authority)} speaks none of {string.Join(", ", protocols)}.", target);
        }
        return new ChannelSocket(socket);
    }

    /// <summary>The runtimes give http:// (or https://) URLs; the same address answers the WebSocket upgrade.</summary>
    internal static Uri ToWebSocketUri(Uri url) => url.Scheme switch
    {
        "http" => new UriBuilder(url) { Scheme = "ws", Port = url.Port }.Uri,
        "https" => new UriBuilder(url) { Scheme = "wss", Port = url.Port }.Uri,
        "ws" or "wss" => url,
        _ => throw new CriException("CriStreamProtocol", CriErrorCategory.ProtocolError,
            $"The runtime gave a streaming URL CriPS cannot open: {url.GetLeftPart(UriPartial.Path)}", null),
    };

    public async Task SendAsync(byte channel, ReadOnlyMemory<byte> data, CancellationToken cancel)
    {
        var message = ArrayPool<byte>.Shared.Rent(data.Length + 1);
        try
        {
            message[0] = channel;
            data.CopyTo(message.AsMemory(1));
            // One message at a time: stdin and resizes come from different tasks, and a WebSocket takes one send at once.
            await _sendLock.WaitAsync(cancel).ConfigureAwait(false);
            try
            {
                await _socket.SendAsync(message.AsMemory(0, data.Length + 1), WebSocketMessageType.Binary, true, cancel).ConfigureAwait(false);
            }
            finally
            {
                _sendLock.Release();
            }
        }
        catch (WebSocketException e)
        {
            throw Broken(e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(message);
        }
    }

    public Task CloseInputAsync(CancellationToken cancel) =>
        throw new InvalidOperationException("Streams whose stdin must end are opened over SPDY, not WebSocket.");

    public async ValueTask<ChannelMessage?> ReceiveAsync(CancellationToken cancel)
    {
        while (true)
        {
            var length = 0;
            while (true)
            {
                if (length == _buffer.Length)
                {
                    if (_buffer.Length >= MaxMessageBytes)
                        throw new CriException("CriStreamMessageTooLarge", CriErrorCategory.LimitsExceeded,
                            $"The streaming server sent a message larger than {MaxMessageBytes / 1024} KiB; the stream was closed.", null);
                    Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, MaxMessageBytes));
                }
                ValueWebSocketReceiveResult result;
                try
                {
                    result = await _socket.ReceiveAsync(_buffer.AsMemory(length), cancel).ConfigureAwait(false);
                }
                catch (WebSocketException e) when (e.WebSocketErrorCode == WebSocketError.ConnectionClosedPrematurely)
                {
                    // Servers end a finished stream by closing the connection without a close frame.
                    return null;
                }
                catch (WebSocketException e)
                {
                    throw Broken(e);
                }
                if (result.MessageType == WebSocketMessageType.Close)
                    return null;
                length += result.Count;
                if (result.EndOfMessage)
                    break;
            }
            // An empty message carries nothing; a message of its channel byte alone opens the stream (no data).
            if (length > 0)
                return new ChannelMessage(_buffer[0], _buffer.AsMemory(1, length - 1));
        }
    }

    private static CriException Broken(WebSocketException e) =>
        new("CriStreamBroken", CriErrorCategory.ConnectionError, $"The stream to the runtime broke: {e.Message}", null, e);

    public async ValueTask DisposeAsync()
    {
        if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            // Ends the stream on the server's side too (the process of an attach keeps running; an exec's gets SIGHUP
            // where it has a terminal), but never waits long for a server that does not answer.
            using var wait = new CancellationTokenSource(CloseWait);
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, wait.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
                // The server already went: nothing is left to end.
            }
        }
        _socket.Dispose();
        _sendLock.Dispose();
    }
}
