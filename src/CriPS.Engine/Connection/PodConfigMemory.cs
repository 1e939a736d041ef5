using V1 = CriPS.Engine.Cri.V1;

namespace CriPS.Engine.Connection;

/// <summary>
/// The pod configs this session created pods with, by pod id, up to a fixed number (the oldest are forgotten first).
/// Thread-safe: runspaces share the channel.
/// </summary>
internal sealed class PodConfigMemory(int capacity)
{
    private readonly Dictionary<string, V1.PodSandboxConfig> _byId = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    private readonly object _lock = new();

    public void Remember(string podId, V1.PodSandboxConfig config)
    {
        lock (_lock)
        {
            if (_byId.TryAdd(podId, config.Clone()))
                _order.Enqueue(podId);
            while (_order.Count > capacity)
                _byId.Remove(_order.Dequeue());
        }
    }

    public V1.PodSandboxConfig? Recall(string podId)
    {
        lock (_lock)
            return _byId.TryGetValue(podId, out var config) ? config.Clone() : null;
    }
}
