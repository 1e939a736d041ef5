using System.Collections;
using System.Management.Automation;
using CriPS.Completion;
using CriPS.Engine.Filtering;

namespace CriPS.Cmdlets;

/// <summary>Lists pod sandboxes (crictl pods), filtered on the client so every runtime behaves alike.</summary>
[Cmdlet(VerbsCommon.Get, "CriPod")]
[OutputType(typeof(Pod))]
public sealed class GetCriPodCommand : CriCmdlet
{
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PodCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>A full id or a unique prefix of one.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PodCompleter))]
    public string[] Id { get; set; } = [];

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PodCompleter))]
    public string[] Namespace { get; set; } = [];

    [Parameter]
    public PodState State { get; set; }

    /// <summary>Labels that must all be present with exactly these values.</summary>
    [Parameter]
    public Hashtable? Label { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] Uid { get; set; } = [];

    /// <summary>Adds the PodSandboxStatus facts (IP, namespaces, pid): one more call per pod.</summary>
    [Parameter]
    public SwitchParameter Detailed { get; set; }

    protected override void EndProcessing()
    {
        var query = new PodQuery
        {
            Id = Id,
            Name = Name,
            Namespace = Namespace,
            Uid = Uid,
            State = MyInvocation.BoundParameters.ContainsKey(nameof(State)) ? State : null,
            Label = ToStringMap(Label),
            Detailed = Detailed,
        };
        var result = Await(c => Client.GetPodsAsync(query, c), "ListPodSandbox");
        WriteErrors(result.Errors);
        WriteObject(result.Items.OrderByDescending(p => p.CreatedAt), enumerateCollection: true);
    }
}
