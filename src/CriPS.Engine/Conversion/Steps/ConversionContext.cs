namespace CriPS.Engine.Conversion;

/// <summary>What the steps of one conversion work from (the survey, the plan, the state and backup) and with.</summary>
internal sealed class ConversionContext(ConversionOptions options, NodeFiles files, NodeBackup backup, ConversionState state,
    NodeSurvey survey, NodePlan plan, IReadOnlyList<ConversionFinding> findings, ConversionReport report, IConversionLog log)
{
    public ConversionOptions Options => options;
    public NodeFiles Files => files;
    public NodeBackup Backup => backup;
    public ConversionState State => state;
    public NodeSurvey Survey => survey;
    public NodePlan Plan => plan;
    public IReadOnlyList<ConversionFinding> Findings => findings;

    /// <summary>The report the run fills in (images moved, manual steps).</summary>
    public ConversionReport Report => report;
    public IConversionLog Log => log;
    public NodeChanges Changes { get; } = new(files, backup);
    public Systemctl Systemctl { get; } = new(options.CallTimeout, line => log.Verbose(line));

    public void SaveState() => state.Save(files, NodePaths.StateFile);

    /// <summary>A step left to a person: the advice goes in the step's details and the report's manual steps.</summary>
    public ConversionStepStatus LeaveToUser(ConversionStep record, string advice)
    {
        record.Details.Add("left to you (give -KubeConfig to have it done through the Kubernetes API): " + advice);
        report.ManualSteps.Add(advice);
        return ConversionStepStatus.Manual;
    }

    /// <summary>Calls until the call succeeds or the ready timeout passes; the last failure is the error.</summary>
    public async Task<T> WaitForAsync<T>(Func<Task<T>> call, string what, CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow + options.ReadyTimeout;
        while (true)
        {
            try
            {
                return await call().ConfigureAwait(false);
            }
            catch (CriException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, cancel).ConfigureAwait(false);
            }
            catch (CriException e)
            {
                throw new CriException("ConversionRuntimeNotReady", CriErrorCategory.ResourceUnavailable,
                    $"{what} was not ready within {options.ReadyTimeout.TotalSeconds:0} s: {e.Message}", survey.ContainerdEndpoint, e);
            }
        }
    }
}
