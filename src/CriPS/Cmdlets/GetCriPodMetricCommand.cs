using System.Management.Automation;
using CriPS.Completion;
using CriPS.Engine.Filtering;

namespace CriPS.Cmdlets;

/// <summary>
/// The metric samples the runtime takes of its ready pods and their containers (crictl metricsp): one object per
/// sample, with its labels named by the runtime's descriptors.
/// </summary>
[Cmdlet(VerbsCommon.Get, "CriPodMetric")]
[OutputType(typeof(PodMetric))]
public sealed class GetCriPodMetricCommand : CriCmdlet
{
    /// <summary>Full ids or unique prefixes (alias -Id); pods bind their id here, containers the id of their pod.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PodCompleter))]
    [PodIdTransformation]
    public string[] PodId { get; set; } = [];

    /// <summary>Metric names to keep; wildcards allowed.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = [];

    private readonly List<string> _ids = new();

    // Pods from the pipeline are gathered: the runtime reports every pod in one call.
    protected override void ProcessRecord() => _ids.AddRange(PodId);

    protected override void EndProcessing()
    {
        if (MyInvocation.ExpectingInput && _ids.Count == 0)
            return;
        var query = new PodQuery { Id = _ids.Distinct(StringComparer.Ordinal).ToArray() };
        var result = Await(c => Client.GetPodMetricsAsync(query, c), "ListPodSandboxMetrics");
        WriteErrors(result.Errors);
        var patterns = Name.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToList();
        WriteObject(result.Items.Where(m => patterns.Count == 0 || patterns.Any(p => p.IsMatch(m.Name))), enumerateCollection: true);
    }
}
