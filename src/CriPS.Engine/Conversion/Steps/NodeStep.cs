namespace CriPS.Engine.Conversion;

/// <summary>
/// One step of the conversion, whole: its name (in the state file and the report), what -WhatIf shows, how it runs
/// and how -Rollback undoes it. ConversionSteps.All lists the steps in the order a run takes them.
/// </summary>
internal abstract class NodeStep
{
    public abstract string Name { get; }

    /// <summary>What the step would do, for -WhatIf. Changes nothing.</summary>
    public abstract IEnumerable<PlannedAction> Plan(ConversionContext c);

    /// <summary>
    /// Does the step, adding what it did to <paramref name="record"/>'s details. A run after a failure or a crash
    /// runs a step again that did not finish, so every step must be safe to repeat.
    /// </summary>
    public abstract Task<ConversionStepStatus> RunAsync(ConversionStep record, ConversionContext c, CancellationToken cancel);

    /// <summary>
    /// Undoes what the step changed on the node. Rollback calls it for every step that started, the last first,
    /// between stopping and starting the kubelet; a step that changes nothing there has nothing to undo.
    /// </summary>
    public virtual Task UndoAsync(RollbackContext c, CancellationToken cancel) => Task.CompletedTask;

    protected PlannedAction Planned(string action, string target, string detail = "") => new(Name, action, target, detail);
}
