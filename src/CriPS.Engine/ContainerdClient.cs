using Grpc.Core;
using CriPS.Engine.Archives;
using CriPS.Engine.Connection;
using CriPS.Engine.Endpoints;
using CriPS.Engine.Filtering;
using CriPS.Engine.Images;
using CriPS.Engine.Mapping;
using Ctd = CriPS.Engine.Containerd;

namespace CriPS.Engine;

/// <summary>
/// The cmdlets' door to containerd's own API: the daemon's socket, a namespace (sent in the containerd-namespace
/// header, which every namespaced service requires), a deadline per call. Shares the session's channel pool.
/// </summary>
public sealed class ContainerdClient
{
    private const string NamespaceHeader = "containerd-namespace";
    private const string LeaseHeader = "containerd-lease";
    private const string LeaseExpiryLabel = "containerd.io/gc.expire";
    private readonly CriChannel _channel;
    private readonly Origin _origin;

    private ContainerdClient(ResolvedEndpoint address, string ns, string nsReason, TimeSpan timeout)
    {
        Address = address;
        Namespace = ns;
        NamespaceReason = nsReason;
        Timeout = timeout;
        _channel = CriChannel.For(address.Endpoint);
        _origin = new Origin(address.Endpoint.Address, Environment.MachineName);
    }

    public ResolvedEndpoint Address { get; }
    public string Namespace { get; }
    public string NamespaceReason { get; }
    public TimeSpan Timeout { get; }

    public static ContainerdClient Connect(string? address, string? ns, TimeSpan? timeout, IResolverContext? context = null)
    {
        var (resolved, name, reason) = new ContainerdAddressResolver(context).Resolve(address, ns);
        return new ContainerdClient(resolved, name, reason, timeout ?? EndpointResolver.DefaultTimeout);
    }

    public async Task<ContainerdVersion> GetVersionAsync(CancellationToken cancel)
    {
        var reply = await Call("ContainerdVersion", null, o => new Ctd.Version.Version.VersionClient(_channel.Channel).VersionAsync(new(), o), cancel);
        return _origin.Stamp(new ContainerdVersion { Version = reply.Version, Revision = reply.Revision });
    }

    public async Task<List<ContainerdNamespace>> GetNamespacesAsync(ContainerdNamespaceQuery query, CancellationToken cancel)
    {
        var reply = await Call("ContainerdNamespaceList", null,
            o => new Ctd.Namespaces.Namespaces.NamespacesClient(_channel.Channel).ListAsync(new(), o), cancel);
        return ContainerdFilters.Namespaces(reply.Namespaces.Select(n => ContainerdMapper.ToNamespace(n, _origin)), query);
    }

    public async Task<List<ContainerdPlugin>> GetPluginsAsync(ContainerdPluginQuery query, CancellationToken cancel) =>
        ContainerdFilters.Plugins(await GetPluginsAsync(query.Filter, cancel).ConfigureAwait(false), query);

    public async Task<List<ContainerdPlugin>> GetPluginsAsync(string[] filters, CancellationToken cancel)
    {
        var request = new Ctd.Introspection.PluginsRequest { Filters = { filters } };
        var reply = await Call("ContainerdPluginList", filters,
            o => new Ctd.Introspection.Introspection.IntrospectionClient(_channel.Channel).PluginsAsync(request, o), cancel);
        return reply.Plugins.Select(p => ContainerdMapper.ToPlugin(p, _origin)).ToList();
    }

    public async Task<List<ContainerdImage>> GetImagesAsync(ContainerdImageQuery query, CancellationToken cancel) =>
        ContainerdFilters.Images(await GetImagesAsync(query.Filter, cancel).ConfigureAwait(false), query);

    /// <summary>The images of the namespace that <paramref name="pattern"/> names: a wildcard, an exact name or a short one.</summary>
    public static List<ContainerdImage> ImagesNamed(IEnumerable<ContainerdImage> images, string pattern) =>
        ContainerdFilters.ImagesNamed(images, pattern);

    public async Task<List<ContainerdImage>> GetImagesAsync(string[] filters, CancellationToken cancel)
    {
        var request = new Ctd.Images.ListImagesRequest { Filters = { filters } };
        var reply = await Call("ContainerdImageList", filters,
            o => new Ctd.Images.Images.ImagesClient(_channel.Channel).ListAsync(request, o), cancel);
        return reply.Images.Select(i => ContainerdMapper.ToImage(i, Namespace, _origin)).ToList();
    }

    public async Task<List<ContainerdContainer>> GetContainersAsync(ContainerdContainerQuery query, CancellationToken cancel)
    {
        var request = new Ctd.Containers.ListContainersRequest { Filters = { query.Filter } };
        var reply = await Call("ContainerdContainerList", query.Filter,
            o => new Ctd.Containers.Containers.ContainersClient(_channel.Channel).ListAsync(request, o), cancel);
        return ContainerdFilters.Containers(reply.Containers.Select(c => ContainerdMapper.ToContainer(c, Namespace, _origin)), query);
    }

