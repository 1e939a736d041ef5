using Microsoft.Win32.SafeHandles;

namespace CriPS.Engine.Logs;

/// <summary>
/// A log file read forward line by line while a runtime may still append to it: a line without its newline
/// yet is held back until the rest arrives, and the file can tell when it was truncated (copytruncate) or
/// when its path now names another file (the kubelet renamed it and the runtime opened a new one).
/// </summary>
internal sealed class LogFile : IDisposable
{
    /// <summary>
    /// A file line longer than this is no record a runtime wrote by default, and is skipped, not held: a CRI record
    /// is at most containerd's max_container_log_line_size (16 KiB by default) plus a header of about 40 bytes, and
    /// a json-file line at most Docker's 16 KiB of text, escaped (up to six bytes a byte) into about 96 KiB. 1 MiB
    /// leaves room for a runtime configured with longer records while the buffer that holds one line stays small;
    /// each record's text is then joined by <see cref="LogLineJoiner"/>, which bounds the line too.
    /// </summary>
    public const int MaxLineBytes = 1 << 20;

    private readonly FileStream _stream;
    private readonly string? _identity;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;    // the first byte not handed out yet
    private int _scanned;  // bytes after _start known to hold no newline
    private int _end;      // the end of the bytes read
    private long _bufferOffset;  // the file offset of _buffer[0]
    private bool _skipping;      // inside an over-long line: its bytes are dropped up to its newline

    private LogFile(string path, FileStream stream)
    {
        Path = path;
        _stream = stream;
        _identity = Identity();
    }

    public string Path { get; }
    public SafeFileHandle Handle => _stream.SafeFileHandle;

    /// <summary>The file offset of the next line to be handed out.</summary>
    public long Position => _bufferOffset + _start;

    /// <summary>How far the file has been read, including a line not finished yet.</summary>
    public long BytesRead => _bufferOffset + _end;

    /// <summary>Opens a log for reading; a missing or unreadable file is a CriException naming the path.</summary>
    public static LogFile Open(string path)
    {
        try
        {
            // Shared for writing and deleting: the runtime appends, the kubelet renames and deletes.
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
            return new LogFile(path, stream);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw NotFound(path, e);
        }
        catch (UnauthorizedAccessException e) when (Directory.Exists(path))
        {
            throw new CriException("CriContainerLogUnreadable", CriErrorCategory.ReadError,
                $"The container log {path} cannot be read: it is a directory.", path, e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CriException("CriContainerLogUnreadable", CriErrorCategory.PermissionDenied,
                $"The container log {path} cannot be read: {e.Message} Run as root (sudo pwsh) or as a member of its group.", path, e);
        }
        catch (IOException e)
        {
            throw Unreadable(path, e);
        }
    }

    /// <summary>Like <see cref="Open"/>, but null when the file does not exist (yet).</summary>
    public static LogFile? TryOpen(string path)
    {
        try
        {
            return Open(path);
        }
        catch (CriException e) when (e.ErrorId == "CriContainerLogNotFound")
        {
            return null;
        }
    }

    public static CriException NotFound(string path, Exception? inner = null) =>
        new("CriContainerLogNotFound", CriErrorCategory.ObjectNotFound,
            $"The container log {path} does not exist. Logs are read on the node that runs the container, from the path "
            + "ContainerStatus reports; it may have been deleted, or the pod's log directory may be elsewhere.", path, inner);

    public static CriException Unreadable(string path, Exception inner) =>
        new("CriContainerLogUnreadable", CriErrorCategory.ReadError, $"The container log {path} cannot be read: {inner.Message}", path, inner);

    /// <summary>Continues reading at <paramref name="offset"/>, which must be the start of a line.</summary>
    public void Seek(long offset)
    {
        _stream.Position = offset;
        _bufferOffset = offset;
        _start = _scanned = _end = 0;
        _skipping = false;
    }

    /// <summary>
    /// The next complete line (without its newline), valid until the next call; false when the file holds no
    /// further complete line for now. <paramref name="tooLong"/> marks the start of a line longer than
    /// <see cref="MaxLineBytes"/>, whose rest is then skipped.
    /// </summary>
    public bool TryReadLine(out ReadOnlyMemory<byte> line, out long offset, out bool tooLong)
    {
        while (true)
        {
            var newline = _buffer.AsSpan(_start + _scanned, _end - _start - _scanned).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var length = _scanned + newline;
                line = _buffer.AsMemory(_start, length);
                offset = _bufferOffset + _start;
                _start += length + 1;
                _scanned = 0;
                tooLong = false;
                if (!_skipping)
                    return true;
                _skipping = false;   // the newline that ends an over-long line
                continue;
            }
            _scanned = _end - _start;
            if (_skipping)
            {
                _bufferOffset += _end;
                _start = _scanned = _end = 0;
            }
            else if (_end - _start >= MaxLineBytes)
            {
                line = _buffer.AsMemory(_start, Math.Min(_end - _start, 256));
                offset = _bufferOffset + _start;
                tooLong = true;
                _skipping = true;
                _bufferOffset += _end;
                _start = _scanned = _end = 0;
                return true;
            }
            if (!Fill())
            {
                line = default;
                offset = Position;
                tooLong = false;
                return false;
            }
        }
    }

    /// <summary>Hands out what follows the last newline (a line the writer has not finished, or a file that ends without one).</summary>
    public ReadOnlyMemory<byte> TakeUnfinished(out long offset)
    {
        offset = Position;
        var rest = _skipping ? ReadOnlyMemory<byte>.Empty : _buffer.AsMemory(_start, _end - _start);
        _bufferOffset += _end;
        _start = _scanned = _end = 0;
        _skipping = false;
        return rest;
    }

    /// <summary>True when the file is now shorter than what was read from it: truncated in place (copytruncate).</summary>
    public bool WasTruncated()
    {
        try
        {
            return _stream.Length < _bufferOffset + _end;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>
    /// True when the path no longer names this file: it was renamed (the kubelet's rotation) or deleted. Read
    /// from /proc/self/fd, which names the file an open descriptor refers to; false where that cannot be read.
    /// </summary>
    public bool WasMovedOrDeleted() => _identity is not null && Identity() is { } now && now != _identity;

    public void Dispose() => _stream.Dispose();

    private bool Fill()
    {
        if (_start > 0)
        {
            // Keep the unfinished line and make room after it.
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _bufferOffset += _start;
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
            Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, MaxLineBytes + 64 * 1024));
        int read;
        try
        {
            read = _stream.Read(_buffer, _end, _buffer.Length - _end);
        }
        catch (IOException e)
        {
            throw Unreadable(Path, e);
        }
        _end += read;
        return read > 0;
    }

    private string? Identity()
    {
        try
        {
            return new FileInfo($"/proc/self/fd/{_stream.SafeFileHandle.DangerousGetHandle()}").LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
