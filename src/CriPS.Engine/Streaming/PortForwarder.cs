using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CriPS.Engine.Streaming;

/// <summary>
/// Start-CriPortForward's work: local listeners, and for each accepted connection one port-forward stream on the
/// runtime's streaming server (v4.channel.k8s.io: channel 0 the data both ways, channel 1 the server's error text;
/// the first message of each channel is the port, 2 bytes little-endian). v4 cannot close one direction alone, so a
/// client that ends its side ends the whole connection.
/// </summary>
internal sealed class PortForwarder
{
    private const int BufferBytes = 32 * 1024;
    /// <summary>The server's error text is a line or two; more is cut, so a hostile server cannot fill memory.</summary>
    private const int MaxErrorBytes = 4 * 1024;
    private static readonly TimeSpan AcceptRetryDelay = TimeSpan.FromMilliseconds(100);

    private readonly CriClient _client;
    private readonly string _podId;
    private readonly IPAddress _address;
    private readonly IReadOnlyList<PortForwardMapping> _mappings;
    private readonly Func<PortForward, Task> _listening;
    private readonly Action<string> _verbose;
    private readonly Action<CriException> _error;
    private int _connections;
    private CriException? _fatal;

    public PortForwarder(CriClient client, string podId, IPAddress address, IReadOnlyList<PortForwardMapping> mappings,
        Func<PortForward, Task> listening, Action<string> verbose, Action<CriException> error)
    {
        _client = client;
        _podId = podId;
        _address = address;
        _mappings = mappings;
        _listening = listening;
        _verbose = verbose;
        _error = error;
    }

    public async Task RunAsync(CancellationToken cancel)
    {
        // Every port listens before any is reported or forwarded: one in use fails the whole command, as crictl does.
        var listeners = new List<(TcpListener Listener, PortForward Forward)>();
        try
        {
            foreach (var mapping in _mappings)
                listeners.Add(Listen(mapping));
            foreach (var forward in listeners)
                await _listening(forward.Forward).ConfigureAwait(false);
            // The pod's removal (its streams then fail with CriPodNotFound) ends every loop through this.
            using var run = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            await Task.WhenAll(listeners.Select(l => AcceptAsync(l.Listener, l.Forward, run))).ConfigureAwait(false);
        }
        finally
        {
            foreach (var (listener, _) in listeners)
                listener.Stop();
        }
        if (_fatal is not null)
            throw _fatal;
        cancel.ThrowIfCancellationRequested();
    }

    private (TcpListener, PortForward) Listen(PortForwardMapping mapping)
    {
        var listener = new TcpListener(_address, mapping.LocalPort);
        var where = new IPEndPoint(_address, mapping.LocalPort).ToString();
        try
        {
            listener.Start();
        }
        catch (SocketException e)
        {
            listener.Stop();
            throw e.SocketErrorCode switch
            {
                SocketError.AddressAlreadyInUse => new CriException("CriPortInUse", CriErrorCategory.ResourceExists,
                    $"Local port {where} is already in use; choose another local port, or :{mapping.PodPort} for a free one. Nothing was forwarded.", where, e),
                SocketError.AccessDenied => new CriException("CriPortForwardListenDenied", CriErrorCategory.PermissionDenied,
                    $"Listening on {where} was refused: {e.Message}. Ports below 1024 need root. Nothing was forwarded.", where, e),
                _ => new CriException("CriPortForwardListenFailed", CriErrorCategory.ResourceUnavailable,
                    $"Cannot listen on {where}: {e.Message}. Nothing was forwarded.", where, e),
            };
        }
        var bound = (IPEndPoint)listener.LocalEndpoint;
        return (listener, _client.StampPortForward(new PortForward
        {
            PodId = _podId,
            LocalAddress = bound.Address.ToString(),
            LocalPort = bound.Port,
            PodPort = mapping.PodPort,
        }));
    }

