using System.Collections;
using System.Management.Automation;
using CriPS.Completion;
using CriPS.Engine.Filtering;

namespace CriPS.Cmdlets;

/// <summary>
/// Pod resource usage (crictl statsp): the whole pod's CPU percent over -SampleInterval, memory, network counters
/// and its containers; ready pods unless -PodId says otherwise.
/// </summary>
[Cmdlet(VerbsCommon.Get, "CriPodStats")]
[OutputType(typeof(PodStats))]
public sealed class GetCriPodStatsCommand : StatsCmdlet<PodStats>
{
    /// <summary>Full ids or unique prefixes (alias -Id); pods bind their id here, containers and stats objects the id of their pod.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PodCompleter))]
    [PodIdTransformation]
    public string[] PodId { get; set; } = [];

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PodCompleter))]
    public string[] Name { get; set; } = [];

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PodCompleter))]
    public string[] Namespace { get; set; } = [];

    /// <summary>Labels that must all be present with exactly these values.</summary>
    [Parameter]
    public Hashtable? Label { get; set; }

    private readonly List<string> _ids = new();
    private PodQuery _query = new();
    private bool _toldListFailure;

    // Pods from the pipeline are gathered so each sample costs one round of calls, not one per pod.
    protected override void ProcessRecord() => _ids.AddRange(PodId);

    protected override void EndProcessing()
    {
        if (MyInvocation.ExpectingInput && _ids.Count == 0)
            return;
        _query = new PodQuery
        {
            Id = _ids.Distinct(StringComparer.Ordinal).ToArray(),
            Name = Name,
            Namespace = Namespace,
            Label = ToStringMap(Label),
        };
        WriteSamples();
    }

    protected override Task<QueryResult<PodStats>> SampleAsync(IReadOnlyList<PodStats>? previous, CancellationToken cancel) =>
        Client.GetPodStatsAsync(_query, previous, cancel);

    protected override void OnSampled()
    {
        if (_toldListFailure || Client.PodStatsListFailure is not { } why)
            return;
        _toldListFailure = true;
        WriteVerbose($"The runtime refused ListPodSandboxStats ({why}); asking pod by pod instead.");
    }

    protected override IEnumerable<PodStats> Order(IEnumerable<PodStats> sample) =>
        sample.OrderBy(s => s.Namespace, StringComparer.Ordinal).ThenBy(s => s.Name, StringComparer.Ordinal)
            .ThenBy(s => s.PodId, StringComparer.Ordinal);

    protected override string SampleCall => "ListPodSandboxStats";
}
