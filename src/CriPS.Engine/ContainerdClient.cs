using Grpc.Core;
using CriPS.Engine.Connection;
using CriPS.Engine.Endpoints;
using CriPS.Engine.Filtering;
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

    public async Task<List<ContainerdNamespace>> GetNamespacesAsync(CancellationToken cancel)
    {
        var reply = await Call("ContainerdNamespaceList", null,
            o => new Ctd.Namespaces.Namespaces.NamespacesClient(_channel.Channel).ListAsync(new(), o), cancel);
        return reply.Namespaces.Select(n => ContainerdMapper.ToNamespace(n, _origin)).ToList();
    }

    public async Task<List<ContainerdPlugin>> GetPluginsAsync(string[] filters, CancellationToken cancel)
    {
        var request = new Ctd.Introspection.PluginsRequest { Filters = { filters } };
        var reply = await Call("ContainerdPluginList", filters,
            o => new Ctd.Introspection.Introspection.IntrospectionClient(_channel.Channel).PluginsAsync(request, o), cancel);
        return reply.Plugins.Select(p => ContainerdMapper.ToPlugin(p, _origin)).ToList();
    }

    public async Task<List<ContainerdImage>> GetImagesAsync(string[] filters, CancellationToken cancel)
    {
        var request = new Ctd.Images.ListImagesRequest { Filters = { filters } };
        var reply = await Call("ContainerdImageList", filters,
            o => new Ctd.Images.Images.ImagesClient(_channel.Channel).ListAsync(request, o), cancel);
        return reply.Images.Select(i => ContainerdMapper.ToImage(i, Namespace, _origin)).ToList();
    }

    public async Task<List<ContainerdContainer>> GetContainersAsync(string[] filters, CancellationToken cancel)
    {
        var request = new Ctd.Containers.ListContainersRequest { Filters = { filters } };
        var reply = await Call("ContainerdContainerList", filters,
            o => new Ctd.Containers.Containers.ContainersClient(_channel.Channel).ListAsync(request, o), cancel);
        return reply.Containers.Select(c => ContainerdMapper.ToContainer(c, Namespace, _origin)).ToList();
    }

    /// <summary>Every task of the namespace (the API's filter is ignored by containerd, so none is offered).</summary>
    public async Task<List<ContainerdTask>> GetTasksAsync(CancellationToken cancel)
    {
        var request = new Ctd.Tasks.ListTasksRequest();
        var reply = await Call("ContainerdTaskList", null,
            o => new Ctd.Tasks.Tasks.TasksClient(_channel.Channel).ListAsync(request, o), cancel);
        return reply.Tasks.Select(t => ContainerdMapper.ToTask(t, Namespace, _origin)).ToList();
    }

    public async Task<List<ContainerdContent>> GetContentAsync(string[] filters, CancellationToken cancel)
    {
        var request = new Ctd.Content.ListContentRequest { Filters = { filters } };
        var result = new List<ContainerdContent>();
        try
        {
            using var call = new Ctd.Content.Content.ContentClient(_channel.Channel).List(request, Options(cancel));
            // The listing streams in batches; the deadline covers the whole stream.
            while (await call.ResponseStream.MoveNext(cancel).ConfigureAwait(false))
                result.AddRange(call.ResponseStream.Current.Info.Select(i => ContainerdMapper.ToContent(i, Namespace, _origin)));
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancel.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancel);
        }
        catch (RpcException e)
        {
            throw Translate(e, "ContainerdContentList", filters);
        }
        return result;
    }

    /// <summary>Writes in progress (content ingests), e.g. the layers of a pull that is running.</summary>
    public async Task<List<ContainerdIngest>> GetIngestsAsync(string[] filters, CancellationToken cancel)
    {
        var request = new Ctd.Content.ListStatusesRequest { Filters = { filters } };
        var reply = await Call("ContainerdContentStatus", filters,
            o => new Ctd.Content.Content.ContentClient(_channel.Channel).ListStatusesAsync(request, o), cancel);
        return reply.Statuses.Select(s => ContainerdMapper.ToIngest(s, Namespace, _origin)).ToList();
    }

    private CallOptions Options(CancellationToken cancel) =>
        new(new Metadata { { NamespaceHeader, Namespace } }, DateTime.UtcNow + Timeout, cancel);

    private async Task<T> Call<T>(string operation, object? target, Func<CallOptions, AsyncUnaryCall<T>> call, CancellationToken cancel)
    {
        try
        {
            return await call(Options(cancel)).ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancel.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancel);
        }
        catch (RpcException e)
        {
            throw Translate(e, operation, target);
        }
    }

    /// <summary>A bad namespace or filter comes back as InvalidArgument: say which, with it as target.</summary>
    private CriException Translate(RpcException e, string operation, object? target)
    {
        if (e.StatusCode == StatusCode.InvalidArgument && e.Status.Detail.Contains("namespace", StringComparison.OrdinalIgnoreCase))
            return new CriException("ContainerdInvalidNamespace", CriErrorCategory.InvalidArgument,
                $"containerd rejected the namespace '{Namespace}': {e.Status.Detail}", Namespace, e);
        if (e.StatusCode == StatusCode.InvalidArgument && target is string[] { Length: > 0 } or string { Length: > 0 })
            return new CriException("ContainerdInvalidFilter", CriErrorCategory.InvalidArgument,
                $"containerd rejected the filter: {e.Status.Detail}", target, e);
        if (e.StatusCode == StatusCode.Unimplemented)
            return new CriException("ContainerdNotAvailable", CriErrorCategory.ProtocolError,
                $"The daemon at {_channel.Endpoint} does not serve containerd's API ({e.Status.Detail}); is it containerd? "
                + $"Choose its socket with -Address or ${ContainerdAddressResolver.AddressVariable}.", _channel.Endpoint.Address, e);
        return ErrorTranslator.Translate(e, _channel.Endpoint, operation, null, target,
            $"-Address or ${ContainerdAddressResolver.AddressVariable}");
    }
}
