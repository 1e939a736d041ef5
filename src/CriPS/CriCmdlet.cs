using System.Collections;
using System.Diagnostics;
using System.Management.Automation;
using CriPS.Engine;

namespace CriPS;

/// <summary>
/// What every CriPS cmdlet shares: the endpoint parameters, a deadline per call, Ctrl+C that cancels the call
/// in flight, and the translation of engine failures into ErrorRecords with stable ErrorIds.
/// </summary>
public abstract class CriCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private CriClient? _client;

    /// <summary>The CRI runtime socket: unix:///path, a bare path, or tcp://host:port.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RuntimeEndpoint { get; set; }

    /// <summary>The CRI image service socket, when it is not the runtime's.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ImageEndpoint { get; set; }

    /// <summary>The deadline of each call to the runtime, in seconds.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSec { get; set; }

    /// <summary>Cancelled when the user presses Ctrl+C or the pipeline stops.</summary>
    protected CancellationToken Cancellation => _cancel.Token;

    /// <summary>The client for this invocation; endpoints are resolved and checked on first use.</summary>
    protected CriClient Client => _client ??= OpenClient();

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
    }

    /// <summary>Writes the per-item errors a query met (unknown or ambiguous ids) without stopping.</summary>
    protected void WriteErrors(IEnumerable<CriException> errors)
    {
        foreach (var e in errors)
            WriteError(ToErrorRecord(e));
    }

    protected static ErrorRecord ToErrorRecord(CriException e) =>
        new(e, e.ErrorId, Enum.TryParse<ErrorCategory>(e.Category.ToString(), out var c) ? c : ErrorCategory.NotSpecified, e.Target);

    /// <summary>Hashtable parameters (labels, annotations) as the string map CRI wants.</summary>
    protected static Dictionary<string, string> ToStringMap(IDictionary? table)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (table is null)
            return map;
        foreach (DictionaryEntry entry in table)
            map[entry.Key?.ToString() ?? ""] = entry.Value is null ? "" : LanguagePrimitives.ConvertTo<string>(entry.Value);
        return map;
    }

    private CriClient OpenClient()
    {
        CriClient client;
        try
        {
            client = CriClient.Connect(RuntimeEndpoint, ImageEndpoint, TimeoutSec > 0 ? TimeSpan.FromSeconds(TimeoutSec) : null);
        }
        catch (CriException e)
        {
            ThrowTerminatingError(ToErrorRecord(e));
            throw;
        }
        WriteVerbose($"Runtime endpoint {client.RuntimeEndpoint.Endpoint} ({client.RuntimeEndpoint.Reason}); "
            + $"image endpoint {client.ImageEndpoint.Endpoint} ({client.ImageEndpoint.Reason}); deadline {client.Timeout.TotalSeconds:0.#} s.");
        _client = client;
        var warm = client.IsChannelWarm;
        var runtime = Await(client.EnsureReadyAsync, warm ? null : "Version");
        WriteVerbose(warm ? $"Reusing this session's channel to {runtime} (version check cached)." : $"Connected to {runtime}.");
        return client;
    }
}
