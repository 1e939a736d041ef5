using System.Globalization;
using System.Net;
using CriPS.Engine.Streaming;
using V1 = CriPS.Engine.Cri.V1;

namespace CriPS.Engine;

public sealed partial class CriClient
{
    /// <summary>
    /// Forwards local ports to a pod's ports (crictl port-forward) until <paramref name="cancel"/>: every local port
    /// listens before any is reported through <paramref name="listening"/>, then each accepted connection gets a
    /// stream of its own on the runtime's streaming server. Failures of one connection go to <paramref name="error"/>
    /// and the forward goes on; the pod's removal ends it.
    /// </summary>
    public Task ForwardPortsAsync(string podId, IPAddress address, IReadOnlyList<PortForwardMapping> mappings,
        Func<PortForward, Task> listening, Action<string> verbose, Action<CriException> error, CancellationToken cancel) =>
        new PortForwarder(this, podId, address, mappings, listening, verbose, error).RunAsync(cancel);

    internal PortForward StampPortForward(PortForward forward) => _origin.Stamp(forward);

    /// <summary>
    /// A stream URL for one connection to <paramref name="port"/> of the pod, with the port the WebSocket protocol asks
    /// for in its query. The URL's token is good for one stream only, so each connection asks again.
    /// </summary>
    internal async Task<Uri> GetPortForwardUrlAsync(string podId, int port, CancellationToken cancel)
    {
        var reply = await Call("PortForward", "Pod", podId,
            o => _runtime.Runtime.PortForwardAsync(new V1.PortForwardRequest { PodSandboxId = podId, Port = { port } }, o), cancel).ConfigureAwait(false);
        var url = StreamingUrl(reply.Url, podId);
        var portQuery = "port=" + port.ToString(CultureInfo.InvariantCulture);
        var query = url.Query.TrimStart('?');
        return new UriBuilder(url) { Query = query.Length == 0 ? portQuery : $"{query}&{portQuery}" }.Uri;
    }
}
