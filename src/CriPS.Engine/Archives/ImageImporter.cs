using System.Formats.Tar;
using System.Text.RegularExpressions;
using CriPS.Engine.Images;

namespace CriPS.Engine.Archives;

/// <summary>An image an archive names, and the descriptor its record will point at.</summary>
internal sealed record ArchiveImage(string Name, OciDescriptor Target);

/// <summary>
/// Reads an image archive in one pass, without a temporary copy: every file goes straight into containerd's
/// content store (digests verified by containerd on commit), the few JSON documents stay in memory. Afterwards
/// it works out the images: from index.json for an OCI layout (also what Docker 25+ and ctr export write), or from
/// Docker's manifest.json (docker save before 25), for which it writes the Docker manifests the layout lacks.
/// Each manifest and index gets the garbage collector's labels for its children, so the blobs live as long as
/// the image records that the caller creates. Nothing the archive says is believed before it is checked against
/// <see cref="ArchiveLimits"/>: a hostile archive fails with its own error, in bounded memory.
/// </summary>
internal sealed partial class ImageImporter(ContentStore store, string referencePrefix, TransferProgress progress, ArchiveLimits limits)
{
    private const int DocumentLimit = ArchiveLimits.MaximumDocumentBytes;
    private const string GcContent = "containerd.io/gc.ref.content.";
    private static readonly HashSet<string> Documents = [OciLayout.FileName, "index.json", DockerArchiveEntry.FileName, "repositories"];

    private readonly Dictionary<string, ArchiveFile> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _links = new(StringComparer.Ordinal);
    private readonly Dictionary<string, byte[]> _documents = new(StringComparer.Ordinal);
    /// <summary>Every blob this archive holds, by digest, with its size.</summary>
    private readonly Dictionary<string, long> _blobs = new(StringComparer.Ordinal);
    private readonly HashSet<string> _labelled = new(StringComparer.Ordinal);
    private int _writes;
    private long _nameBytes;

    private sealed record ArchiveFile(string Digest, long Size, bool Gzip);

    /// <summary>Things worth telling the user that are not errors (an untagged image skipped).</summary>
    public List<string> Notes { get; } = new();

    /// <summary>Blobs this import wrote, and how many of the archive's blobs containerd already had.</summary>
    public int BlobsWritten { get; private set; }
    public int BlobsPresent { get; private set; }

    public async Task<List<ArchiveImage>> ImportAsync(Stream archive, CancellationToken cancel)
    {
        var tar = new TarStructureGuard(await ArchiveReadStream.OpenTarAsync(archive, progress, cancel).ConfigureAwait(false), limits);
        await using (tar.ConfigureAwait(false))
            await StoreEntriesAsync(tar, cancel).ConfigureAwait(false);

        if (_documents.ContainsKey("index.json"))
            return await FromOciLayoutAsync(cancel).ConfigureAwait(false);
        if (_documents.TryGetValue(DockerArchiveEntry.FileName, out var dockerManifest))
            return await FromDockerArchiveAsync(dockerManifest, cancel).ConfigureAwait(false);
        throw new ImageArchiveException(ArchiveProblem.NotImage,
            "The archive is not an image: it has neither index.json (an OCI image layout) nor manifest.json (docker save).", null);
    }

    private async Task StoreEntriesAsync(Stream tar, CancellationToken cancel)
    {
        using var reader = new TarReader(tar, leaveOpen: true);
        string? previous = null;
        while (true)
        {
            TarEntry? entry;
            try
            {
                entry = await reader.GetNextEntryAsync(copyData: false, cancel).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException or ArgumentException or IOException)
            {
                throw previous is null
                    ? new ImageArchiveException(ArchiveProblem.NotTar, $"The input is not a tar archive: {e.Message}", null)
                    : e is EndOfStreamException
                        ? new ImageArchiveException(ArchiveProblem.Truncated, $"The archive breaks off after '{previous}': it is truncated.", previous)
                        : new ImageArchiveException(ArchiveProblem.Damaged, $"The archive is damaged after '{previous}': {e.Message}", previous);
            }
            if (entry is null)
                return;
            var name = ArchivePath.Normalize(CheckName(entry.Name));
            previous = name;
            progress.Current = name;
            switch (entry.EntryType)
            {
                case TarEntryType.SymbolicLink:
                    AddName(name);
                    _links[name] = ArchivePath.Resolve(ArchivePath.Directory(name), CheckName(entry.LinkName));
                    break;
                case TarEntryType.HardLink:
                    AddName(name);
                    _links[name] = ArchivePath.Normalize(CheckName(entry.LinkName));
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    AddName(name);
                    await StoreFileAsync(name, entry, cancel).ConfigureAwait(false);
                    break;
            }
        }
    }

