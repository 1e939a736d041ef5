namespace CriPS.Engine.Logs;

/// <summary>
/// Makes the log folders the kubelet makes for the runtime: the pod's (before RunPodSandbox) and each container's
/// NAME/ folder in it (before CreateContainer). Only for a runtime on this machine (a Unix socket endpoint).
/// </summary>
internal static class LogFolders
{
    // rwxr-xr-x, as the kubelet's MkdirAll(dir, 0755), given at creation (never a wider mode first); the umask may
    // narrow it. Links on the way are followed on purpose, as the kubelet follows them: /var/log/pods is often a
    // link to a larger disk.
    private const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    /// <summary>Creates the folder and its missing parents; an empty or relative path is the runtime's to judge.</summary>
    public static void Create(string path)
    {
        if (string.IsNullOrEmpty(path) || !Path.IsPathRooted(path) || OperatingSystem.IsWindows())
            return;
        try
        {
            Directory.CreateDirectory(path, FolderMode);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CriException("CriLogFolderFailed", CriErrorCategory.WriteError,
                $"Cannot make the log folder {path} that the runtime writes to: {e.Message}", path);
        }
    }
}
