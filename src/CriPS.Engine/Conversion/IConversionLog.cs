namespace CriPS.Engine.Conversion;

/// <summary>How a running conversion tells the cmdlet what it does; called from any thread.</summary>
public interface IConversionLog
{
    void Verbose(string message);
    void Warning(string message);

    /// <summary>A step's progress; percent is -1 when unknown.</summary>
    void Progress(string step, string status, int percent);
}

/// <summary>One thing -WhatIf lists: a file with its diff, a service action, an image, a manual step.</summary>
public sealed record PlannedAction(string Step, string Action, string Target, string Detail);
