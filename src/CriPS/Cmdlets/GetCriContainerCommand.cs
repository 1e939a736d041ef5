using System.Collections;
using System.Management.Automation;
using CriPS.Completion;
using CriPS.Engine.Filtering;

namespace CriPS.Cmdlets;

/// <summary>Lists containers (crictl ps): running ones unless -All or -State says otherwise.</summary>
[Cmdlet(VerbsCommon.Get, "CriContainer")]
[OutputType(typeof(Container))]
public sealed class GetCriContainerCommand : CriCmdlet
{
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContainerCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>A full id or a unique prefix of one.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContainerCompleter))]
    public string[] Id { get; set; } = [];

    /// <summary>Pods to look in; Get-CriPod output binds here (its PodId alias property).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PodCompleter))]
    [PodIdTransformation]
    public string[] PodId { get; set; } = [];

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PodCompleter))]
    public string[] Namespace { get; set; } = [];

    [Parameter]
    public ContainerState[] State { get; set; } = [];

    /// <summary>Every state, not just Running.</summary>
    [Parameter]
    public SwitchParameter All { get; set; }

    [Parameter]
    public Hashtable? Label { get; set; }

    /// <summary>An image reference or id; each distinct value is resolved once.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ImageCompleter))]
    public string[] Image { get; set; } = [];

    /// <summary>Adds the ContainerStatus facts (times, exit code, log path, mounts, pid): one more call per container.</summary>
    [Parameter]
    public SwitchParameter Detailed { get; set; }

    private readonly List<string> _podIds = new();

    // Pods from the pipeline are gathered so the whole pipeline costs one listing, not one per pod.
    protected override void ProcessRecord() => _podIds.AddRange(PodId);

    protected override void EndProcessing()
    {
        if (MyInvocation.ExpectingInput && _podIds.Count == 0)
            return;
        var query = new ContainerQuery
        {
            Id = Id,
            Name = Name,
            PodId = _podIds.Distinct(StringComparer.Ordinal).ToArray(),
            Namespace = Namespace,
            State = State,
            All = All,
            Label = ToStringMap(Label),
            Image = Image,
            Detailed = Detailed,
        };
        var result = Await(c => Client.GetContainersAsync(query, c), "ListContainers");
        WriteErrors(result.Errors);
        WriteObject(result.Items.OrderByDescending(c => c.CreatedAt), enumerateCollection: true);
    }
}
