using System.Diagnostics;
using System.Management.Automation;

namespace CriPS;

/// <summary>
/// Turns polls of containerd's active downloads into Write-Progress records: one child record per layer
/// (bytes done of total) under one overall record. Without downloads to show (a runtime other than
/// containerd), the overall record says how long the pull has run. Complete() ends every record it opened.
/// </summary>
internal sealed class PullProgress(Action<ProgressRecord> write, int activityId, string activity)
{
    private readonly Dictionary<string, (int Id, long Offset, long Total)> _layers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _completed = new(StringComparer.Ordinal);
    private readonly Stopwatch _elapsed = Stopwatch.StartNew();
    private int _nextId = activityId + 1;
    private bool _started;

    /// <summary>Shows the downloads seen now; null means the runtime cannot tell (indeterminate progress).</summary>
    public void Update(IReadOnlyList<ContainerdIngest>? downloads, string status)
    {
        _started = true;
        if (downloads is null)
        {
            write(new ProgressRecord(activityId, activity, $"{status} ({_elapsed.Elapsed.TotalSeconds:F1} s)") { PercentComplete = -1 });
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var d in downloads.Where(d => d.Ref.StartsWith("layer-", StringComparison.Ordinal)))
        {
            seen.Add(d.Ref);
            var id = _layers.TryGetValue(d.Ref, out var known) ? known.Id : _nextId++;
            _layers[d.Ref] = (id, d.Offset, d.Total);
            var percent = d.Total > 0 ? (int)Math.Clamp(100 * d.Offset / d.Total, 0, 100) : -1;
            write(new ProgressRecord(id, LayerName(d.Ref), $"{Bytes(d.Offset)} of {Bytes(d.Total)}")
            {
                ParentActivityId = activityId,
                PercentComplete = percent,
            });
        }
        // A layer whose download vanished is complete: count all of it and close its record.
        foreach (var gone in _layers.Where(l => !seen.Contains(l.Key) && !_completed.Contains(l.Key)).ToList())
        {
            _layers[gone.Key] = (gone.Value.Id, gone.Value.Total, gone.Value.Total);
            CompleteLayer(gone.Key, gone.Value.Id, downloaded: true);
        }

        long done = _layers.Values.Sum(l => l.Offset), total = _layers.Values.Sum(l => l.Total);
        write(new ProgressRecord(activityId, activity,
            total > 0 ? $"{status}: {Bytes(done)} of {Bytes(total)} in {_layers.Count} layer(s)" : $"{status} ({_elapsed.Elapsed.TotalSeconds:F1} s)")
        {
            PercentComplete = total > 0 ? (int)Math.Clamp(100 * done / total, 0, 100) : -1,
        });
    }

    /// <summary>Ends every record still open, also after an error.</summary>
    public void Complete(bool pulled)
    {
        if (!_started)
            return;
        // After a pull that succeeded, a layer last seen mid-way finished between two polls.
        foreach (var layer in _layers.Where(l => !_completed.Contains(l.Key)).ToList())
            CompleteLayer(layer.Key, layer.Value.Id, downloaded: pulled);
        write(new ProgressRecord(activityId, activity, "done") { RecordType = ProgressRecordType.Completed });
    }

    /// <summary>Closes a layer's record; a downloaded layer first shows all its bytes, so its count ends at its size.</summary>
    private void CompleteLayer(string reference, int id, bool downloaded)
    {
        _completed.Add(reference);
        var total = _layers[reference].Total;
        if (downloaded && total > 0)
            write(new ProgressRecord(id, LayerName(reference), $"{Bytes(total)} of {Bytes(total)}")
            {
                ParentActivityId = activityId,
                PercentComplete = 100,
            });
        write(new ProgressRecord(id, LayerName(reference), "done")
        {
            ParentActivityId = activityId,
            RecordType = ProgressRecordType.Completed,
        });
    }

    private static string LayerName(string reference) =>
        "layer " + (reference.StartsWith("layer-sha256:", StringComparison.Ordinal) ? reference[13..Math.Min(reference.Length, 25)] : reference);

    private static string Bytes(long n) => n switch
    {
        >= 1_000_000_000 => $"{n / 1e9:0.##} GB",
        >= 1_000_000 => $"{n / 1e6:0.#} MB",
        >= 1_000 => $"{n / 1e3:0.#} kB",
        _ => $"{n} B",
    };
}