    /// <summary>A name or link target within the name limits (they are kept until the import ends).</summary>
    private string CheckName(string name)
    {
        var bytes = System.Text.Encoding.UTF8.GetByteCount(name);
        if (bytes > ArchiveLimits.MaximumNameBytes)
            throw new ImageArchiveException(ArchiveProblem.NameTooLong,
                $"The archive has a name or link target of {bytes} bytes (it starts '{name[..64]}'); over {ArchiveLimits.MaximumNameBytes} bytes no path is valid.",
                name[..64]);
        _nameBytes += bytes;
        if (_nameBytes > ArchiveLimits.MaximumNameBytesTotal)
            throw new ImageArchiveException(ArchiveProblem.TooManyEntries,
                $"The archive's names add up to more than {ArchiveLimits.MaximumNameBytesTotal} bytes: far more than any image has.", name);
        return name;
    }

    /// <summary>A name the archive has not used yet: a second entry of the same name would silently replace the first.</summary>
    private void AddName(string name)
    {
        if (_files.ContainsKey(name) || _links.ContainsKey(name) || _documents.ContainsKey(name))
            throw new ImageArchiveException(ArchiveProblem.DuplicateEntry,
                $"The archive has '{name}' twice; which one is meant cannot be told.", name);
    }

    private async Task StoreFileAsync(string name, TarEntry entry, CancellationToken cancel)
    {
        var data = entry.DataStream ?? Stream.Null;
        if (Documents.Contains(name))
        {
            if (entry.Length > DocumentLimit)
                throw new ImageArchiveException(ArchiveProblem.DocumentTooLarge,
                    $"'{name}' is {entry.Length} bytes; over {DocumentLimit} bytes it cannot be an image's {name}.", name);
            var json = new byte[entry.Length];
            try
            {
                await data.ReadExactlyAsync(json, cancel).ConfigureAwait(false);
            }
            catch (Exception e) when (e is EndOfStreamException or IOException or InvalidDataException)
            {
                throw new ImageArchiveException(e is EndOfStreamException ? ArchiveProblem.Truncated : ArchiveProblem.Damaged,
                    $"The archive ends inside '{name}' or is damaged there: {e.Message}", name);
            }
            _documents[name] = json;
            return;
        }

        // OCI blobs are named by their digest: containerd checks it on commit and skips blobs it has.
        var expected = BlobPath().Match(name) is { Success: true } m ? $"{m.Groups[1].Value}:{m.Groups[2].Value}" : null;
        var gzip = false;
        var first = true;
        var (digest, existed) = await store.WriteAsync($"{referencePrefix}-{_writes++}", data, entry.Length, expected, null, chunk =>
        {
            if (first)
                gzip = chunk.Length >= 2 && chunk.Span[0] == 0x1f && chunk.Span[1] == 0x8b;
            first = false;
        }, name, cancel).ConfigureAwait(false);
        if (existed)
            BlobsPresent++;
        else
            BlobsWritten++;
        _files[name] = new ArchiveFile(digest, entry.Length, gzip);
        _blobs[digest] = entry.Length;
    }

    private async Task<List<ArchiveImage>> FromOciLayoutAsync(CancellationToken cancel)
    {
        if (_documents.TryGetValue(OciLayout.FileName, out var layoutJson)
            && OciJson.Parse<OciLayout>(layoutJson, OciLayout.FileName).ImageLayoutVersion is var version && version != OciLayout.SupportedVersion)
            throw new ImageArchiveException(ArchiveProblem.InvalidDocument, $"The archive is an OCI image layout of version '{version}'; only {OciLayout.SupportedVersion} is known.", OciLayout.FileName);
        var index = OciJson.Parse<OciDocument>(_documents["index.json"], "index.json");
        if (index.Manifests is null)
            throw new ImageArchiveException(ArchiveProblem.InvalidDocument, "index.json has no 'manifests': it is no OCI index.", "index.json");
        if (index.Manifests.Count == 0)
            throw new ImageArchiveException(ArchiveProblem.NotImage, "index.json lists no images.", "index.json");
        CheckIndexSize(index, "index.json");

        var images = new List<ArchiveImage>();
        foreach (var target in index.Manifests)
        {
            if (!await LabelTreeAsync(target, 1, cancel).ConfigureAwait(false))
                throw new ImageArchiveException(ArchiveProblem.BlobMissing,
                    $"index.json names {target.Digest}, which is neither in the archive nor in containerd's store.", target.Digest);
            if (NameFromAnnotations(target.Annotations) is { } name)
                images.Add(new ArchiveImage(name, target.WithAnnotations(null)));
            else
                images.Add(new ArchiveImage("", target.WithAnnotations(null)));
        }
        return images;
    }

