using System.Management.Automation;
using CriPS.Engine.Filtering;

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
        var query = new ContainerdNamespaceQuery { Name = Name };
        WriteObject(Await(c => Client.GetNamespacesAsync(query, c), "Namespaces.List"), enumerateCollection: true);
    }
}
