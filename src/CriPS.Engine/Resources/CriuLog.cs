using System.Text;
using System.Text.RegularExpressions;

namespace CriPS.Engine.Resources;

/// <summary>CRIU's dump log, which runc names in its error when a checkpoint fails.</summary>
internal static partial class CriuLog
{
    /// <summary>
    /// The log's path, or null: in containerd's words (runc's library) "criu failed: type DUMP errno 0 path= /…/criu-dump.log";
    /// in CRI-O's (the runc command's stderr, quoted) "criu failed: type DUMP errno 0\nlog file: /…/dump.log\"".
    /// </summary>
    public static string? PathIn(string message) =>
        LogPath().Match(message) is { Success: true } m ? m.Groups[1].Value : null;

    [GeneratedRegex(@"criu failed: .*?(?:path= ?|log file: )(/[^\s""\\]+\.log)", RegexOptions.Singleline)]
    private static partial Regex LogPath();

    /// <summary>Largest tail of the log read: CRIU logs a few KiB when it fails early, much more after a long dump.</summary>
    internal const int MaxTail = 64 * 1024;

    /// <summary>CRIU's "Error (file:line): text" lines from the log's tail, at most three, joined; null when there are none or it cannot be read.</summary>
    public static string? Errors(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var start = Math.Max(0, file.Length - MaxTail);
            file.Seek(start, SeekOrigin.Begin);
            var buffer = new byte[file.Length - start];
            file.ReadExactly(buffer);
            return ErrorsIn(Encoding.UTF8.GetString(buffer));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    internal static string? ErrorsIn(string log)
    {
        var errors = log.Split('\n')
            .Select(l => ErrorLine().Match(l))
            .Where(m => m.Success)
            .Select(m => m.Groups[1].Value.Trim())
            .Distinct(StringComparer.Ordinal)
            .Take(3)
            .ToList();
        return errors.Count == 0 ? null : string.Join("; ", errors);
    }

    // "(00.121902) Error (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds"
    [GeneratedRegex(@"Error \([^)]*\):\s*(.+)$")]
    private static partial Regex ErrorLine();
}