    private async Task AcceptAsync(TcpListener listener, PortForward forward, CancellationTokenSource run)
    {
        var connections = new HashSet<Task>();
        try
        {
            while (true)
            {
                Socket local;
                try
                {
                    local = await listener.AcceptSocketAsync(run.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (run.IsCancellationRequested)
                {
                    break;
                }
                catch (SocketException e)
                {
                    // Out of descriptors, or a connection reset before it was accepted: the listener itself goes on.
                    _error(new CriException("CriPortForwardAcceptFailed", CriErrorCategory.ResourceUnavailable,
                        $"Accepting a connection on {listener.LocalEndpoint} failed: {e.Message}", forward, e));
                    await Task.WhenAny(Task.Delay(AcceptRetryDelay, run.Token)).ConfigureAwait(false);
                    continue;
                }
                var connection = ForwardAsync(local, forward, Interlocked.Increment(ref _connections), run);
                lock (connections)
                    connections.Add(connection);
                _ = connection.ContinueWith(t => { lock (connections) connections.Remove(t); }, TaskScheduler.Default);
            }
        }
        finally
        {
            // The listener closes first, so no connection is accepted while the open ones end.
            listener.Stop();
            Task[] open;
            lock (connections)
                open = connections.ToArray();
            await Task.WhenAll(open).ConfigureAwait(false);
        }
    }

    private async Task ThrowIfPodGoneAsync(CancellationToken cancel) =>
        await _client.GetPodAsync(_podId, cancel).ConfigureAwait(false);

    /// <summary>After a failed connection: a removed pod ends the whole forward (CriPodNotFound), as no connection can reach it.</summary>
    private async Task<bool> IsPodGoneAsync(CancellationTokenSource run)
    {
        try
        {
            await ThrowIfPodGoneAsync(run.Token).ConfigureAwait(false);
            return false;
        }
        catch (CriException e) when (e.ErrorId == "CriPodNotFound")
        {
            Interlocked.CompareExchange(ref _fatal, e, null);
            run.Cancel();
            return true;
        }
        catch (Exception e) when (e is CriException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>One accepted connection, to its end. Never throws: its failures are reported, the forward goes on.</summary>
    private async Task ForwardAsync(Socket local, PortForward forward, int number, CancellationTokenSource run)
    {
        var name = $"Connection {number} from {local.RemoteEndPoint} to port {forward.PodPort} of the pod";
        var counts = new Counts();
        var ending = "closed";
        _verbose($"{name}: opened.");
        await using var localStream = new NetworkStream(local, ownsSocket: true);
        ChannelSocket? stream = null;
        try
        {
            var url = await _client.GetPortForwardUrlAsync(_podId, forward.PodPort, run.Token).ConfigureAwait(false);
            stream = await ChannelSocket.ConnectAsync(url, ChannelSocket.PortForwardProtocols, _client.Timeout, forward, run.Token).ConfigureAwait(false);
            using var both = CancellationTokenSource.CreateLinkedTokenSource(run.Token);
            var toPod = CopyToPodAsync(localStream, stream, counts, both.Token);
            var fromPod = CopyFromPodAsync(stream, localStream, forward.PodPort, counts, both.Token);
            var first = await Task.WhenAny(toPod, fromPod).ConfigureAwait(false);
            if (run.IsCancellationRequested)
            {
                // A stop aborts both sides at once, with no goodbye to either.
                await Task.WhenAll(Settle(toPod), Settle(fromPod)).ConfigureAwait(false);
                run.Token.ThrowIfCancellationRequested();
            }
            if (first == toPod)
            {
                // The client ended its side; v4 has no half-close, so the stream ends: the server then closes the pod's side.
                ending = "closed by the client";
                await stream.DisposeAsync().ConfigureAwait(false);
                stream = null;
                both.Cancel();
            }
            else
            {
                ending = "closed by the pod";
                both.Cancel();
                try
                {
                    local.Shutdown(SocketShutdown.Both);
                }
                catch (SocketException)
                {
                    // The client went first: nothing is left to end.
                }
            }
            await Settle(first == toPod ? fromPod : toPod).ConfigureAwait(false);
            // Only the side that ended first says why; the other ended because of it.
            if (first == fromPod && await fromPod.ConfigureAwait(false) is { Length: > 0 } text)
            {
                ending = "refused by the pod";
                // CRI-O still hands out streams for a removed pod, which then fail: ask whether the pod is there.
                await ThrowIfPodGoneAsync(run.Token).ConfigureAwait(false);
                _error(new CriException("CriPortForwardFailed", CriErrorCategory.ConnectionError,
                    $"{name} was closed: the runtime could not forward it: {text.Trim()}", forward));
            }
            else
                await first.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (run.IsCancellationRequested)
        {
            ending = "closed by the stop";
        }
        catch (CriException e) when (e.ErrorId == "CriPodNotFound")
        {
            // The pod is gone: no later connection can reach it either.
            ending = "failed";
            Interlocked.CompareExchange(ref _fatal, e, null);
            run.Cancel();
        }
        catch (CriException e)
        {
            ending = "failed";
            if (await IsPodGoneAsync(run).ConfigureAwait(false))
                return;
            _error(new CriException(e.ErrorId, e.Category, $"{name}: {e.Message}", forward, e) { StatusCode = e.StatusCode });
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // The client reset its connection: nothing to report beyond the verbose line.
            ending = $"reset by the client ({e.Message})";
        }
        catch (Exception e)
        {
            ending = "failed";
            _error(new CriException("CriPortForwardFailed", CriErrorCategory.NotSpecified, $"{name}: {e.GetType().Name}: {e.Message}", forward, e));
        }
        finally
        {
            if (stream is not null)
                await stream.DisposeAsync().ConfigureAwait(false);
            _verbose($"{name}: {ending} ({counts.ToPod} bytes to the pod, {counts.FromPod} from it).");
        }
    }

    private static async Task Settle(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch
        {
            // The side that ended second failed because the first ended; the first says why.
        }
    }

    private static async Task CopyToPodAsync(NetworkStream local, ChannelSocket stream, Counts counts, CancellationToken cancel)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferBytes);
        try
        {
            int read;
            while ((read = await local.ReadAsync(buffer.AsMemory(0, BufferBytes), cancel).ConfigureAwait(false)) > 0)
            {
                await stream.SendAsync(Channel.Data, buffer.AsMemory(0, read), cancel).ConfigureAwait(false);
                Interlocked.Add(ref counts.ToPod, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Copies the pod's data to the client until the server ends the stream; returns the server's error text, if any.</summary>
    private static async Task<string?> CopyFromPodAsync(ChannelSocket stream, NetworkStream local, int port, Counts counts, CancellationToken cancel)
    {
        var dataPort = new PortHeader(port);
        var errorPort = new PortHeader(port);
        var error = new MemoryStream();
        while (await stream.ReceiveAsync(cancel).ConfigureAwait(false) is { } message)
        {
            switch (message.Channel)
            {
                case Channel.Data:
                    var data = dataPort.Skip(message.Data);
                    if (data.Length > 0)
                    {
                        await local.WriteAsync(data, cancel).ConfigureAwait(false);
                        Interlocked.Add(ref counts.FromPod, data.Length);
                    }
                    break;
                case Channel.Error:
                    var text = errorPort.Skip(message.Data);
                    error.Write(text.Span[..Math.Min(text.Length, MaxErrorBytes - (int)error.Length)]);
                    break;
                default:
                    throw new CriException("CriStreamProtocol", CriErrorCategory.ProtocolError,
                        $"The streaming server sent on channel {message.Channel}; a port-forward stream has only 0 (data) and 1 (errors).", null);
            }
        }
        return error.Length > 0 ? Encoding.UTF8.GetString(error.GetBuffer(), 0, (int)error.Length) : null;
    }

    private static class Channel
    {
        public const byte Data = 0;
        public const byte Error = 1;
    }

    private sealed class Counts
    {
        public long ToPod;
        public long FromPod;
    }

    /// <summary>The 2-byte little-endian port the server writes first on each channel: skipped, and checked.</summary>
    private sealed class PortHeader(int expected)
    {
        private int _read;
        private int _value;

        public ReadOnlyMemory<byte> Skip(ReadOnlyMemory<byte> data)
        {
            while (_read < 2 && data.Length > 0)
            {
                _value |= data.Span[0] << (8 * _read++);
                data = data[1..];
                if (_read == 2 && _value != expected)
                    throw new CriException("CriStreamProtocol", CriErrorCategory.ProtocolError,
                        $"The streaming server answered for port {_value}, not for port {expected}.", null);
            }
            return data;
        }
    }
}
