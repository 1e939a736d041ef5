using System.Net.Sockets;
using System.Text;
using CriPS.Engine.Endpoints;

namespace CriPS.Engine.Connection;

/// <summary>
/// Asks a peer whether it is an HTTP/1 server, the way a gRPC client's first bytes do: it sends the HTTP/2 connection
/// preface and looks at the reply. An HTTP/2 server answers with a SETTINGS frame; an HTTP/1-only server (Docker's
/// API socket) answers with a status line. Used only after a call failed before any reply, because such a server may
/// close the connection while the client still writes, which then looks like a broken pipe, not like a wrong protocol.
/// </summary>
internal static class Http1Probe
{
    private static readonly byte[] Preface = Encoding.ASCII.GetBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    private static readonly byte[] StatusLineStart = Encoding.ASCII.GetBytes("HTTP/1.");

    /// <summary>True when the peer answers the preface with an HTTP/1 status line within <paramref name="timeout"/>.</summary>
    public static bool AnswersHttp1(Endpoint endpoint, TimeSpan timeout)
    {
        try
        {
            using var deadline = new CancellationTokenSource(timeout);
            using var socket = EndpointSocket.ConnectAsync(endpoint, deadline.Token).GetAwaiter().GetResult();
            socket.SendTimeout = socket.ReceiveTimeout = (int)Math.Max(1, timeout.TotalMilliseconds);
            try
            {
                socket.Send(Preface);
            }
            catch (SocketException)
            {
                // The server may have answered and closed before reading a byte: its reply is still there to read.
            }
            var reply = new byte[StatusLineStart.Length];
            var read = 0;
            while (read < reply.Length)
            {
                var n = socket.Receive(reply, read, reply.Length - read, SocketFlags.None);
                if (n == 0)
                    break;
                read += n;
            }
            return read == reply.Length && reply.AsSpan().SequenceEqual(StatusLineStart);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            return false;
        }
    }
}
