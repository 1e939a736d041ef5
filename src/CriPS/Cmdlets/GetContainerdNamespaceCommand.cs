using System.Management.Automation;

namespace CriPS.Cmdlets;

/// <summary>Lists containerd's namespaces (ctr namespaces ls).</summary>
[Cmdlet(VerbsCommon.Get, "ContainerdNamespace")]
[OutputType(typeof(ContainerdNamespace))]
public sealed class GetContainerdNamespaceCommand : ContainerdCmdlet
{
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = [];

    protected override void EndProcessing()
    {
        var namespaces = Await(Client.GetNamespacesAsync, "Namespaces.List");
        WriteObject(namespaces.Where(n => MatchesAny(Name, n.Name)).OrderBy(n => n.Name, StringComparer.Ordinal), enumerateCollection: true);
    }
}
