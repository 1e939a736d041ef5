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

    /// <summary>The deadline of each call, in seconds.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSec { get; set; }

    /// <summary>Cancelled when the user presses Ctrl+C or the pipeline stops.</summary>
    protected CancellationToken Cancellation => _cancel.Token;

    /// <summary>The deadline of each call; a cmdlet whose -TimeoutSec means something else says so by overriding it.</summary>
    protected virtual TimeSpan? CallTimeout => TimeoutSec > 0 ? TimeSpan.FromSeconds(TimeoutSec) : null;

    protected override void StopProcessing() => _cancel.Cancel();

    public void Dispose()
    {
        _cancel.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Runs an engine call on the pipeline thread; failures of the call itself end the cmdlet.</summary>
    protected T Await<T>(Func<CancellationToken, Task<T>> call, string? what)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            var result = call(_cancel.Token).GetAwaiter().GetResult();
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
    }

    protected void Await(Func<CancellationToken, Task> call, string what) =>
        Await(async c => { await call(c).ConfigureAwait(false); return true; }, what);

    /// <summary>
    /// Runs a per-item call: a failure about the item is written as a non-terminating error and false is
    /// returned; a failure of the endpoint itself still ends the cmdlet, since no other item can succeed.
    /// </summary>
    protected bool TryAwait(Func<CancellationToken, Task> call, string what)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            call(_cancel.Token).GetAwaiter().GetResult();
            WriteVerbose($"{what}: {watch.Elapsed.TotalMilliseconds:F1} ms");
            return true;
        }
        catch (OperationCanceledException) when (_cancel.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        catch (CriException e) when (!e.IsEndpointFailure)
        {
            WriteError(ToErrorRecord(e));
            return false;
        }
        catch (CriException e)
        {
            ThrowTerminatingError(ToErrorRecord(e));
            return false;
        }
        catch (Exception e) when (IsUntranslated(e))
        {
            ThrowTerminatingError(ToErrorRecord(Untranslated(e)));
            return false;
        }
    }

    /// <summary>
    /// TryAwait for a long transfer (an image import or export): shows its progress meanwhile, as bytes of the
    /// total when known, and completes the progress record however the transfer ends. Null after a per-item error.
    /// </summary>
    protected T? TryAwaitTransfer<T>(Func<CancellationToken, Task<T>> call, TransferProgress progress, string activity) where T : class
    {
        var watch = Stopwatch.StartNew();
        Task<T>? task = null;
        try
        {
            task = call(_cancel.Token);
            while (Task.WaitAny([task], 200) < 0)
            {
                var total = progress.Total;
                var rate = progress.Bytes / Math.Max(watch.Elapsed.TotalSeconds, 0.001);
                var status = total is > 0
                    ? $"{Display.Bytes(progress.Bytes)} of {Display.Bytes(total.Value)} ({Display.Bytes((long)rate)}/s)"
                    : $"{Display.Bytes(progress.Bytes)} ({Display.Bytes((long)rate)}/s)";
                // A new record each time: hosts and jobs may keep the records they are given.
                WriteProgress(new ProgressRecord(TransferActivityId, activity, status)
                {
                    CurrentOperation = progress.Current,
                    PercentComplete = total is > 0 ? (int)Math.Clamp(100 * progress.Bytes / total.Value, 0, 100) : -1,
                });
            }
            var result = task.GetAwaiter().GetResult();
            WriteVerbose($"{activity}: {watch.Elapsed.TotalMilliseconds:F1} ms, {progress.Bytes} bytes");
            return result;
        }
        catch (Exception e) when (e is OperationCanceledException or PipelineStoppedException && _cancel.IsCancellationRequested)
        {
            // Let the transfer clean up (abort its writes, drop its lease) before the pipeline ends.
            if (task is not null)
                Task.WaitAny([task], TimeSpan.FromSeconds(5));
            throw new PipelineStoppedException();
        }
        catch (CriException e) when (!e.IsEndpointFailure)
        {
            WriteError(ToErrorRecord(e));
            return null;
        }
        catch (CriException e)
        {
            ThrowTerminatingError(ToErrorRecord(e));
            return null;
        }
        catch (Exception e) when (IsUntranslated(e))
        {
            ThrowTerminatingError(ToErrorRecord(Untranslated(e)));
            return null;
        }
        finally
        {
            try
            {
                WriteProgress(new ProgressRecord(TransferActivityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
            }
            catch (PipelineStoppedException)
            {
                // Ctrl+C: the host drops the progress display itself.
            }
        }
    }

    private const int TransferActivityId = 1;

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

    protected static ErrorRecord ToErrorRecord(CriException e) =>
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
