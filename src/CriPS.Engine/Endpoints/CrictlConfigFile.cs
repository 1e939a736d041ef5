using System.Runtime.InteropServices;
using CriPS.Engine.Configs;
using CriPS.Engine.Conversion;

// Unix file modes: crictl.yaml is written on Linux nodes only.
#pragma warning disable CA1416

namespace CriPS.Engine.Endpoints;

/// <summary>
/// The one writer of crictl's config file, for Set-CriConfig and the node conversion. A set changes only the keys
/// given: comments, the other keys (crictl's and any other) and their order stay as they were, where crictl's own
/// `config --set` writes every key it knows. The file is replaced in one step (a temporary file beside it, created
/// with its final owner and mode, then renamed over it); a link at the path is followed and the file it leads to
/// replaced, as crictl's own write follows it, and the link stays.
/// </summary>
public static class CrictlConfigFile
{
    /// <summary>
    /// The mode of a new file: 0644, as crictl 1.36 writes it (newer cri-tools write 0600). It holds endpoints and
    /// switches, no secret, and readers that are not root (a monitoring agent) may read it. A file that exists keeps
    /// its mode and owner.
    /// </summary>
    public static readonly UnixFileMode NewFileMode = (UnixFileMode)Convert.ToInt32("0644", 8);

    private static readonly FlatYamlErrors Errors = new("crictl config file", "CriInvalidConfigFile", "CriConfigEditFailed");

    /// <summary>The text with each setting set (added at the end when absent), and a change line per setting that changed.</summary>
    public static (string Text, IReadOnlyList<string> Changes) Edit(string text, IEnumerable<KeyValuePair<string, string>> settings, string label)
    {
        var file = new FlatYamlFile(text, label, Errors);
        var changes = new List<string>();
        foreach (var (key, value) in settings)
            if (file.Set(key, value, add: true) is { } change)
                changes.Add(change);
        return (file.Text, changes);
    }

    /// <summary>
    /// Sets the settings in the file at <paramref name="path"/> (absolute), creating it (and its folders, 0755) when
    /// absent; writes nothing when the file already says so. Returns the change lines.
    /// </summary>
    public static IReadOnlyList<string> Write(string path, IEnumerable<KeyValuePair<string, string>> settings)
    {
        try
        {
            var files = new NodeFiles("/");
            var target = files.HostPath(path);
            if (Directory.Exists(target))
                throw new IOException($"'{target}' is a directory");
            var existing = File.Exists(target);
            var text = existing ? SmallFile.ReadAllText(target) : "";
            var (edited, changes) = Edit(text, settings, path);
            if (existing && edited == text)
                return changes;
            var facts = existing ? UnixFileFacts.Of(target) : new UnixFileFacts(NewFileMode, geteuid(), getegid());
            files.WriteAtomic(path, System.Text.Encoding.UTF8.GetBytes(edited), facts);
            return changes;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CriException("CriConfigWriteFailed", CriErrorCategory.WriteError,
                $"The crictl config file '{path}' cannot be written: {e.Message}", path, e);
        }
    }

    [DllImport("libc")]
    private static extern uint geteuid();

    [DllImport("libc")]
    private static extern uint getegid();
}