    /// <summary>The tasks of the namespace the query selects (the API's filter is ignored by containerd, so none is offered).</summary>
    public async Task<List<ContainerdTask>> GetTasksAsync(ContainerdTaskQuery query, CancellationToken cancel)
    {
        var request = new Ctd.Tasks.ListTasksRequest();
        var reply = await Call("ContainerdTaskList", null,
            o => new Ctd.Tasks.Tasks.TasksClient(_channel.Channel).ListAsync(request, o), cancel);
        return ContainerdFilters.Tasks(reply.Tasks.Select(t => ContainerdMapper.ToTask(t, Namespace, _origin)), query);
    }

    public async Task<List<ContainerdContent>> GetContentAsync(ContainerdContentQuery query, CancellationToken cancel)
    {
        var request = new Ctd.Content.ListContentRequest { Filters = { query.Filter } };
        // The listing streams in batches.
        var blobs = await GrpcCalls.ReadAllAsync(o => new Ctd.Content.Content.ContentClient(_channel.Channel).List(request, o), Options(cancel),
            reply => reply.Info.Select(i => ContainerdMapper.ToContent(i, Namespace, _origin)),
            e => Translate(e, "ContainerdContentList", query.Filter)).ConfigureAwait(false);
        return ContainerdFilters.Content(blobs, query);
    }

    /// <summary>Writes in progress (content ingests), e.g. the layers of a pull that is running.</summary>
    public async Task<List<ContainerdIngest>> GetIngestsAsync(string[] filters, CancellationToken cancel)
    {
        var request = new Ctd.Content.ListStatusesRequest { Filters = { filters } };
        var reply = await Call("ContainerdContentStatus", filters,
            o => new Ctd.Content.Content.ContentClient(_channel.Channel).ListStatusesAsync(request, o), cancel);
        return reply.Statuses.Select(s => ContainerdMapper.ToIngest(s, Namespace, _origin)).ToList();
    }

    /// <summary>Deletes an image record; with the content it alone kept collected at once (sync), like ctr images rm --sync.</summary>
    public async Task RemoveImageAsync(string name, CancellationToken cancel)
    {
        var request = new Ctd.Images.DeleteImageRequest { Name = name, Sync = true };
        await GrpcCalls.UnaryAsync(o => new Ctd.Images.Images.ImagesClient(_channel.Channel).DeleteAsync(request, o), Options(cancel),
            e => e.StatusCode == StatusCode.NotFound
                ? ErrorTranslator.Carrying(e, "ContainerdImageNotFound", CriErrorCategory.ObjectNotFound, $"No image '{name}' in namespace {Namespace}.", name)
                : Translate(e, "ContainerdImageDelete", name)).ConfigureAwait(false);
    }

