namespace CriPS.Engine.Conversion;

/// <summary>
/// Stops the kubelet, then stops, disables and masks Docker (and cri-dockerd): masked, because a unit that
/// `Requires=docker.service` (an old kubelet unit) would otherwise start it again. Its undo unmasks, enables and
/// starts each of them again; the driver starts the kubelet at the end of the rollback.
/// </summary>
internal sealed class StopServicesStep : NodeStep
{
    public override string Name => "StopServices";

    public override IEnumerable<PlannedAction> Plan(ConversionContext c) =>
        Actions(c).SelectMany(a => a.Arguments[0] == "disable"
            ? [Planned(a.Optional ? "Run (if the unit exists)" : "Run", a.Target), Planned(a.Optional ? "Run (if the unit exists)" : "Run", "systemctl mask " + a.Arguments[^1])]
            : new[] { Planned("Run", a.Target) });

    public override async Task<ConversionStepStatus> RunAsync(ConversionStep record, ConversionContext c, CancellationToken cancel)
    {
        await c.Systemctl.ActAsync(cancel, "stop", "kubelet").ConfigureAwait(false);
        record.Details.Add("kubelet stopped");
        if (c.Survey.Docker.LiveRestore)
            await StopDockerContainersAsync(record, c, cancel).ConfigureAwait(false);
        foreach (var action in Actions(c).Skip(1))
        {
            var unit = action.Arguments[^1];
            // Recorded before it is disabled, so a run killed in between leaves a state rollback can undo; enabling
            // a unit that is still enabled does no harm.
            if (!c.State.DisabledUnits.Contains(unit))
            {
                c.State.DisabledUnits.Add(unit);
                c.SaveState();
            }
            var result = await c.Systemctl.RunAsync(action.Arguments, cancel).ConfigureAwait(false);
            if (result.ExitCode == 0)
            {
                await c.Systemctl.ActAsync(cancel, "mask", unit).ConfigureAwait(false);
                record.Details.Add($"{action.Target}; masked");
                continue;
            }
            // Not disabled, most likely not installed: enabling a unit that is not there would fail the rollback.
            c.State.DisabledUnits.Remove(unit);
            c.SaveState();
            if (!action.Optional)
                throw new CriException("ConversionServiceFailed", CriErrorCategory.InvalidOperation,
                    $"'{action.Target}' failed with exit code {result.ExitCode}: {result.Error}", unit);
            record.Details.Add($"{action.Target}: not done ({result.Error}); the unit is probably not installed");
        }
        return ConversionStepStatus.Done;
    }

    public override async Task UndoAsync(RollbackContext c, CancellationToken cancel)
    {
        foreach (var unit in c.State.DisabledUnits)
        {
            // Unmasking a unit that a killed run did not mask yet changes nothing.
            await c.Systemctl.ActAsync(cancel, "unmask", unit).ConfigureAwait(false);
            await c.Systemctl.ActAsync(cancel, "enable", "--now", unit).ConfigureAwait(false);
            c.Details.Add($"{unit} unmasked, enabled and started");
        }
    }

    /// <summary>The step's service actions: the kubelet's stop, then a disable for each of Docker's units (optional ones may be missing).</summary>
    private static List<ServiceAction> Actions(ConversionContext c)
    {
        var actions = new List<ServiceAction>
        {
            new(["stop", "kubelet"], false),
            new(["disable", "--now", "docker.service"], false),
            new(["disable", "--now", "docker.socket"], true),
        };
        if (c.Survey.Kind == KubeletRuntimeKind.CriDockerd)
        {
            actions.Add(new(["disable", "--now", "cri-docker.service"], true));
            actions.Add(new(["disable", "--now", "cri-docker.socket"], true));
        }
        return actions;
    }

    /// <summary>With live-restore, Docker's containers outlive Docker: stop them while Docker still answers.</summary>
    private static async Task StopDockerContainersAsync(ConversionStep record, ConversionContext c, CancellationToken cancel)
    {
        DockerSnapshot now;
        using var docker = new DockerEngine(c.Survey.DockerEndpoint, c.Options.CallTimeout);
        try
        {
            now = await docker.SnapshotAsync(cancel).ConfigureAwait(false);
        }
        catch (CriException e) when (e.ErrorId == "DockerUnavailable")
        {
            record.Details.Add("Docker no longer answers; its containers were stopped by an earlier run");
            return;
        }
        foreach (var container in now.Containers.Where(x => x.State == "running"))
        {
            await docker.StopContainerAsync(container.Id, TimeSpan.FromSeconds(10), cancel).ConfigureAwait(false);
            record.Details.Add($"Docker container {container.Name} stopped (live-restore)");
        }
    }

    private sealed record ServiceAction(string[] Arguments, bool Optional)
    {
        public string Target => "systemctl " + string.Join(' ', Arguments);
    }
}
