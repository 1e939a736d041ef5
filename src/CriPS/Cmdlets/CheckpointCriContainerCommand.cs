using System.Management.Automation;
using CriPS.Completion;

namespace CriPS.Cmdlets;

/// <summary>
/// Checkpoints a running container into an archive (crictl checkpoint --export): the runtime freezes its processes
/// with CRIU, writes their state, the writable layer and its config into a tar file, and the container goes on
/// running. The runtime writes the file, not CriPS.
/// </summary>
[Cmdlet(VerbsData.Checkpoint, "CriContainer", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class CheckpointCriContainerCommand : CriCmdlet
{
    /// <summary>The container's full id or a unique prefix; Get-CriContainer output binds here.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContainerCompleter))]
    [ContainerIdTransformation]
    public string Id { get; set; } = "";

    /// <summary>The archive to write (a .tar file), on the runtime's machine.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Replaces the archive if it exists.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    private string _file = "";
    private bool _local;

    protected override void CheckParameters()
    {
        _file = GetUnresolvedProviderPathFromPSPath(Path);
    }

    protected override void ProcessRecord()
    {
        // A local runtime (a unix socket) shares this machine's files: the archive is checked and put in place here.
        // A remote one gets the path as it is, to write on its own machine.
        _local = Client.RuntimeEndpoint.Endpoint.IsUnix;
        if (_local && !CheckTarget())
            return;
        if (!ShouldProcess(Id, $"Checkpoint container to {_file}"))
            return;
        // The runtime writes beside the target and the finished archive is moved into place: a failed checkpoint
        // leaves no half archive, and an existing file is replaced whole (containerd opens the file without
        // truncating it, so writing over a longer file would leave its tail).
        var partial = _local ? $"{_file}.{Guid.NewGuid():N}.partial" : _file;
        var done = false;
        try
        {
            done = TryAwait(async c =>
            {
                var container = await Client.GetContainerAsync(Id, c, detailed: false).ConfigureAwait(false);
                await Client.CheckpointContainerAsync(container.Id, partial, c).ConfigureAwait(false);
            }, $"CheckpointContainer {Id}");
            if (done && _local)
            {
                if (!File.Exists(partial))
                {
                    Fail("CriCheckpointNotWritten", CriErrorCategory.InvalidResult, $"The runtime reported the checkpoint of '{Id}' done, but wrote no archive at {partial}.");
                    return;
                }
                File.Move(partial, _file, overwrite: Force);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fail("CriCheckpointWriteFailed", CriErrorCategory.WriteError, $"Cannot put the checkpoint archive in place at {_file}: {e.Message}");
            return;
        }
        finally
        {
            if (_local && File.Exists(partial))
                File.Delete(partial);
        }
        if (done && _local)
            WriteObject(InvokeProvider.Item.Get([_file], force: false, literalPath: true), enumerateCollection: true);
    }

    /// <summary>The folder must exist and the file must not, unless -Force.</summary>
    private bool CheckTarget()
    {
        if (Directory.Exists(_file))
            return Fail("CriCheckpointPathIsFolder", CriErrorCategory.InvalidArgument, $"'{_file}' is a folder; give the archive's file name, e.g. {System.IO.Path.Combine(_file, "checkpoint.tar")}.");
        if (System.IO.Path.GetDirectoryName(_file) is { Length: > 0 } folder && !Directory.Exists(folder))
            return Fail("CriCheckpointFolderNotFound", CriErrorCategory.ObjectNotFound, $"The folder '{folder}' does not exist.");
        if (File.Exists(_file) && !Force)
            return Fail("CriCheckpointFileExists", CriErrorCategory.ResourceExists, $"The file '{_file}' exists; add -Force to replace it.");
        return true;
    }

    private bool Fail(string errorId, CriErrorCategory category, string message)
    {
        WriteError(ToErrorRecord(new CriException(errorId, category, message, _file)));
        return false;
    }
}
