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
                // The full id from the lookup: runtimes treat removing an unknown id as success.
                await Client.RemoveContainerAsync(container.Id, c);
                logPath = container.LogPath;
            }, $"RemoveContainer {id}");
            // Back on the pipeline thread, where warnings may be written.
            if (removed && !KeepLogs && logPath is { Length: > 0 })
                RemoveLogFiles(logPath);
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
