using System.Net.Sockets;

namespace CriPS.Engine.Connection;

/// <summary>
/// Raised from the connect callback so the error translator can tell "could not reach the socket"
/// (and why) from "reached something that is not a CRI runtime".
/// </summary>
internal sealed class SocketConnectException(string target, SocketError error, Exception inner)
    : IOException($"Cannot connect to {target}: {inner.Message}", inner)
{
    public string Target { get; } = target;
    public SocketError Error { get; } = error;
}
