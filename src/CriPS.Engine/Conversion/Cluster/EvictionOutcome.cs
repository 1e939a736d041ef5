namespace CriPS.Engine.Conversion;

/// <summary>
/// How the eviction of one pod ended: accepted (the pod is now terminating), the pod was gone before it was asked,
/// or still refused when the drain deadline came (<see cref="Refusal"/> says why, in the server's words).
/// </summary>
internal sealed record EvictionOutcome(DrainPod Pod, bool Accepted, int Refusals, string? Refusal)
{
    public bool GoneBeforeEviction => !Accepted && Refusal is null;
    public bool StillRefused => !Accepted && Refusal is not null;
}
