using System.Diagnostics;
using System.Management.Automation;
using System.Threading.Channels;
using CriPS.Completion;
using CriPS.Engine;
using CriPS.Engine.Filtering;

namespace CriPS.Cmdlets;

/// <summary>
/// Streams container lifecycle events (CRI GetContainerEvents, crictl events) to the pipeline as they arrive,
/// until Ctrl+C, until -TimeoutSec has passed, or until a later command such as Select-Object -First has enough.
/// </summary>
[Cmdlet(VerbsCommon.Get, "CriEvent")]
[OutputType(typeof(ContainerEvent))]
public sealed class GetCriEventCommand : CriCmdlet
{
    /// <summary>Once the listening ends, the stream gets this long to close before the cmdlet returns regardless.</summary>
    private static readonly TimeSpan CloseWait = TimeSpan.FromMilliseconds(500);

    // -TimeoutSec is how long to listen here; the connection check keeps the usual deadline, so it still fails fast.
    protected override TimeSpan? CallTimeout => null;

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

    protected override void EndProcessing()
    {
        // Resolving and checking the runtime happens here, on the pipeline thread, under the usual deadline.
        var client = Client;
        var listenFor = TimeoutSec > 0 ? TimeSpan.FromSeconds(TimeoutSec) : (TimeSpan?)null;
        var query = new EventQuery { Type = Type, ContainerId = ContainerId, PodId = PodId };
        WriteVerbose(listenFor is { } t ? $"Listening for container events for {t.TotalSeconds:0} s." : "Listening for container events until Ctrl+C.");

        // Cmdlets may write only from the pipeline thread: the stream is read on a task into a queue drained here.
        var events = Channel.CreateUnbounded<ContainerEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        var pump = Task.Run(() => PumpAsync(client, query, listenFor, events.Writer, stop.Token));
        var watch = Stopwatch.StartNew();
        var written = 0;
        try
        {
            while (WaitForEvents(events.Reader))
            {
                while (events.Reader.TryRead(out var e))
                {
                    WriteObject(e);
                    written++;
                }
            }
            WriteVerbose($"{written} events in {watch.Elapsed.TotalSeconds:0.#} s.");
        }
        finally
        {
            // Ctrl+C, Select-Object -First or an error: end the call so nothing keeps reading after the cmdlet.
            // Nothing is written here: a stopping pipeline would turn any write into another exception.
            stop.Cancel();
            pump.Wait(CloseWait);
        }
    }

    private static async Task PumpAsync(CriClient client, EventQuery query, TimeSpan? listenFor,
        ChannelWriter<ContainerEvent> writer, CancellationToken cancel)
    {
        try
        {
            await foreach (var e in client.GetContainerEventsAsync(query, listenFor, cancel).ConfigureAwait(false))
                writer.TryWrite(e);
            writer.TryComplete();
        }
        catch (Exception e)
        {
            writer.TryComplete(e);
        }
    }

    /// <summary>Waits on the pipeline thread for more events; false once the stream has ended.</summary>
    private bool WaitForEvents(ChannelReader<ContainerEvent> reader)
    {
        try
        {
            return reader.WaitToReadAsync(Cancellation).AsTask().GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (Cancellation.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (CriException e) when (e.ErrorId == CriClient.EventStreamEndedErrorId)
        {
            // What was listened to still stands: the end is reported, not thrown.
            WriteError(ToErrorRecord(e));
            return false;
        }
        catch (CriException e)
        {
            ThrowTerminating(e);
            throw; // not reached: ThrowTerminating always throws
        }
        catch (Exception e) when (IsUntranslated(e))
        {
            ThrowTerminating(Untranslated(e));
            throw;
        }
    }
}
