namespace CriPS.Engine.Archives;

/// <summary>
/// The deadline of a long transfer: it may run as long as it needs, but not sit still longer than the limit.
/// Every sign of progress restarts the clock; the token also follows the caller's Ctrl+C.
/// </summary>
internal sealed class StallGuard : IDisposable
{
    private readonly CancellationTokenSource _clock;
    private readonly CancellationTokenSource _source;
    private readonly CancellationToken _caller;
    private readonly TimeSpan _limit;

    /// <param name="time">The clock; tests give a fake one, everything else the system's.</param>
    public StallGuard(TimeSpan limit, CancellationToken caller, TimeProvider? time = null)
    {
        _limit = limit;
        _caller = caller;
        _clock = new CancellationTokenSource(limit, time ?? TimeProvider.System);
        _source = CancellationTokenSource.CreateLinkedTokenSource(caller, _clock.Token);
    }

    public CancellationToken Token => _source.Token;

    /// <summary>True when the clock ran out (not when the caller cancelled).</summary>
    public bool Stalled => _clock.IsCancellationRequested && !_caller.IsCancellationRequested;

    public void Progress()
    {
        try
        {
            _clock.CancelAfter(_limit);
        }
        catch (ObjectDisposedException)
        {
            // A late answer after the transfer ended.
        }
    }

    public void ThrowIfStalled(object? target)
    {
        if (Stalled)
            throw new CriException("CriTimeout", CriErrorCategory.OperationTimeout,
                $"The transfer of {target} made no progress for {_limit.TotalSeconds:0} s; raise -StallTimeoutSec if containerd or the source is just slow.",
                target);
    }

    public void Dispose()
    {
        _source.Dispose();
        _clock.Dispose();
    }
}
