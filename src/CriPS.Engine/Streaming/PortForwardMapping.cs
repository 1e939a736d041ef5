using System.Globalization;
using System.Net;

namespace CriPS.Engine.Streaming;

/// <summary>
/// One -Port value of Start-CriPortForward, as crictl and kubectl write it: "8080:80" (local 8080 to the pod's 80),
/// "80" (the same port on both sides) or ":80" (a free local port, chosen by the system; "0:80" says the same).
/// </summary>
public sealed record PortForwardMapping(int LocalPort, int PodPort)
{
    public static PortForwardMapping Parse(string text)
    {
        var parts = text.Trim().Split(':');
        if (parts.Length == 1)
        {
            var port = ParsePort(parts[0], text, allowZero: false);
            return new PortForwardMapping(port, port);
        }
        if (parts.Length == 2)
            return new PortForwardMapping(parts[0].Length == 0 ? 0 : ParsePort(parts[0], text, allowZero: true), ParsePort(parts[1], text, allowZero: false));
        throw Invalid(text, "write LOCAL:POD (8080:80), POD (80: the same port on both sides) or :POD (a free local port)");
    }

    private static int ParsePort(string part, string text, bool allowZero)
    {
        if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > IPEndPoint.MaxPort || (port == 0 && !allowZero))
            throw Invalid(text, $"'{part}' is not a port from {(allowZero ? 0 : 1)} to {IPEndPoint.MaxPort}");
        return port;
    }

    private static CriException Invalid(string text, string why) =>
        new("CriInvalidPortMapping", CriErrorCategory.InvalidArgument, $"-Port '{text}' is not a port mapping: {why}.", text);

    /// <summary>The address to listen on: an IP address (127.0.0.1, ::1, 0.0.0.0, ::), or localhost for 127.0.0.1.</summary>
    public static IPAddress ParseAddress(string text)
    {
        var trimmed = text.Trim();
        if (string.Equals(trimmed, "localhost", StringComparison.OrdinalIgnoreCase))
            return IPAddress.Loopback;
        // Parse also takes "1" or "127.1" (inet_aton forms): only a dotted quad or an IPv6 address is meant here.
        if (IPAddress.TryParse(trimmed.Trim('[', ']'), out var address)
            && (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 || trimmed.Count(c => c == '.') == 3))
            return address;
        throw new CriException("CriInvalidAddress", CriErrorCategory.InvalidArgument,
            $"-Address '{text}' is not an IP address to listen on, such as 127.0.0.1, ::1 or 0.0.0.0.", text);
    }
}
