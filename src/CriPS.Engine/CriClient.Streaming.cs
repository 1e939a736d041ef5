using CriPS.Engine.Streaming;
using V1 = CriPS.Engine.Cri.V1;

namespace CriPS.Engine;

public sealed partial class CriClient
{
    /// <summary>
    /// Starts a command in a running container and opens its stream (CRI Exec, then the runtime's streaming server).
    /// With a terminal the runtime merges stderr into it.
    /// </summary>
    public async Task<RemoteProcess> ExecAsync(string containerId, string[] command, StreamRequest request, CancellationToken cancel)
    {
        var url = await ExecUrlAsync(containerId, command, request.Tty, request.Stdin, stdout: true, stderr: !request.Tty, cancel).ConfigureAwait(false);
        return await OpenStreamAsync(url, request, containerId, attached: false, cancel).ConfigureAwait(false);
    }

    /// <summary>
    /// The one-time URL on the runtime's streaming server for running <paramref name="cmd"/> with the given channels
    /// (the server then waits for exactly those streams).
    /// </summary>
    internal async Task<Uri> ExecUrlAsync(string containerId, string[] cmd, bool tty, bool stdin, bool stdout, bool stderr,
        CancellationToken cancel)
    {
        var request = new V1.ExecRequest { ContainerId = containerId, Cmd = { cmd }, Tty = tty, Stdin = stdin, Stdout = stdout, Stderr = stderr };
        var reply = await Call("Exec", "Container", containerId, o => _runtime.Runtime.ExecAsync(request, o), cancel).ConfigureAwait(false);
        return StreamingUrl(reply.Url, containerId);
    }

    /// <summary>Opens a stream to the main process of a running container (CRI Attach).</summary>
    public async Task<RemoteProcess> AttachAsync(string containerId, StreamRequest request, CancellationToken cancel)
    {
        var reply = await Call("Attach", "Container", containerId, o => _runtime.Runtime.AttachAsync(new V1.AttachRequest
        {
            ContainerId = containerId,
            Tty = request.Tty,
            Stdin = request.Stdin,
            Stdout = true,
            Stderr = !request.Tty,
        }, o), cancel);
        return await OpenStreamAsync(StreamingUrl(reply.Url, containerId), request, containerId, attached: true, cancel).ConfigureAwait(false);
    }

    /// <summary>
    /// WebSocket (v4.channel.k8s.io) unless stdin must end while the output goes on: no streaming server here offers
    /// v5.channel.k8s.io, the WebSocket protocol that can close stdin, so piped input goes over SPDY/3.1, whose
    /// streams close one by one. A terminal's input never ends that way (Ctrl+D is a key), so it stays on WebSocket.
    /// </summary>
    private async Task<RemoteProcess> OpenStreamAsync(Uri url, StreamRequest request, string containerId, bool attached, CancellationToken cancel)
    {
        IStreamChannels channels = request.Stdin && !request.Tty
            ? await SpdyChannels.ConnectAsync(url, stdin: true, stdout: true, stderr: true, tty: false, Timeout, containerId, cancel).ConfigureAwait(false)
            : await ChannelSocket.ConnectAsync(url, ChannelSocket.ExecProtocols, Timeout, containerId, cancel).ConfigureAwait(false);
        return new RemoteProcess(channels, containerId, attached);
    }

    /// <summary>
    /// containerd and CRI-O answer with an absolute URL on their own streaming server; cri-dockerd 0.4 leaves the
    /// scheme out ("//127.0.0.1:PORT/cri/exec/TOKEN"), which means http, as crictl reads it. A URL without a host
    /// would need the kubelet's streaming base, which CriPS does not have.
    /// </summary>
    internal static Uri StreamingUrl(string url, object? target) =>
        Uri.TryCreate(url.StartsWith("//", StringComparison.Ordinal) ? "http:" + url : url, UriKind.Absolute, out var uri)
        && uri.Scheme is "http" or "https" or "ws" or "wss"
            ? uri
            // The URL is not shown: its path is a token that opens the stream to whoever has it.
            : throw new CriException("CriStreamProtocol", CriErrorCategory.ProtocolError,
                "The runtime gave a streaming URL CriPS cannot open: it needs an absolute http or https URL.", target);
}

/// <summary>What an exec or attach stream carries: stdin (to be sent, and maybe closed) and a terminal.</summary>
public readonly record struct StreamRequest(bool Stdin, bool Tty);
