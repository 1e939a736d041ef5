using System.Management.Automation;

namespace CriPS;

/// <summary>The base of the containerd cmdlets that work inside one namespace (images, containers, tasks, content).</summary>
public abstract class NamespacedContainerdCmdlet : ContainerdCmdlet
{
    /// <summary>The containerd namespace; CONTAINERD_NAMESPACE, then k8s.io (where the kubelet's containers and images are), when not given.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Namespace { get; set; }

    private protected override string? NamespaceParameter => Namespace;
}
