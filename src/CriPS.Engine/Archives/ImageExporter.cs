using System.Formats.Tar;
using System.Runtime.InteropServices;
using CriPS.Engine.Images;

namespace CriPS.Engine.Archives;

/// <summary>
/// Writes images as one archive that both worlds read: an OCI image layout (oci-layout, index.json with
/// containerd's and OCI's name annotations, blobs/sha256/...) plus Docker's manifest.json, so docker load and
/// ctr import take it as well as Import-ContainerdImage. Blobs stream from the content store into the tar and are
/// verified on the way; entries carry a fixed time, so the same images always give the same bytes.
/// </summary>
internal sealed class ImageExporter(ContentStore store, TransferProgress progress)
{
    private const int DocumentLimit = 8 << 20;
    private static readonly DateTimeOffset EntryTime = DateTimeOffset.UnixEpoch;

    private readonly List<OciDescriptor> _blobs = new();
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    public async Task WriteAsync(IReadOnlyList<ArchiveImage> images, Stream output, CancellationToken cancel)
    {
        var dockerEntries = new List<(OciDocument Manifest, string Name)>();
        foreach (var image in images)
        {
            progress.Current = image.Name;
            var manifest = await CollectAsync(image.Target, image.Name, cancel).ConfigureAwait(false);
            if (manifest is not null)
                dockerEntries.Add((manifest, image.Name));
        }
        progress.Total = _blobs.Sum(b => b.Size);

        using var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        await WriteDocumentAsync(tar, OciLayout.FileName, new OciLayout { ImageLayoutVersion = OciLayout.SupportedVersion }, cancel).ConfigureAwait(false);
        foreach (var blob in _blobs)
        {
            var path = BlobPath(blob.Digest);
            progress.Current = path;
            await using var data = store.OpenRead(blob.Digest, blob.Size, blob.Digest, cancel, progress);
            await tar.WriteEntryAsync(Entry(path, data), cancel).ConfigureAwait(false);
        }
        var index = new OciDocument
        {
            MediaType = MediaTypes.OciIndex,
            Manifests = images.Select(i => i.Target.WithAnnotations(new Dictionary<string, string>
            {
                [Annotations.ImageName] = i.Name,
                [Annotations.RefName] = RefName(i.Name),
            })).ToList(),
        };
        await WriteDocumentAsync(tar, "index.json", index, cancel).ConfigureAwait(false);
        var docker = dockerEntries
            .GroupBy(e => e.Manifest.Config!.Digest)
            .Select(g => new DockerArchiveEntry
            {
                Config = BlobPath(g.Key),
                RepoTags = g.Where(e => !e.Name.Contains('@')).Select(e => ImageReference.FamiliarForm(e.Name)).Distinct().ToList(),
                Layers = (g.First().Manifest.Layers ?? []).Select(l => BlobPath(l.Digest)).ToList(),
            }).ToList();
        await WriteDocumentAsync(tar, DockerArchiveEntry.FileName, docker, cancel).ConfigureAwait(false);
    }

    /// <summary>
    /// Adds the blobs under a target: all of a manifest (an image without its layers cannot be moved), the
    /// platforms of an index that the store has. Returns the manifest Docker would load: this machine's platform.
    /// </summary>
    private async Task<OciDocument?> CollectAsync(OciDescriptor descriptor, string image, CancellationToken cancel)
    {
        var isIndex = MediaTypes.IsIndex(descriptor.MediaType);
        if (!isIndex && !MediaTypes.IsManifest(descriptor.MediaType))
        {
            Add(descriptor);
            return null;
        }
        var document = OciJson.Parse<OciDocument>(
            await store.ReadSmallAsync(descriptor.Digest, descriptor.Size, DocumentLimit, image, cancel).ConfigureAwait(false), descriptor.Digest);
        Add(descriptor);
        if (!isIndex)
        {
            foreach (var child in (document.Config is null ? [] : new[] { document.Config }).Concat(document.Layers ?? []))
            {
                if (await store.SizeOfAsync(child.Digest, cancel).ConfigureAwait(false) is null)
                    throw new CriException("ContainerdContentMissing", CriErrorCategory.ObjectNotFound,
                        $"The image '{image}' needs {child.Digest} ({child.MediaType}), which containerd's store does not have; pull the image again.",
                        image);
                Add(child);
            }
            return document.Config is null ? null : document;
        }

        OciDocument? chosen = null;
        foreach (var child in document.Manifests ?? [])
        {
            if (await store.SizeOfAsync(child.Digest, cancel).ConfigureAwait(false) is null)
                continue; // a platform this node never pulled
            var manifest = await CollectAsync(child, image, cancel).ConfigureAwait(false);
            if (manifest is not null && (chosen is null || IsThisPlatform(child.Platform)))
                chosen = manifest;
        }
        return chosen;
    }

    private void Add(OciDescriptor descriptor)
    {
        if (_seen.Add(descriptor.Digest))
            _blobs.Add(descriptor);
    }

    private static bool IsThisPlatform(OciPlatform? platform) =>
        platform is not null && platform.Os == "linux" && platform.Architecture == RuntimeInformation.OSArchitecture switch
        {
            Architecture.X64 => "amd64",
            Architecture.Arm64 => "arm64",
            Architecture.Arm => "arm",
            _ => RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant(),
        };

    private async Task WriteDocumentAsync<T>(TarWriter tar, string name, T document, CancellationToken cancel)
    {
        using var data = new MemoryStream(OciJson.Serialize(document));
        await tar.WriteEntryAsync(Entry(name, data), cancel).ConfigureAwait(false);
    }

    private static PaxTarEntry Entry(string name, Stream data) => new(TarEntryType.RegularFile, name)
    {
        DataStream = data,
        Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
        ModificationTime = EntryTime,
    };

    private static string BlobPath(string digest) => "blobs/" + digest.Replace(':', '/');

    /// <summary>The tag (or digest) part, which OCI's ref.name annotation holds.</summary>
    private static string RefName(string name)
    {
        var at = name.IndexOf('@');
        if (at >= 0)
            return name[(at + 1)..];
        var colon = name.LastIndexOf(':');
        return colon > name.LastIndexOf('/') ? name[(colon + 1)..] : "latest";
    }
}
