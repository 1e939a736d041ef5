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
        var reply = await Call("Exec", "Container", containerId, o => _runtime.Runtime.ExecAsync(new V1.ExecRequest
        {
            ContainerId = containerId,
            Cmd = { command },
            Tty = request.Tty,
            Stdin = request.Stdin,
            Stdout = true,
            Stderr = !request.Tty,
        }, o), cancel);
        return await OpenStreamAsync(reply.Url, containerId, attached: false, cancel).ConfigureAwait(false);
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
        return await OpenStreamAsync(reply.Url, containerId, attached: true, cancel).ConfigureAwait(false);
    }

    private async Task<RemoteProcess> OpenStreamAsync(string url, string containerId, bool attached, CancellationToken cancel)
    {
        var channels = await ChannelSocket.ConnectAsync(StreamingUrl(url, containerId), ChannelSocket.ExecProtocols, Timeout, containerId, cancel)
            .ConfigureAwait(false);
        return new RemoteProcess(channels, containerId, attached);
    }

    /// <summary>
    /// The runtimes here answer with an absolute URL on their own streaming server; a relative one would need the
    /// kubelet's streaming base, which CriPS does not have.
    /// </summary>
    internal static Uri StreamingUrl(string url, object? target) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" or "ws" or "wss"
            ? uri
            // The URL is not shown: its path is a token that opens the stream to whoever has it.
            : throw new CriException("CriStreamProtocol", CriErrorCategory.ProtocolError,
                "The runtime gave a streaming URL CriPS cannot open: it needs an absolute http or https URL.", target);
}

/// <summary>What an exec or attach stream carries: stdin (to be sent, and maybe closed) and a terminal.</summary>
public readonly record struct StreamRequest(bool Stdin, bool Tty);