    /// <summary>containerd's full name first; OCI's ref.name only when it is a whole reference, not just a tag.</summary>
    private string? NameFromAnnotations(Dictionary<string, string>? annotations)
    {
        if (annotations is null)
            return null;
        if (annotations.TryGetValue(Annotations.ImageName, out var full) && full.Length > 0)
            return Normalize(full);
        if (annotations.TryGetValue(Annotations.RefName, out var reference) && reference.IndexOfAny(['/', ':', '@']) > 0)
            return Normalize(reference);
        return null;
    }

    private string? Normalize(string reference)
    {
        if (ImageReference.TryParse(reference) is { } parsed)
            return parsed.FullName;
        Notes.Add($"The archive names an image '{reference}', which is not a valid reference; that name is skipped.");
        return null;
    }

    private async Task<List<ArchiveImage>> FromDockerArchiveAsync(byte[] json, CancellationToken cancel)
    {
        var entries = OciJson.Parse<List<DockerArchiveEntry>>(json, DockerArchiveEntry.FileName);
        if (entries.Count == 0)
            throw new ImageArchiveException(ArchiveProblem.NotImage, "manifest.json lists no images.", DockerArchiveEntry.FileName);
        var images = new List<ArchiveImage>();
        foreach (var entry in entries)
        {
            var config = File(entry.Config, "config");
            var layers = (entry.Layers ?? []).Select(l => File(l, "layer")).ToList();
            var platform = OciJson.Parse<ImageConfigPlatform>(
                await store.ReadSmallAsync(config.Digest, config.Size, DocumentLimit, entry.Config, cancel, verifyDigest: false).ConfigureAwait(false), entry.Config);
            var manifest = new OciDocument
            {
                SchemaVersion = 2,
                MediaType = MediaTypes.DockerManifest,
                Config = new OciDescriptor { MediaType = MediaTypes.DockerConfig, Digest = config.Digest, Size = config.Size },
                Layers = layers.Select(l => new OciDescriptor
                {
                    MediaType = l.Gzip ? MediaTypes.DockerLayerGzip : MediaTypes.DockerLayer,
                    Digest = l.Digest,
                    Size = l.Size,
                }).ToList(),
            };
            var bytes = OciJson.Serialize(manifest);
            string digest;
            using (var source = new MemoryStream(bytes))
                (digest, _) = await store.WriteAsync($"{referencePrefix}-{_writes++}", source, bytes.Length, null, null, null, $"the manifest of {entry.Config}", cancel)
                    .ConfigureAwait(false);
            await store.AddLabelsAsync(digest, ChildLabels(manifest), cancel).ConfigureAwait(false);
            var target = new OciDescriptor
            {
                MediaType = MediaTypes.DockerManifest,
                Digest = digest,
                Size = bytes.Length,
                Platform = platform.Os is { Length: > 0 } && platform.Architecture is { Length: > 0 }
                    ? new OciPlatform { Os = platform.Os, Architecture = platform.Architecture, Variant = platform.Variant }
                    : null,
            };
            var names = (entry.RepoTags ?? []).Select(Normalize).OfType<string>().ToList();
            if (names.Count == 0)
                images.Add(new ArchiveImage("", target));
            images.AddRange(names.Select(n => new ArchiveImage(n, target)));
        }
        return images;
    }

    /// <summary>
    /// A file of a Docker archive by its path, following the symlinks docker save makes for shared layers (one hop;
    /// 16 allowed, so a loop ends).
    /// </summary>
    private ArchiveFile File(string path, string what)
    {
        var name = ArchivePath.Normalize(path ?? "");
        for (var hops = 0; hops < 16 && !_files.ContainsKey(name) && _links.TryGetValue(name, out var target); hops++)
            name = target;
        return _files.TryGetValue(name, out var file)
            ? file
            : throw new ImageArchiveException(ArchiveProblem.BlobMissing,
                $"manifest.json names the {what} '{path}', which the archive does not contain{(_links.ContainsKey(name) ? " (its links go round in a loop)" : "")}.", path);
    }

