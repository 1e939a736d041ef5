using System.Collections.ObjectModel;
using System.Management.Automation;
using CriPS.Engine.Archives;
using CriPS.Engine.Images;

namespace CriPS.Cmdlets;

/// <summary>
/// Imports the images of an OCI or Docker archive (docker save, ctr export, skopeo, Export-ContainerdImage;
/// gzipped too) into a containerd namespace (ctr images import --no-unpack). The archive streams straight into
/// the content store, so memory stays flat whatever its size; a damaged or truncated archive leaves nothing behind.
/// </summary>
[Cmdlet(VerbsData.Import, "ContainerdImage", DefaultParameterSetName = PathSet, SupportsShouldProcess = true)]
[OutputType(typeof(ContainerdImage))]
public sealed class ImportContainerdImageCommand : NamespacedContainerdCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";
    private const string StreamSet = "InputStream";
    private const string ArchiveErrorIdPrefix = "ContainerdArchive";


    /// <summary>Archive files; wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>Archive files, taken as written (no wildcards); FileInfo objects bind here.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>An archive as a stream, e.g. an HTTP response or a process's output; read once, to its end.</summary>
    [Parameter(Mandatory = true, ParameterSetName = StreamSet, ValueFromPipeline = true)]
    public Stream? InputStream { get; set; }

    /// <summary>The name for the image of an archive that holds exactly one (instead of the archive's names).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <summary>
    /// The most bytes an archive may unpack to (the tar stream after gzip); 128 GiB unless given. Every entry's
    /// declared size is checked against it before its data is read, so a gzip bomb fails at once.
    /// </summary>
    [Parameter]
    [ValidateRange(1024, long.MaxValue)]
    public long MaximumSize { get; set; } = ArchiveLimits.DefaultMaximumSize;

    /// <summary>The most tar entries (files, directories, links) an archive may have; 100,000 unless given.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int MaximumEntryCount { get; set; } = ArchiveLimits.DefaultMaximumEntryCount;

    /// <summary>How long the transfer may go without moving a byte, in seconds, before it fails: 60 by default.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int StallTimeoutSec { get; set; } = 60;

    private string? _name;

    protected override void CheckParameters()
    {
        if (Name is null)
            return;
        try
        {
            _name = ImageReference.Parse(Name).FullName;
        }
        catch (CriException e)
        {
            ThrowTerminating(e);
        }
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == StreamSet)
        {
            if (ShouldProcess($"an archive stream into namespace {Client.Namespace}", "Import images"))
                Import(InputStream!, "the input stream", null, InputStream!);
            return;
        }
        foreach (var file in ResolveFiles())
        {
            if (!ShouldProcess($"{file} into namespace {Client.Namespace}", "Import images"))
                continue;
            FileStream stream;
            try
            {
                stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                WriteError(new ErrorRecord(e, "ContainerdArchiveUnreadable", ErrorCategory.ReadError, file));
                continue;
            }
            using (stream)
                Import(stream, file, stream.CanSeek ? stream.Length : null, file); // a FIFO or /dev/fd/N has no length
        }
    }

    private void Import(Stream archive, string source, long? length, object target)
    {
        var progress = new TransferProgress { Total = length };
        var activity = $"Importing {source}";
        WriteVerbose($"Importing {source} into namespace {Client.Namespace}; a transfer that stalls for {StallTimeoutSec} s fails.");
        var result = TryAwaitTransfer(c => ImportNamingTheArchiveAsync(archive, progress, target, c), progress, activity);
        if (result is null)
            return;
        WriteVerbose($"{source}: {result.BlobsWritten} blobs written, {result.BlobsPresent} already in the store, {progress.Bytes} bytes read.");
        foreach (var note in result.Notes)
            WriteWarning(note);
        WriteObject(result.Images, enumerateCollection: true);
    }

    /// <summary>
    /// An archive that is not an image as a whole (not a tar, no index.json nor manifest.json) has no entry to blame:
    /// the error then names the archive itself, so several files piped in stay tellable apart.
    /// </summary>
    private async Task<Engine.ImportResult> ImportNamingTheArchiveAsync(Stream archive, TransferProgress progress, object target, CancellationToken cancel)
    {
        try
        {
            var limits = new ArchiveLimits { MaximumSize = MaximumSize, MaximumEntryCount = MaximumEntryCount };
            return await Client.ImportImagesAsync(archive, _name, limits, TimeSpan.FromSeconds(StallTimeoutSec), progress, cancel).ConfigureAwait(false);
        }
        catch (CriException e) when (e.Target is null && e.ErrorId.StartsWith(ArchiveErrorIdPrefix, StringComparison.Ordinal))
        {
            throw new CriException(e.ErrorId, e.Category, e.Message, target);
        }
    }

    private IEnumerable<string> ResolveFiles()
    {
        if (ParameterSetName == LiteralPathSet)
        {
            foreach (var path in LiteralPath)
            {
                var file = GetUnresolvedProviderPathFromPSPath(path);
                if (File.Exists(file))
                    yield return file;
                else
                    WriteError(NotFound(path));
            }
            yield break;
        }
        foreach (var path in Path)
        {
            Collection<string> files;
            try
            {
                files = GetResolvedProviderPathFromPSPath(path, out _);
            }
            catch (ItemNotFoundException)
            {
                WriteError(NotFound(path));
                continue;
            }
            foreach (var file in files)
                yield return file;
        }
    }

    private static ErrorRecord NotFound(string path) => new(
        new FileNotFoundException($"The archive '{path}' does not exist.", path), "ContainerdArchiveNotFound", ErrorCategory.ObjectNotFound, path);
}
