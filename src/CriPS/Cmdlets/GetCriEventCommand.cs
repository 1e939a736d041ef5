using System.Management.Automation;
using CriPS.Completion;
using CriPS.Engine;
using CriPS.Engine.Filtering;

namespace CriPS.Cmdlets;

/// <summary>
/// Streams container lifecycle events (CRI GetContainerEvents, crictl events) to the pipeline as they arrive,
/// until Ctrl+C, until -DurationSec has passed, or until a later command such as Select-Object -First has enough.
/// </summary>
[Cmdlet(VerbsCommon.Get, "CriEvent")]
[OutputType(typeof(ContainerEvent))]
public sealed class GetCriEventCommand : CriCmdlet
{
    /// <summary>The kinds of event to write; all of them by default.</summary>
    [Parameter(Position = 0)]
    public ContainerEventType[] Type { get; set; } = [];

    /// <summary>Container id prefixes or wildcard patterns; the containers need not exist yet.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContainerCompleter))]
    [ContainerIdTransformation]
    public string[] ContainerId { get; set; } = [];

    /// <summary>Pod id prefixes or wildcard patterns; they match events that carry the pod's status.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PodCompleter))]
    [PodIdTransformation]
    public string[] PodId { get; set; } = [];

    /// <summary>How long to listen, in seconds; until Ctrl+C when not given.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int DurationSec { get; set; }

    protected override void EndProcessing()
    {
        var listenFor = DurationSec > 0 ? TimeSpan.FromSeconds(DurationSec) : (TimeSpan?)null;
        var query = new EventQuery { Type = Type, ContainerId = ContainerId, PodId = PodId };
        WriteVerbose(listenFor is { } t ? $"Listening for container events for {t.TotalSeconds:0} s." : "Listening for container events until Ctrl+C.");
        var written = Run(async (output, cancel) =>
        {
            var count = 0;
            try
            {
                await foreach (var e in Client.GetContainerEventsAsync(query, listenFor, cancel).ConfigureAwait(false))
                {
                    await output.ObjectAsync(e).ConfigureAwait(false);
                    count++;
                }
            }
            catch (CriException e) when (e.ErrorId == CriClient.EventStreamEndedErrorId)
            {
                // What was listened to still stands: the end is reported, not thrown.
                output.Error(e);
            }
            return count;
        }, "GetContainerEvents");
        WriteVerbose($"{written} events.");
    }
}
