namespace CriPS.Engine.Endpoints;

/// <summary>
/// Chooses containerd's socket and namespace the way ctr users expect: parameter, then CONTAINERD_ADDRESS /
/// CONTAINERD_NAMESPACE, then containerd's default socket and k8s.io (where Kubernetes keeps everything).
/// </summary>
public sealed class ContainerdAddressResolver
{
    public const string AddressVariable = "CONTAINERD_ADDRESS";
    public const string NamespaceVariable = "CONTAINERD_NAMESPACE";
    public const string DefaultAddress = "unix:///run/containerd/containerd.sock";
    public const string DefaultNamespace = "k8s.io";

    private readonly IResolverContext _context;

    public ContainerdAddressResolver(IResolverContext? context = null) => _context = context ?? SystemResolverContext.Instance;

    public (ResolvedEndpoint Address, string Namespace, string NamespaceReason) Resolve(string? addressParameter, string? namespaceParameter)
    {
        ResolvedEndpoint address =
            !string.IsNullOrWhiteSpace(addressParameter)
                ? new(Endpoint.Parse(addressParameter, "containerd address (-Address)"), EndpointSource.Parameter, "given by -Address")
            : _context.GetEnvironmentVariable(AddressVariable) is { Length: > 0 } fromEnv
                ? new(Endpoint.Parse(fromEnv, $"containerd address (${AddressVariable})"), EndpointSource.Environment, $"from ${AddressVariable}")
            : new(Endpoint.Parse(DefaultAddress), EndpointSource.Default, "containerd's default socket");

        var (ns, reason) =
            !string.IsNullOrWhiteSpace(namespaceParameter) ? (namespaceParameter, "given by -Namespace")
            : _context.GetEnvironmentVariable(NamespaceVariable) is { Length: > 0 } nsFromEnv ? (nsFromEnv, $"from ${NamespaceVariable}")
            : (DefaultNamespace, "the default, where Kubernetes keeps its images and containers");
        return (address, ns, reason);
    }
}
