namespace CriPS.Engine.Conversion;

/// <summary>
/// The node annotation where kubeadm keeps the node's CRI socket (it reads it back on upgrade and join). After the
/// conversion it must stop naming Docker's sockets; any other value was put there on purpose and is left alone.
/// </summary>
internal static class CriSocketAnnotation
{
    public const string Key = "kubeadm.alpha.kubernetes.io/cri-socket";

    // dockershim (kubelet before 1.24) and cri-dockerd. /var/run is a link to /run on every current distribution,
    // so /run/dockershim.sock names the same socket as /var/run/dockershim.sock.
    private static readonly string[] DockerSockets =
    [
        "/var/run/dockershim.sock", "/run/dockershim.sock", "/var/run/cri-dockerd.sock", "/run/cri-dockerd.sock",
    ];

    /// <summary>True when <paramref name="value"/> names dockershim's or cri-dockerd's socket, with or without unix://.</summary>
    public static bool NamesDockerSocket(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
            return false;
        var path = value.Trim();
        if (path.StartsWith("unix://", StringComparison.OrdinalIgnoreCase))
            path = path["unix://".Length..];
        return DockerSockets.Contains(path, StringComparer.Ordinal);
    }
}
