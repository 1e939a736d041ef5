using System.Collections;
using System.Management.Automation;
using CriPS.Completion;
using CriPS.Engine.Filtering;

namespace CriPS.Cmdlets;

/// <summary>
/// Container resource usage (crictl stats): CPU percent over -SampleInterval, memory working set, writable layer;
/// running containers unless -All or -Id says otherwise.
/// </summary>
[Cmdlet(VerbsCommon.Get, "CriContainerStats")]
[OutputType(typeof(ContainerStats))]
public sealed class GetCriContainerStatsCommand : StatsCmdlet<ContainerStats>
{
    /// <summary>Full ids or unique prefixes; Get-CriContainer output binds here.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContainerCompleter))]
    [ContainerIdTransformation]
    public string[] Id { get; set; } = [];

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContainerCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>Pods to look in: full ids or unique prefixes; Get-CriPod output binds here.</summary>
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

    /// <summary>Labels that must all be present with exactly these values.</summary>
    [Parameter]
    public Hashtable? Label { get; set; }

    /// <summary>Containers in every state, not just running ones (the others have writable layer figures only).</summary>
    [Parameter]
    public SwitchParameter All { get; set; }

    private readonly List<string> _ids = new();
    private readonly List<string> _podIds = new();
    private ContainerQuery _query = new();

    // Input is gathered so each sample costs one round of calls, not one per object.
    protected override void ProcessRecord()
    {
        // A pod from Get-CriPod binds its id to both -Id and -PodId (its PodId alias); a container never has its
        // pod's id, so equal values mean a pod came down the pipeline and selects its containers.
        if (MyInvocation.ExpectingInput && Id.Length == 1 && PodId.Length == 1 && string.Equals(Id[0], PodId[0], StringComparison.Ordinal))
        {
            _podIds.Add(PodId[0]);
            return;
        }
        _ids.AddRange(Id);
        _podIds.AddRange(PodId);
    }

    protected override void EndProcessing()
    {
        if (MyInvocation.ExpectingInput && _ids.Count == 0 && _podIds.Count == 0)
            return;
        _query = new ContainerQuery
        {
            Id = _ids.Distinct(StringComparer.Ordinal).ToArray(),
            Name = Name,
            PodId = _podIds.Distinct(StringComparer.Ordinal).ToArray(),
            Namespace = Namespace,
            Label = ToStringMap(Label),
            All = All,
        };
        WriteSamples();
    }

    protected override Task<QueryResult<ContainerStats>> SampleAsync(IReadOnlyList<ContainerStats>? previous, CancellationToken cancel) =>
        Client.GetContainerStatsAsync(_query, previous, cancel);

    protected override IEnumerable<ContainerStats> Order(IEnumerable<ContainerStats> sample) =>
        sample.OrderBy(s => s.PodNamespace, StringComparer.Ordinal).ThenBy(s => s.PodName, StringComparer.Ordinal)
            .ThenBy(s => s.Name, StringComparer.Ordinal).ThenBy(s => s.ContainerId, StringComparer.Ordinal);

    protected override string SampleCall => "ListContainerStats";
}
