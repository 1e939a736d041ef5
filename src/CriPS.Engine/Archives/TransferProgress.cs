namespace CriPS.Engine.Archives;

/// <summary>How far an import or export has come; written by the transfer, read by the cmdlet's progress loop.</summary>
public sealed class TransferProgress
{
    private long _bytes;
    private string? _current;

    /// <summary>Bytes of the archive read or written so far.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>The archive's size when known (a file, or an export whose blobs are all listed).</summary>
    public long? Total { get; set; }

    /// <summary>The archive entry being transferred.</summary>
    public string? Current { get => Volatile.Read(ref _current); internal set => Volatile.Write(ref _current, value); }

    internal void Add(long bytes) => Interlocked.Add(ref _bytes, bytes);
}
