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
            ArchivePrevious(_files);
            _previous = false;
        }
        var changes = new NodeChanges(_files, _backup);
        var systemctl = new Systemctl(_options.CallTimeout, line => log.Verbose(line));
        var context = new StepContext(log, changes, systemctl);
        foreach (var step in Report.Steps)
        {
            if (step.Status == ConversionStepStatus.DoneBefore)
            {
                log.Verbose($"{step.Name}: done by an earlier run");
                continue;
            }
            step.StartedAt = DateTimeOffset.Now;
            step.Details.Clear();
            Record(step);
            log.Progress(step.Name, "running", -1);
            var watch = Stopwatch.StartNew();
            try
            {
                step.Status = await RunStepAsync(step, context, cancel).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // Whatever went wrong, the step is recorded as failed, so the next run resumes here.
                step.Status = ConversionStepStatus.Failed;
                step.Duration = watch.Elapsed;
                step.Details.Add(e is OperationCanceledException ? "cancelled" : e.Message);
                _state.Outcome = Report.Outcome = ConversionOutcome.Failed;
                Record(step);
                if (e is CriException or OperationCanceledException)
                    throw;
                throw new CriException("ConversionStepFailed", CriErrorCategory.NotSpecified,
                    $"The {step.Name} step failed: {e.Message} Run the command again to resume, or go back with: {Report.RollbackCommand}", step.Name, e);
            }
            step.Duration = watch.Elapsed;
            Record(step);
            log.Verbose($"{step.Name}: {step.Status} in {watch.Elapsed.TotalSeconds:F1} s");
        }
        _state.Outcome = Report.Outcome = ConversionOutcome.Converted;
        _state.Save(_files, NodePaths.StateFile);
        Report.ManualSteps.Add("Docker is stopped and disabled, not removed. Once the node has run well on containerd, you may uninstall Docker and delete "
            + (_survey.Docker.DataRoot ?? "/var/lib/docker") + "; until then -Rollback can go back.");
        return Report;
    }

    /// <summary>Copies a step's record into the state file and saves it (the step's progress survives a crash).</summary>
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

    private sealed record StepContext(IConversionLog Log, NodeChanges Changes, Systemctl Systemctl);

    private Task<ConversionStepStatus> RunStepAsync(ConversionStep step, StepContext context, CancellationToken cancel) => step.Name switch
    {
        StepNames.Preflight => Task.FromResult(PreflightStep(step, context)),
        StepNames.Backup => Task.FromResult(BackupStep(step)),
        StepNames.Drain => _options.KubeConfig is null ? Task.FromResult(ManualStep(step, DrainAdvice)) : ClusterStepAsync(step, drain: true, cancel),
        StepNames.Images => ImagesStepAsync(step, context, cancel),
        StepNames.StopServices => StopServicesStepAsync(step, context, cancel),
        StepNames.ContainerdConfig or StepNames.Kubelet => Task.FromResult(WriteFilesStep(step, context)),
        StepNames.DockerSettings => DockerSettingsStepAsync(step, context, cancel),
        StepNames.StartServices => StartServicesStepAsync(step, context, cancel),
        StepNames.Postflight => PostflightStepAsync(step, cancel),
        StepNames.Uncordon => _options.KubeConfig is null ? Task.FromResult(ManualStep(step, UncordonAdvice)) : ClusterStepAsync(step, drain: false, cancel),
        _ => throw new InvalidOperationException($"unknown step {step.Name}"),
    };

    private async Task<ConversionStepStatus> ClusterStepAsync(ConversionStep step, bool drain, CancellationToken cancel)
    {
        using var cluster = ClusterSteps.Connect(_options.KubeConfig!, _options.NodeName, _options.CallTimeout);
        step.Details.AddRange(drain
            ? await cluster.CordonAndDrainAsync(_options.DrainTimeout, cancel).ConfigureAwait(false)
            : await cluster.UncordonAsync(_plan.KubeletEndpoint, cancel).ConfigureAwait(false));
        return ConversionStepStatus.Done;
    }

    private ConversionStepStatus ManualStep(ConversionStep step, string advice)
    {
        step.Details.Add("left to you (give -KubeConfig to have it done through the Kubernetes API): " + advice);
        Report.ManualSteps.Add(advice);
        return ConversionStepStatus.Manual;
    }
}
