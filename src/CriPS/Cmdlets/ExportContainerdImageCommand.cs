using System.Management.Automation;
using CriPS.Completion;
using CriPS.Engine.Archives;

namespace CriPS.Cmdlets;

/// <summary>
/// Writes images of a containerd namespace into one archive (ctr images export): an OCI image layout with
/// Docker's manifest.json beside it, so Import-ContainerdImage, ctr import and docker load all read it. Blobs
/// stream from the content store with their digests checked; the file appears only when it is complete.
/// </summary>
[Cmdlet(VerbsData.Export, "ContainerdImage", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportContainerdImageCommand : NamespacedContainerdCmdlet
{
    /// <summary>Image names (as Get-ContainerdImage shows them, or short like busybox:1.36); wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContainerdImageCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>The archive file to write.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Fail instead of replacing an existing file.</summary>
    [Parameter]
    public SwitchParameter NoClobber { get; set; }

    /// <summary>How long the transfer may go without moving a byte, in seconds, before it fails: 60 by default.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int StallTimeoutSec { get; set; } = 60;

    private readonly List<string> _patterns = new();

    protected override void ProcessRecord() => _patterns.AddRange(Name);

    protected override void EndProcessing()
    {
        var images = ResolveImages(_patterns);
        if (images.Count == 0)
            return;
        var names = images.Select(i => i.Name).ToList();
        var file = GetUnresolvedProviderPathFromPSPath(Path);
        if (NoClobber && File.Exists(file))
            ThrowTerminatingError(new ErrorRecord(new IOException($"The file '{file}' exists and -NoClobber is set."),
                "ContainerdExportFileExists", ErrorCategory.ResourceExists, file));
        if (!ShouldProcess($"{string.Join(", ", names)} from namespace {Client.Namespace} to {file}", "Export images"))
            return;

        // Written beside the target and moved into place at the end: a failed export leaves no half archive.
        var partial = $"{file}.{Guid.NewGuid():N}.partial";
        var progress = new TransferProgress();
        var written = false;
        try
        {
            using (var output = new FileStream(partial, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous))
                written = TryAwaitTransfer(async c => { await Client.ExportImagesAsync(images, output, TimeSpan.FromSeconds(StallTimeoutSec), progress, c).ConfigureAwait(false); return this; },
                    progress, $"Exporting {names.Count} image(s) to {file}") is not null;
            if (written)
                File.Move(partial, file, overwrite: !NoClobber);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(new ErrorRecord(e, "ContainerdExportWriteFailed", ErrorCategory.WriteError, file));
        }
        finally
        {
            if (!written || File.Exists(partial))
                File.Delete(partial);
        }
        if (written)
            WriteObject(InvokeProvider.Item.Get([file], force: false, literalPath: true), enumerateCollection: true); // as Get-Item shows it
    }
}
