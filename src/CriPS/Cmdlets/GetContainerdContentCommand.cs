using System.Management.Automation;
using CriPS.Engine.Filtering;

namespace CriPS.Cmdlets;

/// <summary>
/// Lists the blobs of containerd's content store (ctr content ls), or with -Active the writes in progress
/// (ctr content active), such as the layers of a pull that is running.
/// </summary>
[Cmdlet(VerbsCommon.Get, "ContainerdContent", DefaultParameterSetName = BlobsSet)]
[OutputType(typeof(ContainerdContent), ParameterSetName = [BlobsSet])]
[OutputType(typeof(ContainerdIngest), ParameterSetName = [ActiveSet])]
public sealed class GetContainerdContentCommand : NamespacedContainerdCmdlet
{
    private const string BlobsSet = "Blobs";
    private const string ActiveSet = "Active";

    /// <summary>Blob digests (sha256:...) to show.</summary>
    [Parameter(Position = 0, ParameterSetName = BlobsSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Digest { get; set; } = [];

    /// <summary>The writes in progress instead of the stored blobs.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ActiveSet)]
    public SwitchParameter Active { get; set; }

    /// <summary>containerd's own filter syntax, evaluated by the daemon.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] Filter { get; set; } = [];

    protected override void EndProcessing()
    {
        if (Active)
        {
            WriteObject(Await(c => Client.GetIngestsAsync(Filter, c), "Content.ListStatuses"), enumerateCollection: true);
            return;
        }
        var query = new ContainerdContentQuery { Digest = Digest, Filter = Filter };
        WriteObject(Await(c => Client.GetContentAsync(query, c), "Content.List"), enumerateCollection: true);
    }
}
