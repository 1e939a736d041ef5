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

    /// <summary>Resolved once per invocation; the channel under it is shared for the session.</summary>
    protected ContainerdClient Client => _client ??= OpenClient();

    /// <summary>The namespace parameter of cmdlets that have one; null means CONTAINERD_NAMESPACE, then k8s.io.</summary>
    protected virtual string? NamespaceParameter => null;

    private ContainerdClient OpenClient()
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
        return client;
    }
}
