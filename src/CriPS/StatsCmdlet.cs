using System.Diagnostics;
using System.Management.Automation;
using CriPS.Engine.Filtering;

namespace CriPS;

/// <summary>
/// The sampling loop the stats cmdlets share: CPU percent needs two samples, so each output sample is taken
/// -SampleInterval after the one before; -Watch keeps sampling until Ctrl+C.
/// </summary>
public abstract class StatsCmdlet<T> : CriCmdlet where T : CriObject
{
    /// <summary>Seconds between the two samples CPU percent is worked out from, and between samples with -Watch.</summary>
    [Parameter]
    [ValidateRange(0.1, 3600)]
    public double SampleInterval { get; set; } = 1;

    /// <summary>Writes a new sample every interval until Ctrl+C.</summary>
    [Parameter]
    public SwitchParameter Watch { get; set; }

    /// <summary>One sample of the selection, CPU percent worked out against <paramref name="previous"/>.</summary>
    protected abstract Task<QueryResult<T>> SampleAsync(IReadOnlyList<T>? previous, CancellationToken cancel);

    /// <summary>The order the objects of one sample are written in (the same every round, so -Watch output lines up).</summary>
    protected abstract IEnumerable<T> Order(IEnumerable<T> sample);

    /// <summary>The CRI call a sample makes, for -Verbose.</summary>
    protected abstract string SampleCall { get; }

    /// <summary>Runs on the pipeline thread after each sample (for what only the pipeline thread may write).</summary>
    protected virtual void OnSampled()
    {
    }

    private readonly HashSet<(string, string?)> _reported = new();

    protected void WriteSamples()
    {
        var interval = TimeSpan.FromSeconds(SampleInterval);
        var clock = Stopwatch.StartNew();
        var first = TakeSample(null);
        if (first.Items.Count == 0 && !Watch)
            return;

        var previous = first.Items;
        var due = interval;
        while (true)
        {
            // Sample starts keep to the interval's cadence; a sample slower than the interval is followed at once.
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.Zero)
                Await(async c => { await Task.Delay(wait, c).ConfigureAwait(false); return true; }, null);
            due = clock.Elapsed + interval;
            var sample = TakeSample(previous);
            WriteObject(Order(sample.Items), enumerateCollection: true);
            if (!Watch)
                return;
            previous = sample.Items;
        }
    }

    private QueryResult<T> TakeSample(IReadOnlyList<T>? previous)
    {
        var sample = Await(c => SampleAsync(previous, c), SampleCall);
        OnSampled();
        // With -Watch the same failure would come back every round (a pod the runtime cannot measure): say it once.
        WriteErrors(sample.Errors.Where(e => _reported.Add((e.ErrorId, e.Target?.ToString()))));
        return sample;
    }
}