    /// <summary>
    /// Imports the images of an OCI or Docker archive into the namespace, streamed: the blobs go into the content
    /// store under a lease (so a failed or cancelled import leaves nothing behind once the lease goes), then the
    /// image records are created or moved to the new target. <paramref name="name"/> names the image of an archive
    /// that holds one. Time limits apply to stalls, not to the whole transfer: a big archive may take long.
    /// </summary>
    public async Task<ImportResult> ImportImagesAsync(Stream archive, string? name, ArchiveLimits limits, TimeSpan stallLimit,
        TransferProgress progress, CancellationToken cancel)
    {
        var lease = await CreateLeaseAsync("crips-import", cancel).ConfigureAwait(false);
        var store = ContentStoreFor(lease, stallLimit);
        var importer = new ImageImporter(store, lease, progress, limits);
        try
        {
            var found = await importer.ImportAsync(archive, cancel).ConfigureAwait(false);
            var targets = found.Select(f => f.Target.Digest).Distinct(StringComparer.Ordinal).ToList();
            List<ArchiveImage> named;
            if (name is not null)
            {
                if (targets.Count != 1)
                    throw new CriException("ContainerdImportNameAmbiguous", CriErrorCategory.InvalidArgument,
                        $"-Name names one image, but the archive holds {targets.Count}; import without -Name to keep the archive's names.", name);
                named = [new ArchiveImage(name, found[0].Target)];
            }
            else
            {
                named = found.Where(f => f.Name.Length > 0).ToList();
                foreach (var unnamed in targets.Where(t => !named.Any(n => n.Target.Digest == t)))
                    importer.Notes.Add($"The archive holds an image without a name ({unnamed}); it was not kept. Import it alone with -Name to keep it.");
            }
            var images = new List<ContainerdImage>();
            foreach (var image in named)
                images.Add(await PutImageAsync(image, cancel).ConfigureAwait(false));
            return new ImportResult(images, importer.Notes, importer.BlobsWritten, importer.BlobsPresent);
        }
        catch (RpcException e) when (cancel.IsCancellationRequested)
        {
            throw new OperationCanceledException("The import was cancelled.", e, cancel);
        }
        finally
        {
            // What no image record refers to goes now (synchronously, so a failed import leaves no blob behind).
            await DeleteLeaseAsync(lease).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// An image's ID as CRI and Docker show it: the digest of its config, read from the manifest (for an index, the
    /// manifest of this machine's platform). The documents' digests are not re-hashed: a damaged one fails to parse
    /// or names another config, which every caller compares with the ID it expects.
    /// </summary>
    public async Task<string> GetImageIdAsync(ContainerdImage image, CancellationToken cancel)
    {
        const int Limit = 4 << 20;
        var store = ContentStoreFor(null, Timeout);
        var descriptor = new OciDescriptor { MediaType = image.MediaType, Digest = image.Digest, Size = image.Size };
        try
        {
            if (MediaTypes.IsIndex(descriptor.MediaType))
            {
                var index = OciJson.Parse<OciDocument>(await store.ReadSmallAsync(descriptor.Digest, descriptor.Size, Limit, image.Name, cancel, verifyDigest: false).ConfigureAwait(false), image.Name);
                var architecture = System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
                {
                    System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
                    _ => "amd64",
                };
                descriptor = index.Manifests?.FirstOrDefault(m => m.Platform is { Os: "linux" } p && p.Architecture == architecture)
                    ?? index.Manifests?.FirstOrDefault()
                    ?? throw new CriException("ContainerdContentMissing", CriErrorCategory.InvalidData, $"The index of {image.Name} lists no manifest.", image.Name);
            }
            var manifest = OciJson.Parse<OciDocument>(await store.ReadSmallAsync(descriptor.Digest, descriptor.Size, Limit, image.Name, cancel, verifyDigest: false).ConfigureAwait(false), image.Name);
            return manifest.Config?.Digest
                ?? throw new CriException("ContainerdContentMissing", CriErrorCategory.InvalidData, $"The manifest of {image.Name} names no config.", image.Name);
        }
        catch (ImageArchiveException e)
        {
            throw new CriException("ContainerdContentCorrupt", CriErrorCategory.InvalidData, e.Message, image.Name, e);
        }
    }

    /// <summary>Writes images of this namespace (as listed) as one OCI + Docker archive to <paramref name="output"/>.</summary>
    public async Task ExportImagesAsync(IReadOnlyList<ContainerdImage> records, Stream output, TimeSpan stallLimit,
        TransferProgress progress, CancellationToken cancel)
    {
        var images = records.Select(r => new ArchiveImage(r.Name, new OciDescriptor { MediaType = r.MediaType, Digest = r.Digest, Size = r.Size })).ToList();
        try
        {
            await new ImageExporter(ContentStoreFor(null, stallLimit), progress).WriteAsync(images, output, cancel).ConfigureAwait(false);
        }
        catch (RpcException e) when (cancel.IsCancellationRequested)
        {
            throw new OperationCanceledException("The export was cancelled.", e, cancel);
        }
    }

    /// <summary>A transfer fails after this long without progress, unless its caller says otherwise; each of its other calls has the usual deadline.</summary>
    public static readonly TimeSpan DefaultStallLimit = TimeSpan.FromSeconds(60);

    private ContentStore ContentStoreFor(string? lease, TimeSpan stallLimit)
    {
        var headers = new Metadata { { NamespaceHeader, Namespace } };
        if (lease is not null)
            headers.Add(LeaseHeader, lease);
        return new ContentStore(new Ctd.Content.Content.ContentClient(_channel.Channel), headers, Timeout, stallLimit,
            (e, operation, target) => Translate(e, operation, target));
    }

    /// <summary>A lease that expires by itself after a day, like containerd's own clients take: a crash cannot pin content forever.</summary>
    private async Task<string> CreateLeaseAsync(string purpose, CancellationToken cancel)
    {
        var request = new Ctd.Leases.CreateRequest { Id = $"{purpose}-{Guid.NewGuid():N}" };
        request.Labels[LeaseExpiryLabel] = DateTime.UtcNow.AddDays(1).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        var reply = await Call("ContainerdLeaseCreate", null,
            o => new Ctd.Leases.Leases.LeasesClient(_channel.Channel).CreateAsync(request, o), cancel).ConfigureAwait(false);
        return reply.Lease.Id;
    }

    private async Task DeleteLeaseAsync(string lease)
    {
        try
        {
            // Not the caller's token: after Ctrl+C the lease must still go.
            await new Ctd.Leases.Leases.LeasesClient(_channel.Channel).DeleteAsync(new Ctd.Leases.DeleteRequest { Id = lease, Sync = true },
                Options(CancellationToken.None)).ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException)
        {
            // The daemon is gone; the lease's expiry label frees the content later.
        }
    }

    /// <summary>Creates the image record, or points an existing one at the new target (ctr import does the same).</summary>
    private async Task<ContainerdImage> PutImageAsync(ArchiveImage image, CancellationToken cancel)
    {
        var images = new Ctd.Images.Images.ImagesClient(_channel.Channel);
        var record = new Ctd.Images.Image
        {
            Name = image.Name,
            Target = new Ctd.Types.ContentDescriptor { MediaType = image.Target.MediaType, Digest = image.Target.Digest, Size = image.Target.Size },
        };
        try
        {
            var created = await Call("ContainerdImageCreate", image.Name,
                o => images.CreateAsync(new Ctd.Images.CreateImageRequest { Image = record }, o), cancel).ConfigureAwait(false);
            return ContainerdMapper.ToImage(created.Image, Namespace, _origin);
        }
        catch (CriException e) when (e.StatusCode == nameof(StatusCode.AlreadyExists))
        {
            var update = new Ctd.Images.UpdateImageRequest { Image = record, UpdateMask = new() { Paths = { "target" } } };
            var updated = await Call("ContainerdImageUpdate", image.Name, o => images.UpdateAsync(update, o), cancel).ConfigureAwait(false);
            return ContainerdMapper.ToImage(updated.Image, Namespace, _origin);
        }
    }

    private CallOptions Options(CancellationToken cancel) =>
        GrpcCalls.Options(Timeout, cancel, new Metadata { { NamespaceHeader, Namespace } });

    private Task<T> Call<T>(string operation, object? target, Func<CallOptions, AsyncUnaryCall<T>> call, CancellationToken cancel) =>
        GrpcCalls.UnaryAsync(call, Options(cancel), e => Translate(e, operation, target));

    /// <summary>
    /// The filter containerd could not parse, as the error's target: its parse error shows the whole text split at the
    /// fault ("[before >|x|< after]"). One filter is that filter; of several, the one the error shows, else all of them.
    /// </summary>
    internal static object RejectedFilter(string[] filters, string detail)
    {
        if (filters.Length == 1)
            return filters[0];
        var shown = System.Text.RegularExpressions.Regex.Match(detail, @"parse error: \[(.*) >\|(.*)\|< (.*)\]");
        if (shown.Success)
        {
            var text = shown.Groups[1].Value + shown.Groups[2].Value + shown.Groups[3].Value;
            var match = filters.Where(f => f == text).ToList();
            if (match.Count == 1)
                return match[0];
        }
        return filters;
    }

    /// <summary>A bad namespace or filter comes back as InvalidArgument: say which, with it as target.</summary>
    private CriException Translate(RpcException e, string operation, object? target)
    {
        // No filters is no failing item: errors about the call as a whole then name the endpoint.
        if (target is string[] { Length: 0 })
            target = null;
        if (e.StatusCode == StatusCode.InvalidArgument && e.Status.Detail.Contains("namespace", StringComparison.OrdinalIgnoreCase))
            return ErrorTranslator.Carrying(e, "ContainerdInvalidNamespace", CriErrorCategory.InvalidArgument,
                $"containerd rejected the namespace '{Namespace}': {e.Status.Detail}", Namespace);
        if (e.StatusCode == StatusCode.InvalidArgument && target is string[] { Length: > 0 } or string { Length: > 0 })
            return ErrorTranslator.Carrying(e, "ContainerdInvalidFilter", CriErrorCategory.InvalidArgument,
                $"containerd rejected the filter: {e.Status.Detail}", target is string[] filters ? RejectedFilter(filters, e.Status.Detail) : target);
        if (e.StatusCode == StatusCode.Unimplemented)
            return ErrorTranslator.Carrying(e, "ContainerdNotAvailable", CriErrorCategory.ProtocolError,
                $"The daemon at {_channel.Endpoint} does not serve containerd's API ({e.Status.Detail}); is it containerd? "
                + $"Choose its socket with -Address or ${ContainerdAddressResolver.AddressVariable}.", _channel.Endpoint.Address);
        return ErrorTranslator.Translate(e, _channel.Endpoint, operation, null, target,
            $"-Address or ${ContainerdAddressResolver.AddressVariable}");
    }
}

/// <summary>What an import created, what it noticed, and how many blobs it wrote or found already there.</summary>
public sealed record ImportResult(IReadOnlyList<ContainerdImage> Images, IReadOnlyList<string> Notes, int BlobsWritten, int BlobsPresent);
