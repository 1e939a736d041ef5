using System.Text;

namespace CriPS.Engine;

/// <summary>
/// A configuration file read whole, up to a bound: the files CriPS reads this way (crictl.yaml, a pod or container
/// config, a registry auth file) are a few KiB; a larger one, or /dev/zero given by mistake, is refused instead of
/// filling memory. The bound is checked on the bytes read, not on the reported length, which a FIFO or a file in
/// /proc does not give.
/// </summary>
internal static class SmallFile
{
    public const int DefaultLimit = 1 << 20;

    /// <summary>The file's text (UTF-8 unless a byte order mark says otherwise); an <see cref="IOException"/> naming the bound when it is larger.</summary>
    public static string ReadAllText(string path, int limit = DefaultLimit)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
        var buffer = new byte[4096];
        var total = 0;
        while (true)
        {
            if (total == buffer.Length)
            {
                if (total > limit)
                    throw new IOException($"The file is larger than {limit} bytes, more than such a file ever needs.");
                Array.Resize(ref buffer, (int)Math.Min(buffer.Length * 2L, limit + 1L));
            }
            var read = stream.Read(buffer, total, buffer.Length - total);
            if (read == 0)
                break;
            total += read;
        }
        using var reader = new StreamReader(new MemoryStream(buffer, 0, total), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }
}
