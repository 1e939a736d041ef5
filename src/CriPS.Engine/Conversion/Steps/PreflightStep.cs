namespace CriPS.Engine.Conversion;

/// <summary>Reports the survey's findings (errors not accepted have stopped the run before this step) and keeps Docker's image list.</summary>
internal sealed class PreflightStep : NodeStep
{
    public override string Name => "Preflight";

    public override IEnumerable<PlannedAction> Plan(ConversionContext c) =>
        c.Findings.Select(f => Planned($"Report {f.Severity}{(f.Accepted ? " (accepted)" : "")}", f.Target, $"{f.Id}: {f.Message}"));

    public override Task<ConversionStepStatus> RunAsync(ConversionStep record, ConversionContext c, CancellationToken cancel)
    {
        foreach (var finding in c.Findings)
        {
            record.Details.Add(finding.ToString() + (finding.Accepted ? " (accepted)" : ""));
            if (finding.Severity == FindingSeverity.Warning || finding.Accepted)
                c.Log.Warning($"{finding.Id}: {finding.Message}");
        }
        // Once Docker is stopped it cannot list its images again: a resumed run reads them from the state file.
        c.State.Docker ??= c.Survey.DockerState;
        return Task.FromResult(ConversionStepStatus.Done);
    }
}
