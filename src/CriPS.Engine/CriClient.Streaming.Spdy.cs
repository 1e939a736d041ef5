using V1 = CriPS.Engine.Cri.V1;

namespace CriPS.Engine;

public sealed partial class CriClient
{
    /// <summary>
    /// The one-time URL on the runtime's streaming server for running <paramref name="cmd"/> in the container with
    /// the given channels (the server then waits for exactly those streams). For SpdyChannels, which needs the channels
    /// spelled out; ExecAsync opens its WebSocket itself.
    /// </summary>
    internal async Task<Uri> ExecUrlAsync(string containerId, string[] cmd, bool tty, bool stdin, bool stdout, bool stderr,
        CancellationToken cancel)
    {
        var request = new V1.ExecRequest { ContainerId = containerId, Cmd = { cmd }, Tty = tty, Stdin = stdin, Stdout = stdout, Stderr = stderr };
        var reply = await Call("Exec", "Container", containerId, o => _runtime.Runtime.ExecAsync(request, o), cancel).ConfigureAwait(false);
        return StreamingUrl(reply.Url, containerId);
    }
}
