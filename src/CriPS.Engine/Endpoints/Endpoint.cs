namespace CriPS.Engine.Endpoints;

/// <summary>A parsed runtime address: a Unix socket path or a TCP host and port.</summary>
public sealed record Endpoint
{
    private Endpoint(string address, string? socketPath, string? host, int port)
    {
        Address = address;
        SocketPath = socketPath;
        Host = host;
        Port = port;
    }

    /// <summary>The canonical form: unix:///path or tcp://host:port.</summary>
    public string Address { get; }

    /// <summary>The socket file, for a Unix endpoint.</summary>
    public string? SocketPath { get; }

    public string? Host { get; }

    public int Port { get; }

    public bool IsUnix => SocketPath is not null;

    public override string ToString() => Address;

    /// <summary>
    /// Parses unix:///path, unix://path, a bare absolute path, or tcp://host:port. <paramref name="what"/> names the
    /// value in an error, with where it came from (an image endpoint from $IMAGE_SERVICE_ENDPOINT, say).
    /// </summary>
    public static Endpoint Parse(string text, string what = "runtime endpoint")
    {
        var value = text?.Trim() ?? "";
        if (value.Length == 0)
            throw Invalid(text ?? "", what, "it is empty");

        if (value.StartsWith('/'))
            return Unix(value, text!, what);

        var schemeEnd = value.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0)
            throw Invalid(value, what, "it is neither an absolute socket path nor an address with a scheme");

        var scheme = value[..schemeEnd].ToLowerInvariant();
        var rest = value[(schemeEnd + 3)..];
        switch (scheme)
        {
            case "unix":
                // Without a path, "unix://" would become the root directory and fail later as "a directory".
                if (rest.Trim('/').Length == 0)
                    throw Invalid(value, what, "a unix endpoint needs the path of a socket, e.g. unix:///run/containerd/containerd.sock");
                // unix:///run/x.sock is absolute; crictl also accepts unix://run/x.sock as relative to /.
                return Unix(rest.StartsWith('/') ? rest : "/" + rest, value, what);
            case "tcp":
                var colon = rest.LastIndexOf(':');
                if (colon <= 0 || !int.TryParse(rest[(colon + 1)..].TrimEnd('/'), out var port) || port is < 1 or > 65535)
                    throw Invalid(value, what, "a tcp endpoint needs a host and a port, e.g. tcp://127.0.0.1:10010");
                var host = rest[..colon];
                return new Endpoint($"tcp://{host}:{port}", null, host, port);
            default:
                throw Invalid(value, what, $"the scheme '{scheme}' is not supported (use unix:// or tcp://)");
        }
    }

    private static Endpoint Unix(string path, string original, string what)
    {
        // sun_path counts bytes, not characters.
        if (System.Text.Encoding.UTF8.GetByteCount(path) > 107)
            throw Invalid(original, what, "a Unix socket path may be at most 107 bytes long");
        var normalized = Path.GetFullPath(path);
        return new Endpoint("unix://" + normalized, normalized, null, 0);
    }

    private static CriException Invalid(string value, string what, string why) =>
        new("CriInvalidEndpoint", CriErrorCategory.InvalidArgument, $"'{value}' is not a valid {what}: {why}.", value);
}
