using System.Management.Automation;
using CriPS.Engine;

namespace CriPS;

/// <summary>The base of the cmdlets that speak containerd's own API: its socket and the namespace to work in.</summary>
public abstract class ContainerdCmdlet : CriPSCmdlet
{
    private ContainerdClient? _client;

    /// <summary>containerd's socket; CONTAINERD_ADDRESS, then /run/containerd/containerd.sock, when not given.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Address { get; set; }

    /// <summary>Opened in BeginProcessing; the channel under it is shared for the session.</summary>
    protected ContainerdClient Client => _client ?? throw new InvalidOperationException("The client is opened in BeginProcessing.");

    /// <summary>The namespace asked for (<see cref="NamespacedContainerdCmdlet"/>); null means CONTAINERD_NAMESPACE, then k8s.io.</summary>
    private protected virtual string? NamespaceParameter => null;

    private List<ContainerdImage>? _images;

    /// <summary>
    /// The namespace's images that the patterns name: an exact name, a short one (busybox:1.36 is
    /// docker.io/library/busybox:1.36) or a wildcard. A pattern that names none writes ContainerdImageNotFound.
    /// The namespace is listed once per invocation.
    /// </summary>
    protected List<ContainerdImage> ResolveImages(IEnumerable<string> patterns)
    {
        _images ??= Await(c => Client.GetImagesAsync([], c), "Images.List");
        var found = new List<ContainerdImage>();
        foreach (var pattern in patterns.Distinct(StringComparer.Ordinal))
        {
            var matches = ContainerdClient.ImagesNamed(_images, pattern);
            if (matches.Count == 0)
                WriteError(new ErrorRecord(new ItemNotFoundException($"No image '{pattern}' in namespace {Client.Namespace}."),
                    "ContainerdImageNotFound", ErrorCategory.ObjectNotFound, pattern));
            found.AddRange(matches.Where(m => !found.Contains(m)));
        }
        return found;
    }

    private protected override void Connect()
    {
        ContainerdClient client;
        try
        {
            client = ContainerdClient.Connect(Address, NamespaceParameter, CallTimeout);
        }
        catch (CriException e)
        {
            ThrowTerminating(e);
            throw;
        }
        WriteVerbose($"containerd at {client.Address.Endpoint} ({client.Address.Reason}); namespace {client.Namespace} "
            + $"({client.NamespaceReason}); deadline {client.Timeout.TotalSeconds:0.#} s.");
        _client = client;
    }
}
