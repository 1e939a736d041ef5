using System.Collections;
using System.Diagnostics;
using System.Management.Automation;
using CriPS.Engine.Archives;

namespace CriPS;

/// <summary>
/// What every CriPS cmdlet shares, whichever API it speaks: a deadline per call, Ctrl+C that cancels the call
/// in flight, and the translation of engine failures into ErrorRecords with stable ErrorIds.
/// </summary>
public abstract class CriPSCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _cancel = new();

    /// <summary>
    /// The deadline of each call to the runtime, in seconds (10 by default). Limits of more than one call (a whole
    /// pull, a command in a container, how long to listen) have parameters of their own.
    /// </summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSec { get; set; }

    /// <summary>The deadline of each call; null leaves the engine's default.</summary>
    protected TimeSpan? CallTimeout => TimeoutSec > 0 ? TimeSpan.FromSeconds(TimeoutSec) : null;

    protected override void StopProcessing() => _cancel.Cancel();

    /// <summary>Checks the parameters first, so a bad argument fails as itself even when no runtime answers, then connects.</summary>
    protected sealed override void BeginProcessing()
    {
        CheckParameters();
        Connect();
    }

    /// <summary>Checks and parses of parameters that need no endpoint.</summary>
    protected virtual void CheckParameters()
    {
    }

    /// <summary>Opens the client of the API the cmdlet speaks, once, before any record is processed.</summary>
    private protected virtual void Connect()
    {
    }

    public void Dispose()
    {
        ReleaseResources();
        _cancel.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>For what a cmdlet holds across records (PowerShell disposes the cmdlet however its pipeline ends).</summary>
    protected virtual void ReleaseResources()
    {
    }

    /// <summary>Cancelled at Ctrl+C or when the pipeline stops; for work that outlives one Run.</summary>
    protected CancellationToken StopToken => _cancel.Token;

    /// <summary>How long work that was told to stop (Ctrl+C, an error, Select-Object -First) gets to clean up.</summary>
    protected static readonly TimeSpan CleanupWait = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The one way CriPS waits on async work. The work runs on a worker and queues what it writes in
    /// <see cref="PipelineOutput"/>; this (pipeline) thread writes it meanwhile. Ctrl+C cancels the work and the
    /// wait; however the work ends, records it queued before are written and its open progress bars closed. A
    /// failure of the work ends the cmdlet (a CriException as itself, anything else as CriUnexpectedError).
    /// </summary>
    protected T Run<T>(Func<PipelineOutput, CancellationToken, Task<T>> work, string? what) => Run(work, what, shared: null);

    /// <summary>
    /// An output that outlives one Run, for work that spans several records (a process fed by pipeline input): each
    /// Run with it writes what any of that work queued until its own step ends. <paramref name="cancel"/> is what
    /// ends that work; it must end with the cmdlet (link it to <see cref="StopToken"/> and cancel it on release),
    /// or a writer waiting for the pipeline would wait for ever.
    /// </summary>
    protected static PipelineOutput NewSharedOutput(CancellationToken cancel) => new(cancel);

    /// <summary>Run, writing from <paramref name="shared"/> (see <see cref="NewSharedOutput"/>) when given.</summary>
    protected T Run<T>(Func<PipelineOutput, CancellationToken, Task<T>> work, string? what, PipelineOutput? shared)
    {
        var watch = Stopwatch.StartNew();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_cancel.Token);
        var output = shared ?? new PipelineOutput(stop.Token);
        var task = Task.Run(() => work(output, stop.Token));
        task.ContinueWith(_ => { if (shared is null) output.End(); else output.Wake(); }, TaskScheduler.Default);
        try
        {
            output.WriteUntilEnd(this, _cancel.Token, shared is null ? null : task);
            var result = task.GetAwaiter().GetResult();
            if (what is not null)
                WriteVerbose($"{what}: {watch.Elapsed.TotalMilliseconds:F1} ms");
            return result;
        }
        catch (OperationCanceledException) when (_cancel.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (CriException e)
        {
            ThrowTerminatingError(ToErrorRecord(e));
            throw; // not reached: ThrowTerminatingError always throws
        }
        catch (Exception e) when (IsUntranslated(e))
        {
            ThrowTerminatingError(ToErrorRecord(Untranslated(e)));
            throw;
        }
        finally
        {
            if (!task.IsCompleted)
            {
                // Stopped from outside (Ctrl+C, a downstream command that has enough, a write that failed): let the
                // work release what it holds (an ingest, a lease, a stream) before the pipeline goes on.
                stop.Cancel();
                Task.WaitAny([task], CleanupWait);
            }
            try
            {
                output.CompleteProgress(this);
            }
            catch (PipelineStoppedException)
            {
                // A stopped pipeline takes no more records; the host clears its progress display itself.
            }
        }
    }

    /// <summary>
    /// Run for per-item work: a failure about the item is written as a non-terminating error and false returned; a
    /// failure of the endpoint itself still ends the cmdlet, since no other item can succeed.
    /// </summary>
    protected bool TryRun(Func<PipelineOutput, CancellationToken, Task> work, string what, PipelineOutput? shared = null)
    {
        CriException? failure = null;
        Run(async (output, cancel) =>
        {
            try
            {
                await work(output, cancel).ConfigureAwait(false);
            }
            catch (CriException e) when (!e.IsEndpointFailure)
            {
                failure = e;
            }
            return true;
        }, what, shared);
        if (failure is null)
            return true;
        WriteError(ToErrorRecord(failure));
        return false;
    }

    /// <summary>Run for one engine call that writes nothing itself.</summary>
    protected T Await<T>(Func<CancellationToken, Task<T>> call, string? what) => Run((_, cancel) => call(cancel), what);

    protected void Await(Func<CancellationToken, Task> call, string what) =>
        Run(async (_, cancel) => { await call(cancel).ConfigureAwait(false); return true; }, what);

    /// <summary>TryRun for one engine call that writes nothing itself.</summary>
    protected bool TryAwait(Func<CancellationToken, Task> call, string what) => TryRun((_, cancel) => call(cancel), what);

    /// <summary>
    /// TryAwait for a long transfer (an image import or export): shows its progress meanwhile, as bytes of the
    /// total when known. Null after a per-item error.
    /// </summary>
    protected T? TryAwaitTransfer<T>(Func<CancellationToken, Task<T>> call, TransferProgress progress, string activity) where T : class
    {
        T? result = null;
        var watch = Stopwatch.StartNew();
        if (!TryRun(async (output, cancel) =>
            {
                var transfer = call(cancel);
                // Once cancelled, Delay returns at once: the loop stops there, or it would spin while the transfer cleans up.
                while (!cancel.IsCancellationRequested
                       && await Task.WhenAny(transfer, Task.Delay(ProgressInterval, cancel)).ConfigureAwait(false) != transfer)
                    output.Progress(TransferRecord(progress, activity, watch.Elapsed));
                result = await transfer.ConfigureAwait(false);
            }, activity))
            return null;
        WriteVerbose($"{activity}: {progress.Bytes} bytes");
        return result;
    }

    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(200);
    private const int TransferActivityId = 1;

    /// <summary>A new record each time: hosts and jobs may keep the records they are given.</summary>
    private static ProgressRecord TransferRecord(TransferProgress progress, string activity, TimeSpan elapsed)
    {
        var total = progress.Total;
        var rate = progress.Bytes / Math.Max(elapsed.TotalSeconds, 0.001);
        var status = total is > 0
            ? $"{Display.Bytes(progress.Bytes)} of {Display.Bytes(total.Value)} ({Display.Bytes((long)rate)}/s)"
            : $"{Display.Bytes(progress.Bytes)} ({Display.Bytes((long)rate)}/s)";
        return new ProgressRecord(TransferActivityId, activity, status)
        {
            CurrentOperation = progress.Current,
            PercentComplete = total is > 0 ? (int)Math.Clamp(100 * progress.Bytes / total.Value, 0, 100) : -1,
        };
    }

    /// <summary>Writes the per-item errors a query met (unknown or ambiguous ids) without stopping.</summary>
    protected void WriteErrors(IEnumerable<CriException> errors)
    {
        foreach (var e in errors)
            WriteError(ToErrorRecord(e));
    }

    /// <summary>Turns an engine failure into a terminating error (endpoint resolution, bad input).</summary>
    protected void ThrowTerminating(CriException e) => ThrowTerminatingError(ToErrorRecord(e));

    /// <summary>
    /// True for a failure the engine did not translate. PowerShell's own exceptions (a stopped pipeline, -ErrorAction
    /// Stop) and fatal ones pass on as they are; the caller's own cancellation is handled before this is asked.
    /// </summary>
    protected static bool IsUntranslated(Exception e) =>
        e is not (CriException or OutOfMemoryException or StackOverflowException) && e.GetType().Assembly != typeof(PSCmdlet).Assembly;

    /// <summary>
    /// A failure the engine did not translate, as a CriException, so that no other type (the engine's load context's,
    /// a transport's with its request) reaches the user: its type name and redacted message, its cause reduced as
    /// CriException reduces every cause. A cancellation nobody asked for is a deadline of the engine's: CriTimeout.
    /// </summary>
    protected static CriException Untranslated(Exception e) => e is OperationCanceledException
        ? new CriException("CriTimeout", CriErrorCategory.OperationTimeout, $"The call did not finish within its deadline ({e.Message}).", null, e)
        : new CriException("CriUnexpectedError", CriErrorCategory.NotSpecified, $"{e.GetType().FullName}: {e.Message}", null, e);

    internal static ErrorRecord ToErrorRecord(CriException e) =>
        new(e, e.ErrorId, Enum.TryParse<ErrorCategory>(e.Category.ToString(), out var c) ? c : ErrorCategory.NotSpecified, e.Target);

    /// <summary>Hashtable parameters (labels, annotations) as the string map the APIs want.</summary>
    protected static Dictionary<string, string> ToStringMap(IDictionary? table)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (table is null)
            return map;
        foreach (DictionaryEntry entry in table)
            map[entry.Key?.ToString() ?? ""] = entry.Value is null ? "" : LanguagePrimitives.ConvertTo<string>(entry.Value);
        return map;
    }
}
