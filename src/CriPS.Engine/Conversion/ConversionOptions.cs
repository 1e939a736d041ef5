namespace CriPS.Engine.Conversion;

/// <summary>What the user asked of Convert-DockerNodeToContainerd.</summary>
public sealed class ConversionOptions
{
    public string Root { get; init; } = "/";

    /// <summary>The kubelet's version when `kubelet --version` cannot tell (a mounted node image).</summary>
    public Version? KubeletVersion { get; init; }
    public string? SandboxImage { get; init; }

    /// <summary>containerd's socket; by default the address in its config.</summary>
    public string? ContainerdEndpoint { get; init; }

    /// <summary>Docker's API socket; by default the daemon.json `hosts` unix socket, else /var/run/docker.sock.</summary>
    public string? DockerEndpoint { get; init; }

    /// <summary>Images to move (Docker names); null moves every tagged image.</summary>
    public IReadOnlyList<string>? Images { get; init; }
    public bool MoveImages { get; init; } = true;

    /// <summary>Finding ids whose errors the user accepts.</summary>
    public IReadOnlyList<string> AcceptedFindings { get; init; } = [];

    /// <summary>Mirror Docker's default-ulimits as a containerd.service drop-in instead of only reporting them.</summary>
    public bool CarryUlimits { get; init; }

    /// <summary>Image references to pull through CRI after the move, proving the carried registry settings.</summary>
    public IReadOnlyList<string> VerifyPull { get; init; } = [];

    /// <summary>With a kubeconfig, the node is cordoned and drained before and uncordoned after, through the API.</summary>
    public string? KubeConfig { get; init; }

    /// <summary>The node's name in the cluster; by default this machine's full host name in lower case.</summary>
    public string NodeName { get; init; } = DefaultNodeName();

    /// <summary>
    /// The kubelet registers the node under the kernel's host name, lower-cased, dots and all; .NET's
    /// Environment.MachineName stops at the first dot, gethostname(2) does not.
    /// </summary>
    public static string DefaultNodeName() => System.Net.Dns.GetHostName().ToLowerInvariant();

    /// <summary>How many earlier conversions' state and backup directories stay when a new one starts.</summary>
    public int KeepBackups { get; init; } = 3;

    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromMinutes(5);

    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long containerd may take to serve CRI again after its restart.</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
