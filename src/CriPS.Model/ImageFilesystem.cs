namespace CriPS;

/// <summary>A filesystem the runtime keeps images or containers' writable layers on (crictl imagefsinfo).</summary>
public sealed class ImageFilesystem : CriObject
{
    /// <summary>Image, for where image layers live; Container, where writable layers live when that is a separate filesystem.</summary>
    public string Kind { get; set; } = "";
    public string Mountpoint { get; set; } = "";
    /// <summary>Bytes the runtime uses there; null when it does not say.</summary>
    public ulong? UsedBytes { get; set; }
    public ulong? InodesUsed { get; set; }
    /// <summary>When the runtime measured it.</summary>
    public DateTime Timestamp { get; set; }

    public override string ToString() => Mountpoint;
}
