namespace CriPS.Engine.Endpoints;

/// <summary>Where a setting came from, so -Verbose can say why an endpoint was used.</summary>
public enum EndpointSource
{
    Parameter,
    Environment,
    ConfigFile,
    Default,
    RuntimeEndpoint,
}

/// <summary>An endpoint and the reason it was chosen.</summary>
public sealed record ResolvedEndpoint(Endpoint Endpoint, EndpointSource Source, string Reason);

/// <summary>What the resolver looks at, as a seam so tests can give their own environment and files.</summary>
public interface IResolverContext
{
    string? GetEnvironmentVariable(string name);
    CrictlConfig LoadConfig(string path);
    bool SocketExists(string path);
}

/// <summary>The real process environment and file system.</summary>
public sealed class SystemResolverContext : IResolverContext
{
    public static readonly SystemResolverContext Instance = new();
    public string? GetEnvironmentVariable(string name) => Environment.GetEnvironmentVariable(name);
    public CrictlConfig LoadConfig(string path) => CrictlConfig.Load(path);
    public bool SocketExists(string path) => File.Exists(path);
}

/// <summary>
/// Chooses the runtime and image endpoints the way crictl users expect: parameter, then environment
/// variable, then the crictl config file, then the first well-known socket that exists.
/// </summary>
public sealed class EndpointResolver
{
    public const string RuntimeEndpointVariable = "CONTAINER_RUNTIME_ENDPOINT";
    public const string ImageEndpointVariable = "IMAGE_SERVICE_ENDPOINT";
    public const string ConfigFileVariable = "CRI_CONFIG_FILE";
    public const string DefaultConfigFile = "/etc/crictl.yaml";
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The sockets crictl tries, in its order: containerd, CRI-O, cri-dockerd.</summary>
    public static readonly IReadOnlyList<string> DefaultSockets =
    [
        "unix:///run/containerd/containerd.sock",
        "unix:///run/crio/crio.sock",
        "unix:///var/run/cri-dockerd.sock",
    ];

    private readonly IResolverContext _context;

    public EndpointResolver(IResolverContext? context = null) => _context = context ?? SystemResolverContext.Instance;

    public string ConfigFilePath => _context.GetEnvironmentVariable(ConfigFileVariable) is { Length: > 0 } p ? p : DefaultConfigFile;

    /// <summary>Resolves both endpoints and the deadline of each call.</summary>
    public (ResolvedEndpoint Runtime, ResolvedEndpoint Image, TimeSpan Timeout) Resolve(
        string? runtimeParameter, string? imageParameter, TimeSpan? timeoutParameter)
    {
        // The config file is read only when a parameter or variable does not already decide everything.
        CrictlConfig? config = null;
        CrictlConfig Config() => config ??= _context.LoadConfig(ConfigFilePath);

        var runtime = ResolveRuntime(runtimeParameter, Config);
        var image = ResolveImage(imageParameter, runtime, Config);
        var timeout = timeoutParameter ?? Config().Timeout ?? DefaultTimeout;
        return (runtime, image, timeout);
    }

    private ResolvedEndpoint ResolveRuntime(string? parameter, Func<CrictlConfig> config)
    {
        if (!string.IsNullOrWhiteSpace(parameter))
            return new(Endpoint.Parse(parameter, "runtime endpoint (-RuntimeEndpoint)"), EndpointSource.Parameter, "given by -RuntimeEndpoint");
        if (_context.GetEnvironmentVariable(RuntimeEndpointVariable) is { Length: > 0 } fromEnv)
            return new(Endpoint.Parse(fromEnv, $"runtime endpoint (${RuntimeEndpointVariable})"), EndpointSource.Environment, $"from ${RuntimeEndpointVariable}");
        if (config().RuntimeEndpoint is { } fromFile)
            return new(Endpoint.Parse(fromFile, $"runtime endpoint (runtime-endpoint in {ConfigFilePath})"), EndpointSource.ConfigFile, $"runtime-endpoint in {ConfigFilePath}");

        foreach (var candidate in DefaultSockets)
        {
            var endpoint = Endpoint.Parse(candidate);
            if (_context.SocketExists(endpoint.SocketPath!))
                return new(endpoint, EndpointSource.Default, "the first well-known runtime socket that exists");
        }
        throw new CriException("CriRuntimeUnavailable", CriErrorCategory.ConnectionError,
            "No container runtime endpoint was given and none of the well-known sockets exists: "
            + string.Join(", ", DefaultSockets)
            + $". Choose one with -RuntimeEndpoint, ${RuntimeEndpointVariable}, or runtime-endpoint in {ConfigFilePath}.",
            string.Join(",", DefaultSockets));
    }

    private ResolvedEndpoint ResolveImage(string? parameter, ResolvedEndpoint runtime, Func<CrictlConfig> config)
    {
        if (!string.IsNullOrWhiteSpace(parameter))
            return new(Endpoint.Parse(parameter, "image endpoint (-ImageEndpoint)"), EndpointSource.Parameter, "given by -ImageEndpoint");
        if (_context.GetEnvironmentVariable(ImageEndpointVariable) is { Length: > 0 } fromEnv)
            return new(Endpoint.Parse(fromEnv, $"image endpoint (${ImageEndpointVariable})"), EndpointSource.Environment, $"from ${ImageEndpointVariable}");
        if (config().ImageEndpoint is { } fromFile)
            return new(Endpoint.Parse(fromFile, $"image endpoint (image-endpoint in {ConfigFilePath})"), EndpointSource.ConfigFile, $"image-endpoint in {ConfigFilePath}");
        // As in crictl: with no image endpoint anywhere, the runtime endpoint serves images too.
        return new(runtime.Endpoint, EndpointSource.RuntimeEndpoint, "the runtime endpoint also serves images");
    }
}