    /// <summary>
    /// Labels a manifest or index with its children so the garbage collector keeps them. False when the blob is
    /// neither in the archive nor in the store (an index may list platforms an archive left out).
    /// </summary>
    private async Task<bool> LabelTreeAsync(OciDescriptor? listed, int depth, CancellationToken cancel)
    {
        var descriptor = Checked(listed);
        var isIndex = MediaTypes.IsIndex(descriptor.MediaType);
        var isDocument = isIndex || MediaTypes.IsManifest(descriptor.MediaType);
        if (isDocument && descriptor.Size > DocumentLimit)
            throw new ImageArchiveException(ArchiveProblem.DocumentTooLarge,
                $"A descriptor says the {(isIndex ? "index" : "manifest")} {descriptor.Digest} is {descriptor.Size} bytes; over {DocumentLimit} bytes it is none.", descriptor.Digest);
        if (!await HasBlobAsync(descriptor, cancel).ConfigureAwait(false))
            return false;
        if (!_labelled.Add(descriptor.Digest))
            return true;
        if (!isDocument)
            return true; // an attestation, a signature, something else: kept as it is
        if (depth > ArchiveLimits.MaximumIndexDepth)
            throw new ImageArchiveException(ArchiveProblem.TooDeep,
                $"The archive nests indexes more than {ArchiveLimits.MaximumIndexDepth} deep (at {descriptor.Digest}); no image is built like that.", descriptor.Digest);
        var document = OciJson.Parse<OciDocument>(
            await store.ReadSmallAsync(descriptor.Digest, descriptor.Size, DocumentLimit, descriptor.Digest, cancel).ConfigureAwait(false),
            descriptor.Digest);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (isIndex)
        {
            CheckIndexSize(document, descriptor.Digest);
            var n = 0;
            foreach (var child in document.Manifests ?? [])
                if (await LabelTreeAsync(child, depth + 1, cancel).ConfigureAwait(false))
                    labels[$"{GcContent}m.{n++}"] = child.Digest;
        }
        else
        {
            var children = (document.Config is null ? [] : new[] { document.Config }).Concat(document.Layers ?? []);
            foreach (var child in children)
                if (!await HasBlobAsync(child, cancel).ConfigureAwait(false))
                    throw new ImageArchiveException(ArchiveProblem.BlobMissing,
                        $"The manifest {descriptor.Digest} needs {child.Digest} ({child.MediaType}), which is neither in the archive nor in containerd's store.",
                        descriptor.Digest);
            labels = ChildLabels(document);
        }
        await store.AddLabelsAsync(descriptor.Digest, labels, cancel).ConfigureAwait(false);
        return true;
    }

    /// <summary>An index is held while its children are visited, so how many it may list is bounded.</summary>
    private static void CheckIndexSize(OciDocument index, string what)
    {
        if (index.Manifests is { Count: > ArchiveLimits.MaximumIndexEntries } manifests)
            throw new ImageArchiveException(ArchiveProblem.DocumentTooLarge,
                $"{what} lists {manifests.Count} manifests; over {ArchiveLimits.MaximumIndexEntries} it is no real image index.", what);
    }

    private static Dictionary<string, string> ChildLabels(OciDocument manifest)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (manifest.Config is not null)
            labels[GcContent + "config"] = manifest.Config.Digest;
        var n = 0;
        foreach (var layer in manifest.Layers ?? [])
            labels[$"{GcContent}l.{n++}"] = layer.Digest;
        return labels;
    }

    /// <summary>
    /// Whether the archive or the store has the blob a descriptor names, with the size the descriptor promises. The
    /// digest is checked for form first: it goes to containerd and into labels.
    /// </summary>
    private async Task<bool> HasBlobAsync(OciDescriptor? listed, CancellationToken cancel)
    {
        var descriptor = Checked(listed);
        var size = _blobs.TryGetValue(descriptor.Digest, out var known) ? known : await store.SizeOfAsync(descriptor.Digest, cancel).ConfigureAwait(false);
        if (size is null)
            return false;
        if (size != descriptor.Size)
            throw new ImageArchiveException(ArchiveProblem.DigestMismatch,
                $"A descriptor says {descriptor.Digest} is {descriptor.Size} bytes; the blob is {size} bytes.", descriptor.Digest);
        return true;
    }

    /// <summary>A descriptor with a digest of the OCI form and a size: JSON may say null where the types say otherwise.</summary>
    private static OciDescriptor Checked(OciDescriptor? descriptor) =>
        descriptor is { Digest: { } digest, Size: >= 0 } && DigestForm().IsMatch(digest)
            ? descriptor
            : throw new ImageArchiveException(ArchiveProblem.InvalidDocument,
                $"A descriptor in the archive has no valid digest and size ('{Excerpt(descriptor?.Digest ?? "")}', {descriptor?.Size}).", Excerpt(descriptor?.Digest ?? ""));

    private static string Excerpt(string text) => text.Length > 100 ? text[..100] + "…" : text;

    /// <summary>The OCI digest grammar: algorithm ':' encoded.</summary>
    [GeneratedRegex(@"^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$")]
    private static partial Regex DigestForm();

    [GeneratedRegex(@"^blobs/([a-z0-9]+)/([a-zA-Z0-9=_-]+)$")]
    private static partial Regex BlobPath();
}
