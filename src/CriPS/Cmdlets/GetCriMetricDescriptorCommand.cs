using System.Management.Automation;

namespace CriPS.Cmdlets;

/// <summary>The metrics the runtime can report for pods and containers, with their labels (crictl metricdescs).</summary>
[Cmdlet(VerbsCommon.Get, "CriMetricDescriptor")]
[OutputType(typeof(MetricDescriptor))]
public sealed class GetCriMetricDescriptorCommand : CriCmdlet
{
    /// <summary>Metric names to show; wildcards allowed.</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = [];

    protected override void EndProcessing()
    {
        var patterns = Name.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToList();
        var descriptors = Await(Client.GetMetricDescriptorsAsync, "ListMetricDescriptors");
        WriteObject(descriptors.Where(d => patterns.Count == 0 || patterns.Any(p => p.IsMatch(d.Name))), enumerateCollection: true);
    }
}
