using System.Collections.Concurrent;
using System.Management.Automation;

namespace CriPS;

/// <summary>
/// What async work hands to the pipeline thread, the only thread a cmdlet may write from. The work queues its
/// records here from any thread; <see cref="CriPSCmdlet"/>'s Run writes them, in order, while it waits.
/// Objects take a credit each, returned once written, so a fast producer (an endless log, an event stream) waits
/// for the pipeline instead of filling memory; messages (verbose, warnings, progress) are few and never wait.
/// </summary>
public sealed class PipelineOutput
{
    /// <summary>Objects queued at most: enough to keep the pipeline busy, little enough to stay flat on an endless stream.</summary>
    private const int ObjectCredits = 64;

    private readonly ConcurrentQueue<(Action<Cmdlet> Write, bool Credited)> _queue = new();
    // One release per queued record, one when the work ends and one when a step of shared work ends (Wake), so the
    // writer never misses any; a wake may outlive its step, and an empty queue after a release is then no end.
    private readonly SemaphoreSlim _signal = new(0);
    private readonly SemaphoreSlim _credits = new(ObjectCredits);
    private readonly Dictionary<int, ProgressRecord> _openProgress = new();
    private readonly CancellationToken _cancel;
    private volatile bool _ended;

    internal PipelineOutput(CancellationToken cancel) => _cancel = cancel;

    /// <summary>Queues an object for the pipeline, waiting while the pipeline is <see cref="ObjectCredits"/> objects behind.</summary>
    public Task ObjectAsync(object item) => WriteCreditedAsync(c => c.WriteObject(item));

    /// <summary>
    /// <see cref="Write"/> for records that can come without end (a command's stderr lines): it takes a credit as an
    /// object does.
    /// </summary>
    public async Task WriteCreditedAsync(Action<Cmdlet> write)
    {
        await _credits.WaitAsync(_cancel).ConfigureAwait(false);
        Queue(write, credited: true);
    }

    public void Verbose(string message) => Queue(c => c.WriteVerbose(message));

    public void Warning(string message) => Queue(c => c.WriteWarning(message));

    /// <summary>A per-item failure, written as a non-terminating error; a failure that ends the work is thrown instead.</summary>
    public void Error(CriException e) => Queue(c => c.WriteError(CriPSCmdlet.ToErrorRecord(e)));

    public void Progress(ProgressRecord record) => Queue(c => WriteProgress(c, record));

    /// <summary>For what only the cmdlet knows how to write (a note property, a counted warning), run on the pipeline thread.</summary>
    public void Write(Action<Cmdlet> write) => Queue(write);

    private void Queue(Action<Cmdlet> write, bool credited = false)
    {
        _queue.Enqueue((write, credited));
        _signal.Release();
    }

    /// <summary>Called once the work has ended, however; what it queued before is still written.</summary>
    internal void End()
    {
        _ended = true;
        _signal.Release();
    }

    /// <summary>Wakes the writer without ending the output: one step of work that spans several records has ended.</summary>
    internal void Wake() => _signal.Release();

    /// <summary>
    /// Writes what the work queues until it ends, or until <paramref name="step"/> ends when the output outlives one
    /// call (<see cref="Wake"/> then signals that step's end); <paramref name="stop"/> (Ctrl+C) breaks the wait.
    /// </summary>
    internal void WriteUntilEnd(Cmdlet cmdlet, CancellationToken stop, Task? step = null)
    {
        while (true)
        {
            if (step is { IsCompleted: true })
            {
                // A step of shared work has ended: what is queued now is written, and no more, so a command that
                // writes without pause cannot keep the cmdlet from its next record.
                for (var left = _queue.Count; left > 0 && _queue.TryDequeue(out var queued); left--)
                    WriteOne(cmdlet, queued);
                return;
            }
            _signal.Wait(stop);
            if (!_queue.TryDequeue(out var record))
            {
                // A release without a record is the end, or a step's end (a wake may outlive the step it was for).
                if (_ended || step is { IsCompleted: true })
                    return;
                continue;
            }
            WriteOne(cmdlet, record);
        }
    }

    private void WriteOne(Cmdlet cmdlet, (Action<Cmdlet> Write, bool Credited) record)
    {
        record.Write(cmdlet);
        if (record.Credited)
            _credits.Release();
    }

    /// <summary>Closes the progress records the work left open (a failure, a stop), so no bar stays on screen.</summary>
    internal void CompleteProgress(Cmdlet cmdlet)
    {
        foreach (var open in _openProgress.Values.ToList())
            WriteProgress(cmdlet, new ProgressRecord(open.ActivityId, open.Activity, "Done")
            {
                ParentActivityId = open.ParentActivityId,
                RecordType = ProgressRecordType.Completed,
            });
    }

    private void WriteProgress(Cmdlet cmdlet, ProgressRecord record)
    {
        if (record.RecordType == ProgressRecordType.Completed)
            _openProgress.Remove(record.ActivityId);
        else
            _openProgress[record.ActivityId] = record;
        cmdlet.WriteProgress(record);
    }
}
