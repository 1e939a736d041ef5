using System.Management.Automation;
using CriPS.Completion;

namespace CriPS.Cmdlets;

/// <summary>
/// Removes containers (crictl rm) and, unless -KeepLogs, their log files. A running container needs -Force,
/// which stops it first.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "CriContainer", SupportsShouldProcess = true)]
public sealed class RemoveCriContainerCommand : CriCmdlet
{
    /// <summary>Full container ids; Get-CriContainer output binds here.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContainerCompleter))]
    [ContainerIdTransformation]
    public string[] Id { get; set; } = [];

    /// <summary>Stops a running container (at once, no grace) before removing it.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Leaves the container's log files on disk.</summary>
    [Parameter]
    public SwitchParameter KeepLogs { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var id in Id)
        {
            if (!ShouldProcess(id, "Remove container" + (KeepLogs ? "" : " and its logs")))
                continue;
            string? logPath = null;
            KeptLog? kept = null;
            var removed = TryAwait(async c =>
            {
                var container = await Client.GetContainerAsync(id, c);
                if (container.State == ContainerState.Running)
                {
                    if (!Force)
                        throw new CriException("CriContainerRunning", CriErrorCategory.InvalidOperation,
                            $"Container {container.Name} ({id}) is running; stop it first (Stop-CriContainer) or use -Force.", id);
                    await Client.StopContainerAsync(container.Id, 0, c);
                }
                logPath = container.LogPath;
                kept = KeepLogs ? KeptLog.Before(logPath) : null;
                // The full id from the lookup: runtimes treat removing an unknown id as success.
                await Client.RemoveContainerAsync(container.Id, c);
            }, $"RemoveContainer {id}");
            // Back on the pipeline thread, where warnings may be written.
            if (removed && !KeepLogs && logPath is { Length: > 0 })
                RemoveLogFiles(logPath);
            if (kept is not null && kept.Restore(removed) is { } warning)
                WriteWarning(warning);
        }
    }

    /// <summary>
    /// A log the runtime deletes with its container: cri-dockerd's log path is a link to Docker's json-file log, and
    /// both go when the container goes. With -KeepLogs its content is copied beside the link first (mode 0640 from
    /// creation: logs may hold secrets) and put at the log path once the container is gone. containerd and CRI-O
    /// write the file itself and leave it, so nothing is copied for them.
    /// </summary>
    private sealed class KeptLog
    {
        private readonly string _path;
        private readonly string _copy;

        private KeptLog(string path, string copy) => (_path, _copy) = (path, copy);

        public static KeptLog? Before(string? logPath)
        {
            if (logPath is not { Length: > 0 } || OperatingSystem.IsWindows() || new FileInfo(logPath).LinkTarget is null || !File.Exists(logPath))
                return null;
            var copy = $"{logPath}.crips-kept-{Guid.NewGuid():N}";
            const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
            try
            {
                using (var source = new FileStream(logPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
                using (var target = new FileStream(copy, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = Mode }))
                    source.CopyTo(target);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                File.Delete(copy);
                // Nothing is removed: the container stays with its log.
                throw new CriException("CriContainerLogNotKept", CriErrorCategory.WriteError,
                    $"The runtime deletes the log {logPath} with its container, and it could not be copied aside first: {e.Message}", logPath);
            }
            return new KeptLog(logPath, copy);
        }

        /// <summary>Puts the copy in place when the runtime took the log away; a warning when that fails.</summary>
        public string? Restore(bool removed)
        {
            try
            {
                if (removed && !File.Exists(_path))
                {
                    if (new FileInfo(_path).LinkTarget is not null)
                        File.Delete(_path);   // a link left dangling: the log goes in its place
                    File.Move(_copy, _path);
                }
                else
                {
                    File.Delete(_copy);
                }
                return null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return $"The runtime deleted the log {_path} with its container; its content is kept in {_copy} ({e.Message}).";
            }
        }
    }

    /// <summary>The log and its rotated siblings (0.log.20261127-101500, 0.log.20261127-101500.gz), as the kubelet leaves them.</summary>
    private void RemoveLogFiles(string logPath)
    {
        var directory = Path.GetDirectoryName(logPath);
        var name = Path.GetFileName(logPath);
        try
        {
            if (directory is null || !Directory.Exists(directory))
                return;
            foreach (var file in Directory.EnumerateFiles(directory, name + "*")
                         .Where(f => Path.GetFileName(f) == name || Path.GetFileName(f).StartsWith(name + ".", StringComparison.Ordinal)))
                File.Delete(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The container is gone already; a log that stays is worth a warning, not a failure.
            WriteWarning($"Could not delete the log files {logPath}*: {e.Message}");
        }
    }
}
