namespace CriPS.Engine.Conversion;

/// <summary>
/// How often the drain asks again: after a PodDisruptionBudget refused an eviction (429), and while it waits for
/// evicted pods to leave. The tests shorten these so a refused eviction costs milliseconds, not seconds.
/// </summary>
internal sealed record DrainPacing(TimeSpan FirstRetry, TimeSpan MaxRetry, TimeSpan Poll)
{
    /// <summary>kubectl retries a refused eviction every 5 s; starting lower and doubling reacts faster to a short block.</summary>
    public static DrainPacing Default { get; } = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1));

    public TimeSpan NextRetry(TimeSpan previous) =>
        previous <= TimeSpan.Zero ? FirstRetry : TimeSpan.FromTicks(Math.Min(previous.Ticks * 2, MaxRetry.Ticks));
}
