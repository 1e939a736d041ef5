namespace CriPS.Engine;

/// <summary>
/// What New-CriPod asks the runtime to run: a crictl pod config, parameters, or both (then the parameters given
/// win). Null means "as the config says, else the kubelet's default".
/// </summary>
public sealed class PodSpec
{
    public Configs.PodConfig? Config { get; set; }
    public string? Name { get; set; }
    public string? Namespace { get; set; }
    public string? Uid { get; set; }
    public uint? Attempt { get; set; }
    public string? Hostname { get; set; }
    public string? LogDirectory { get; set; }
    public string? RuntimeHandler { get; set; }
    /// <summary>The pod's cgroup (cgroupfs: a path such as /pods/web; systemd: a slice); the runtime's default when null.</summary>
    public string? CgroupParent { get; set; }
    public Dictionary<string, string> Labels { get; set; } = new();
    public Dictionary<string, string> Annotations { get; set; } = new();
    public List<PortMapping> PortMappings { get; set; } = new();
}

/// <summary>A pod port published on the node: [hostIP:]hostPort:containerPort[/tcp|udp|sctp], as docker -p writes it.</summary>
public sealed record PortMapping(int HostPort, int ContainerPort, string Protocol, string? HostIp)
{
    public static PortMapping Parse(string text)
    {
        var (spec, protocol) = text.Split('/') is [var s, var p] ? (s, p.ToUpperInvariant()) : (text, "TCP");
        var parts = spec.Split(':');
        var (hostIp, host, container) = parts switch
        {
            [var h, var c] => (null, h, c),
            [var ip, var h, var c] => (ip, h, c),
            _ => (null, "", ""),
        };
        if (protocol is not ("TCP" or "UDP" or "SCTP") || !TryPort(host, out var hostPort) || !TryPort(container, out var containerPort)
            || (hostIp is not null && !System.Net.IPAddress.TryParse(hostIp, out _)))
            throw new CriException("CriInvalidPortMapping", CriErrorCategory.InvalidArgument,
                $"'{text}' is not a port mapping; write [hostIP:]hostPort:containerPort[/tcp|udp|sctp], e.g. 8080:80 or 127.0.0.1:8053:53/udp.", text);
        return new PortMapping(hostPort, containerPort, protocol, hostIp);
    }

    private static bool TryPort(string text, out int port) => int.TryParse(text, out port) && port is > 0 and < 65536;
}

/// <summary>A host path mounted into a container: hostPath:containerPath[:ro], as docker -v writes it.</summary>
public sealed record MountSpec(string HostPath, string ContainerPath, bool ReadOnly)
{
    public static MountSpec Parse(string text)
    {
        var parts = text.Split(':');
        var (host, container, mode) = parts switch
        {
            [var h, var c] => (h, c, ""),
            [var h, var c, var m] => (h, c, m),
            _ => ("", "", "?"),
        };
        if (!host.StartsWith('/') || !container.StartsWith('/') || mode is not ("" or "ro" or "rw"))
            throw new CriException("CriInvalidMount", CriErrorCategory.InvalidArgument,
                $"'{text}' is not a mount; write /host/path:/container/path[:ro|rw] with absolute paths.", text);
        return new MountSpec(host, container, mode == "ro");
    }
}

/// <summary>What New-CriContainer asks the runtime to create: a crictl container config, parameters, or both (the parameters given win).</summary>
public sealed class ContainerSpec
{
    public Configs.ContainerConfig? Config { get; set; }
    public string? Name { get; set; }
    public uint? Attempt { get; set; }
    public string? Image { get; set; }
    public List<MountSpec> Mounts { get; set; } = new();
    /// <summary>Empty means the config's (or the image's) entrypoint; so for Args.</summary>
    public string[] Command { get; set; } = [];
    public string[] Args { get; set; } = [];
    public string? WorkingDir { get; set; }
    public Dictionary<string, string> Environment { get; set; } = new();
    public Dictionary<string, string> Labels { get; set; } = new();
    public Dictionary<string, string> Annotations { get; set; } = new();
    /// <summary>Relative to the pod's log directory; the kubelet's habit is NAME/ATTEMPT.log.</summary>
    public string? LogPath { get; set; }
    public bool? Tty { get; set; }
}
