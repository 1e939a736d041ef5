using System.Diagnostics;

namespace CriPS.Engine.Conversion;

public sealed partial class NodeConversion
{
    /// <summary>
    /// Runs every step not yet done, in order, saving the state file before and after each. A failure stops the
    /// run with the step marked Failed and the report's RollbackCommand set; running again resumes at that step.
    /// </summary>
    public async Task<ConversionReport> RunAsync(IConversionLog log, CancellationToken cancel)
    {
        if (NothingToDo)
            return Report;
        if (BlockingFindings.Count > 0)
        {
            Report.Outcome = ConversionOutcome.Refused;
            return Report;
        }
        if (_previous)
        {
            ArchivePrevious(_files, _options.KeepBackups);
            _previous = false;
        }
        var context = ContextWith(log);
        foreach (var (step, record) in ConversionSteps.All.Zip(Report.Steps))
        {
            if (record.Status == ConversionStepStatus.DoneBefore)
            {
                log.Verbose($"{step.Name}: done by an earlier run");
                continue;
            }
            record.StartedAt = DateTimeOffset.Now;
            record.Details.Clear();
            Record(record);
            log.Progress(step.Name, "running", -1);
            var watch = Stopwatch.StartNew();
            try
            {
                record.Status = await step.RunAsync(record, context, cancel).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // Whatever went wrong, the step is recorded as failed, so the next run resumes here.
                record.Status = ConversionStepStatus.Failed;
                record.Duration = watch.Elapsed;
                // The state file keeps this: a CriException's message is redacted already, anything else's here.
                record.Details.Add(e is OperationCanceledException ? "cancelled" : SecretText.Redact(e.Message));
                _state.Outcome = Report.Outcome = ConversionOutcome.Failed;
                Record(record);
                if (e is CriException or OperationCanceledException)
                    throw;
                throw new CriException("ConversionStepFailed", CriErrorCategory.NotSpecified,
                    $"The {step.Name} step failed: {e.Message} Run the command again to resume, or go back with: {Report.RollbackCommand}", step.Name, e);
            }
            record.Duration = watch.Elapsed;
            Record(record);
            log.Verbose($"{step.Name}: {record.Status} in {watch.Elapsed.TotalSeconds:F1} s");
        }
        _state.Outcome = Report.Outcome = ConversionOutcome.Converted;
        _state.Save(_files, NodePaths.StateFile);
        Report.ManualSteps.Add("Docker is stopped and disabled, not removed. Once the node has run well on containerd, you may uninstall Docker and delete "
            + (_survey.Docker.DataRoot ?? "/var/lib/docker") + "; until then -Rollback can go back.");
        return Report;
    }

    /// <summary>
    /// Copies a step's record into the state file and saves it (the step's progress survives a crash). A step is
    /// recorded as it starts, so rollback knows to undo it even when the run was killed before it finished.
    /// </summary>
    private void Record(ConversionStep step)
    {
        var index = _state.Steps.FindIndex(s => s.Name == step.Name);
        var copy = new ConversionStep { Name = step.Name, Status = step.Status, StartedAt = step.StartedAt, Duration = step.Duration, Details = step.Details.ToList() };
        if (index < 0)
            _state.Steps.Add(copy);
        else
            _state.Steps[index] = copy;
        _state.Save(_files, NodePaths.StateFile);
    }
}
