using System.Net;
using System.Net.Sockets;
using CriPS.Engine.Endpoints;

namespace CriPS.Engine.Connection;

/// <summary>The one way CriPS opens a connection to an endpoint: its Unix socket, or host:port over TCP.</summary>
internal static class EndpointSocket
{
    /// <summary>A connected socket; on failure the socket is closed and the SocketException passes on.</summary>
    public static async Task<Socket> ConnectAsync(Endpoint endpoint, CancellationToken cancel)
    {
        var socket = endpoint.IsUnix
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        EndPoint target = endpoint.IsUnix ? new UnixDomainSocketEndPoint(endpoint.SocketPath!) : new DnsEndPoint(endpoint.Host!, endpoint.Port);
        try
        {
            await socket.ConnectAsync(target, cancel).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
