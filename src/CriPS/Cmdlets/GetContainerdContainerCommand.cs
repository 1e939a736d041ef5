using System.Collections;
using System.Management.Automation;
using CriPS.Engine.Filtering;

namespace CriPS.Cmdlets;

/// <summary>Lists the container records of a containerd namespace (ctr -n NS containers ls): CRI pods and containers alike.</summary>
[Cmdlet(VerbsCommon.Get, "ContainerdContainer")]
[OutputType(typeof(ContainerdContainer))]
public sealed class GetContainerdContainerCommand : NamespacedContainerdCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("ContainerId")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Id { get; set; } = [];

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Image { get; set; } = [];

    /// <summary>Labels that must all be present with exactly these values.</summary>
    [Parameter]
    public Hashtable? Label { get; set; }

    /// <summary>containerd's own filter syntax, evaluated by the daemon, e.g. 'labels."io.cri-containerd.kind"==sandbox'.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] Filter { get; set; } = [];

    private readonly List<string> _ids = new();

    // Ids from the pipeline (CRI containers, say) are gathered so the whole pipeline costs one listing.
    protected override void ProcessRecord() => _ids.AddRange(Id);

    protected override void EndProcessing()
    {
        if (MyInvocation.ExpectingInput && _ids.Count == 0)
            return;
        var query = new ContainerdContainerQuery { Id = _ids.ToArray(), Image = Image, Label = ToStringMap(Label), Filter = Filter };
        WriteObject(Await(c => Client.GetContainersAsync(query, c), "Containers.List"), enumerateCollection: true);
    }
}
