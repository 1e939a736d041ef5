using System.Diagnostics;
using Grpc.Core;
using CriPS.Engine.Connection;
using CriPS.Engine.Endpoints;
using CriPS.Engine.Filtering;
using CriPS.Engine.Images;
using CriPS.Engine.Logs;
using CriPS.Engine.Mapping;
using V1 = CriPS.Engine.Cri.V1;

namespace CriPS.Engine;

/// <summary>
/// The cmdlets' one door to a CRI runtime: resolved endpoints, a deadline per call, and calls that return
/// module objects or throw CriException. Channels are pooled per endpoint for the whole session.
/// </summary>
public sealed partial class CriClient
{
    private readonly CriChannel _runtime;
    private readonly CriChannel _images;
    private readonly Origin _origin;
    private ContainerdClient? _downloads;

    private CriClient(ResolvedEndpoint runtime, ResolvedEndpoint image, TimeSpan timeout)
    {
        RuntimeEndpoint = runtime;
        ImageEndpoint = image;
        Timeout = timeout;
        _runtime = CriChannel.For(runtime.Endpoint);
        _images = image.Endpoint == runtime.Endpoint ? _runtime : CriChannel.For(image.Endpoint);
        _origin = new Origin(runtime.Endpoint.Address, Environment.MachineName);
    }

    public ResolvedEndpoint RuntimeEndpoint { get; }
    public ResolvedEndpoint ImageEndpoint { get; }
    public TimeSpan Timeout { get; }

    /// <summary>True when this session already checked the runtime's version over the same channel.</summary>
    public bool IsChannelWarm => _runtime.Version is not null;

    /// <summary>Resolves the endpoints (parameter, environment, crictl config, well-known sockets). No call is made yet.</summary>
    public static CriClient Connect(string? runtimeEndpoint, string? imageEndpoint, TimeSpan? timeout, IResolverContext? context = null)
    {
        var (runtime, image, deadline) = new EndpointResolver(context).Resolve(runtimeEndpoint, imageEndpoint, timeout);
        return new CriClient(runtime, image, deadline);
    }

    /// <summary>Checks, once per channel, that the runtime speaks CRI v1; returns "name version (API ...)".</summary>
    public async Task<string> EnsureReadyAsync(CancellationToken cancel)
    {
        // A separate image endpoint is checked when an image call first uses it, not here.
        var v = await _runtime.EnsureVersionAsync(Timeout, cancel).ConfigureAwait(false);
        return $"{v.RuntimeName} {v.RuntimeVersion} (CRI {v.RuntimeApiVersion})";
    }

    public async Task<RuntimeInfo> GetRuntimeInfoAsync(CancellationToken cancel)
    {
        var version = await _runtime.EnsureVersionAsync(Timeout, cancel).ConfigureAwait(false);
        var status = await Call("Status", null, null, o => _runtime.Runtime.StatusAsync(new V1.StatusRequest { Verbose = true }, o), cancel);
        V1.RuntimeConfigResponse? config = null;
        try
        {
            config = await Call("RuntimeConfig", null, null, o => _runtime.Runtime.RuntimeConfigAsync(new V1.RuntimeConfigRequest(), o), cancel);
        }
        catch (CriException e) when (e.Category == CriErrorCategory.NotImplemented)
        {
            // Runtimes older than CRI 1.28 (containerd 1.6) do not have it; the verbose config tells instead.
        }
        var info = CriMapper.ToRuntimeInfo(version, status, config, _origin);
        if (version.RuntimeName == "containerd" && (info.SandboxImage is null || info.Snapshotter is null))
        {
            try
            {
                await AddImageServiceFactsAsync(info, cancel).ConfigureAwait(false);
            }
            catch (CriException)
            {
                // Facts on top of the runtime's status: a proxy that serves CRI but not containerd's own API (or a
                // refused listing) leaves them empty rather than failing the status the runtime did give.
            }
        }
        return info;
    }

    /// <summary>
    /// From containerd 2.0 the verbose Status holds only the runtime's config: the sandbox image and the snapshotter
    /// belong to the image service, which reports them nowhere directly. The sandbox image is the one image the
    /// runtime lists as pinned (2.x pins exactly its pinned_images.sandbox when it pulls it, so before the first
    /// pull it stays empty); the snapshotter is the snapshotter plugin whose root is the image filesystem
    /// ImageFsInfo names. Facts that cannot be read this way stay empty rather than guessed.
    /// </summary>
    private async Task AddImageServiceFactsAsync(RuntimeInfo info, CancellationToken cancel)
    {
        if (info.SandboxImage is null)
        {
            var images = await Call("ListImages", null, null, o => _images.Images.ListImagesAsync(new V1.ListImagesRequest(), o), cancel, _images);
            var pinned = images.Images.Where(i => i.Pinned && i.RepoTags.Count > 0).ToList();
            if (pinned.Count == 1)
                info.SandboxImage = pinned[0].RepoTags[0];
        }
        if (info.Snapshotter is null)
        {
            var filesystems = await GetImageFilesystemsAsync(cancel).ConfigureAwait(false);
            var roots = filesystems.Where(f => f.Kind == "Image").Select(f => f.Mountpoint).ToHashSet(StringComparer.Ordinal);
            var containerd = ContainerdClient.Connect(_runtime.Endpoint.Address, "k8s.io", Timeout);
            var snapshotters = await containerd.GetPluginsAsync(["type==io.containerd.snapshotter.v1"], cancel).ConfigureAwait(false);
            info.Snapshotter = snapshotters.FirstOrDefault(p => p.Exports.TryGetValue("root", out var root) && roots.Contains(root))?.Id;
        }
    }

    public async Task<QueryResult<Pod>> GetPodsAsync(PodQuery query, CancellationToken cancel)
    {
        var pods = await ListPodsAsync(cancel).ConfigureAwait(false);
        var result = Filters.Pods(pods, query);
        if (query.Detailed)
            await Task.WhenAll(result.Items.Select(p => AddPodStatusAsync(p, cancel))).ConfigureAwait(false);
        return result;
    }

    public async Task<QueryResult<Container>> GetContainersAsync(ContainerQuery query, CancellationToken cancel)
    {
        // Two listing calls side by side; pod names come from the pod listing, as crictl ps shows them.
        var podsTask = ListPodsAsync(cancel);
        var containersTask = Call("ListContainers", null, null,
            o => _runtime.Runtime.ListContainersAsync(new V1.ListContainersRequest(), o), cancel);
        var imageIdsTask = ResolveImagesAsync(query.Image, cancel);
        var pods = await podsTask.ConfigureAwait(false);
        var reply = await containersTask.ConfigureAwait(false);
        var imageIds = await imageIdsTask.ConfigureAwait(false);

        var podsById = pods.ToDictionary(p => p.Id, StringComparer.Ordinal);
        var containers = reply.Containers.Select(c => CriMapper.ToContainer(c, podsById, _origin)).ToList();
        var result = Filters.Containers(containers, pods, query, imageIds);
        if (query.Detailed)
            await Task.WhenAll(result.Items.Select(c => AddContainerStatusAsync(c, cancel))).ConfigureAwait(false);
        return result;
    }

    public async Task<QueryResult<Image>> GetImagesAsync(ImageQuery query, CancellationToken cancel)
    {
        // containerd ignores ListImages' filter, so every runtime is filtered here alike.
        var reply = await Call("ListImages", null, null, o => _images.Images.ListImagesAsync(new V1.ListImagesRequest(), o), cancel, _images);
        var images = reply.Images.Select(i => CriMapper.ToImage(i, _origin)).ToList();
        var result = Filters.Images(images, query);
        if (query.Detailed)
            await Task.WhenAll(result.Items.Select(i => AddImageStatusAsync(i, cancel))).ConfigureAwait(false);
        return result;
    }

    private async Task AddImageStatusAsync(Image image, CancellationToken cancel)
    {
        var reply = await Call("ImageStatus", "Image", image.Id,
            o => _images.Images.ImageStatusAsync(new V1.ImageStatusRequest { Image = new V1.ImageSpec { Image = image.Id }, Verbose = true }, o),
            cancel, _images);
        CriMapper.AddStatus(image, reply);
    }

    /// <summary>ImageStatus: the image a reference or id names, or null when the runtime does not have it.</summary>
    public async Task<Image?> GetImageAsync(string reference, CancellationToken cancel)
    {
        var reply = await Call("ImageStatus", "Image", reference,
            o => _images.Images.ImageStatusAsync(new V1.ImageStatusRequest { Image = new V1.ImageSpec { Image = reference } }, o), cancel, _images);
        return reply.Image is null ? null : CriMapper.ToImage(reply.Image, _origin);
    }

    public async Task<List<ImageFilesystem>> GetImageFilesystemsAsync(CancellationToken cancel)
    {
        var reply = await Call("ImageFsInfo", null, null, o => _images.Images.ImageFsInfoAsync(new V1.ImageFsInfoRequest(), o), cancel, _images);
        return reply.ImageFilesystems.Select(f => CriMapper.ToFilesystem(f, "Image", _origin))
            .Concat(reply.ContainerFilesystems.Select(f => CriMapper.ToFilesystem(f, "Container", _origin))).ToList();
    }

    /// <summary>Removes an image with every tag it has (that is what RemoveImage does on containerd and CRI-O).</summary>
    public Task RemoveImageAsync(string id, CancellationToken cancel) =>
        Call("ImageRemove", null, id, o => _images.Images.RemoveImageAsync(new V1.RemoveImageRequest { Image = new V1.ImageSpec { Image = id } }, o), cancel, _images);

    /// <summary>
    /// Pulls through CRI and returns the image as ImageStatus then knows it. The reference is checked first
    /// (CriInvalidImageReference); credentials go in CRI's AuthConfig and nowhere else.
    /// </summary>
    public async Task<Image> PullImageAsync(string reference, RegistryCredential? credential, TimeSpan? timeout, CancellationToken cancel,
        Configs.PodConfig? podConfig = null)
    {
        ImageReference.Parse(reference);
        var request = new V1.PullImageRequest { Image = new V1.ImageSpec { Image = reference }, SandboxConfig = podConfig?.Message };
        if (credential is not null)
            // No server_address: containerd parses it as a URL and drops the credentials unless its host is the
            // host it resolved (registry-1.docker.io for docker.io); CriPS already chose them for this registry.
            request.Auth = new V1.AuthConfig
            {
                Username = credential.Username ?? "",
                Password = credential.Password ?? "",
                IdentityToken = credential.IdentityToken ?? "",
                RegistryToken = credential.RegistryToken ?? "",
            };
        try
        {
            await Call("ImagePull", null, reference, o => _images.Images.PullImageAsync(request, o), cancel, _images, timeout);
        }
        catch (CriException e) when (e.ErrorId == "CriImagePullFailed" && LooksUnauthorized(e.Message))
        {
            throw new CriException("CriImagePullUnauthorized", CriErrorCategory.AuthenticationError,
                $"The registry refused {(credential is null ? "an anonymous pull" : credential.ToString())} of '{reference}': {e.Message}",
                reference, e);
        }
        catch (CriException e) when (e.ErrorId == "CriImagePullFailed" && e.Category == CriErrorCategory.NotSpecified && LooksUnreachable(e.Message))
        {
            // containerd reports an unreachable registry as Unknown; the runtime itself answered, so this is not a
            // connection error of the endpoint (which would end a multi-image pull), but a registry not available.
            throw new CriException(e.ErrorId, CriErrorCategory.ResourceUnavailable, e.Message, reference, e.InnerException)
                { StatusCode = e.StatusCode, StatusDetail = e.StatusDetail };
        }
        return await GetImageAsync(reference, cancel).ConfigureAwait(false)
            ?? throw new CriException("CriImagePullFailed", CriErrorCategory.InvalidData,
                $"The runtime reported '{reference}' pulled but does not list it.", reference);
    }

    /// <summary>
    /// The writes in progress in containerd's content store (namespace k8s.io), which show a pull's layers as
    /// they download; null when the runtime is not containerd, which has no such view.
    /// </summary>
    public async Task<List<ContainerdIngest>?> GetActiveDownloadsAsync(CancellationToken cancel)
    {
        var version = await _images.EnsureVersionAsync(Timeout, cancel).ConfigureAwait(false);
        if (version.RuntimeName != "containerd")
            return null;
        _downloads ??= ContainerdClient.Connect(_images.Endpoint.Address, "k8s.io", Timeout);
        return await _downloads.GetIngestsAsync([], cancel).ConfigureAwait(false);
    }

    // Registries' own words for a refused login; bare "401" or "denied" would also match digests and unrelated errors.
    private static bool LooksUnauthorized(string message) =>
        UnauthorizedWords.Any(w => message.Contains(w, StringComparison.OrdinalIgnoreCase));

    internal static bool LooksUnreachable(string message) =>
        UnreachableWords.Any(w => message.Contains(w, StringComparison.OrdinalIgnoreCase));

    /// <summary>Go's net package wording for a registry that cannot be reached.</summary>
    private static readonly string[] UnreachableWords =
        ["connect: connection refused", "no such host", "i/o timeout", "network is unreachable", "no route to host", "server misbehaving"];

    private static readonly string[] UnauthorizedWords =
        ["401 Unauthorized", "unauthorized:", "authorization failed", "pull access denied", "insufficient_scope", "403 Forbidden"];

    public async Task<Pod> RunPodAsync(PodSpec spec, CancellationToken cancel)
    {
        var config = Specs.ToPodSandboxConfig(spec);
        // The kubelet makes the pod's log folder before RunPodSandbox; CRI-O's conmon and cri-dockerd do not.
        if (_runtime.Endpoint.IsUnix)
            LogFolders.Create(config.LogDirectory);
        var reply = await Call("RunPodSandbox", null, config.Metadata.Name,
            o => _runtime.Runtime.RunPodSandboxAsync(new V1.RunPodSandboxRequest { Config = config, RuntimeHandler = spec.RuntimeHandler ?? "" }, o), cancel);
        _runtime.PodConfigs.Remember(reply.PodSandboxId, config);
        return await GetPodAsync(reply.PodSandboxId, cancel).ConfigureAwait(false);
    }

    /// <summary>One pod by full id, with its status facts.</summary>
    public async Task<Pod> GetPodAsync(string id, CancellationToken cancel)
    {
        var reply = await Call("PodSandboxStatus", "Pod", id,
            o => _runtime.Runtime.PodSandboxStatusAsync(new V1.PodSandboxStatusRequest { PodSandboxId = id, Verbose = true }, o), cancel);
        var s = reply.Status;
        var pod = CriMapper.ToPod(new V1.PodSandbox
        {
            Id = s.Id, Metadata = s.Metadata, State = s.State, CreatedAt = s.CreatedAt, RuntimeHandler = s.RuntimeHandler,
            Labels = { s.Labels }, Annotations = { s.Annotations },
        }, _origin);
        CriMapper.AddStatus(pod, reply);
        return pod;
    }

    // Stop and remove take a full id the caller has looked up (GetPodAsync, GetContainerAsync): containerd 1.7+, 2.x
    // and CRI-O answer them with success for an unknown id, as the kubelet retries them, so a mistyped id would
    // otherwise read as done.
    public Task StopPodAsync(string id, CancellationToken cancel) =>
        Call("StopPodSandbox", "Pod", id, o => _runtime.Runtime.StopPodSandboxAsync(new V1.StopPodSandboxRequest { PodSandboxId = id }, o), cancel);

    public async Task RemovePodAsync(string id, CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            try
            {
                await Call("RemovePodSandbox", "Pod", id, o => _runtime.Runtime.RemovePodSandboxAsync(new V1.RemovePodSandboxRequest { PodSandboxId = id }, o), cancel);
                return;
            }
            catch (CriException e) when (e.Message.Contains("is already in progress", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
            {
                // cri-dockerd passes on Docker's "removal of container ... is already in progress" while Docker still
                // removes one of the pod's containers; the kubelet retries, and so does this, within the call's deadline.
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancel).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Creates a container in a pod. CRI asks for the pod's config again (runtimes take the log folder and the cgroup
    /// parent from it): <paramref name="podConfig"/> when given (as crictl create takes it); else the config this
    /// session created the pod with; else the pod's config as the runtime reports it (containerd's verbose info,
    /// CRI-O's annotations), with the kubelet's log folder, /var/log/pods/NAMESPACE_NAME_UID, where it reports none
    /// (cri-dockerd). The pod's metadata is always the runtime's.
    /// </summary>
    public async Task<Container> CreateContainerAsync(string podId, ContainerSpec spec, CancellationToken cancel, Configs.PodConfig? podConfig = null)
    {
        var config = Specs.ToContainerConfig(spec);
        var pod = await GetPodAsync(podId, cancel).ConfigureAwait(false);
        // The runtime's metadata wins over a given config's, also for the kubelet's default log folder it names.
        var sandbox = podConfig is not null
            ? Specs.ToPodSandboxConfig(new PodSpec { Config = podConfig, Name = pod.Name, Namespace = pod.Namespace, Uid = pod.Uid, Attempt = pod.Attempt })
            : _runtime.PodConfigs.Recall(pod.Id) ?? Specs.ToPodSandboxConfig(Specs.PodSpecOf(pod));
        sandbox.Metadata = new V1.PodSandboxMetadata { Name = pod.Name, Namespace = pod.Namespace, Uid = pod.Uid, Attempt = pod.Attempt };
        Specs.AddKubeletLabels(config, pod);
        Specs.ShareThePodsNamespaces(config, sandbox);
        // The kubelet makes the container's log folder (NAME/ under the pod's); containerd does it itself, CRI-O's
        // conmon and cri-dockerd do not, and the container then fails to start.
        if (_runtime.Endpoint.IsUnix && Path.GetDirectoryName(Path.Combine(sandbox.LogDirectory, config.LogPath)) is { Length: > 0 } folder
            && Path.IsPathRooted(folder))
            LogFolders.Create(folder);
        // The pod was just found, so a NotFound here is about the image: keep the runtime's own words.
        var reply = await Call("CreateContainer", null, podId,
            o => _runtime.Runtime.CreateContainerAsync(new V1.CreateContainerRequest { PodSandboxId = podId, Config = config, SandboxConfig = sandbox }, o), cancel);
        return await GetContainerAsync(reply.ContainerId, cancel).ConfigureAwait(false);
    }

    /// <summary>
    /// One container, with its status facts, through the listing. ContainerStatus alone is not enough: containerd 1.6
    /// reports image_ref there as the repo digest, not the image id the listing gives, so objects would differ.
    /// </summary>
    /// <summary>
    /// One container by full id or unique prefix. Without <paramref name="detailed"/> only what the listing says (id,
    /// name, state, pod): one ContainerStatus call fewer, for callers that need no exit code, pid or log path.
    /// </summary>
    public async Task<Container> GetContainerAsync(string id, CancellationToken cancel, bool detailed = true)
    {
        var result = await GetContainersAsync(new ContainerQuery { Id = [id], All = true, Detailed = detailed }, cancel).ConfigureAwait(false);
        if (result.Errors.Count > 0)
            throw result.Errors[0];
        return result.Items[0];
    }

    /// <summary>Stops a container, giving it <paramref name="graceSeconds"/> after SIGTERM before SIGKILL.</summary>
    public Task StopContainerAsync(string id, long graceSeconds, CancellationToken cancel) =>
        Call("StopContainer", "Container", id,
            o => _runtime.Runtime.StopContainerAsync(new V1.StopContainerRequest { ContainerId = id, Timeout = graceSeconds }, o),
            cancel, timeout: Timeout + TimeSpan.FromSeconds(graceSeconds));

    public Task RemoveContainerAsync(string id, CancellationToken cancel) =>
        Call("RemoveContainer", "Container", id, o => _runtime.Runtime.RemoveContainerAsync(new V1.RemoveContainerRequest { ContainerId = id }, o), cancel);

    /// <summary>Runs a command in a running container and waits for it, at most <paramref name="commandTimeout"/>.</summary>
    public async Task<ExecResult> ExecSyncAsync(string id, string[] command, TimeSpan commandTimeout, CancellationToken cancel)
    {
        var watch = Stopwatch.StartNew();
        var request = new V1.ExecSyncRequest { ContainerId = id, Cmd = { command }, Timeout = (long)Math.Ceiling(commandTimeout.TotalSeconds) };
        V1.ExecSyncResponse reply;
        try
        {
            // The call may take as long as the command may, plus the usual margin for the runtime itself.
            reply = await Call("ExecSync", "Container", id, o => _runtime.Runtime.ExecSyncAsync(request, o), cancel,
                timeout: commandTimeout + EndpointResolver.DefaultTimeout);
        }
        catch (CriException e) when (watch.Elapsed >= commandTimeout
                                      && (e.Category == CriErrorCategory.OperationTimeout || e.Message.Contains("timeout", StringComparison.OrdinalIgnoreCase)))
        {
            // The runtime ends a command that outlives its limit; that is the command's doing, not the runtime's.
            throw CommandTimedOut(id, command, commandTimeout, e);
        }
        // CRI-O answers a command it stopped at its limit with success, exit code -1 and conmon's words on stderr
        // (so that the kubelet's probes fail rather than turn Unknown).
        if (reply.ExitCode == -1 && reply.Stdout.IsEmpty && reply.Stderr.ToStringUtf8() == CriOTimedOutMessage)
            throw CommandTimedOut(id, command, commandTimeout, null);
        return _origin.Stamp(new ExecResult
        {
            ContainerId = id,
            Command = command,
            Stdout = reply.Stdout.ToStringUtf8(),
            Stderr = reply.Stderr.ToStringUtf8(),
            ExitCode = reply.ExitCode,
            Duration = watch.Elapsed,
        });
    }

    private const string CriOTimedOutMessage = "command timed out";

    private static CriException CommandTimedOut(string id, string[] command, TimeSpan limit, Exception? inner) =>
        new("CriCommandTimeout", CriErrorCategory.OperationTimeout,
            $"'{string.Join(' ', command)}' ran longer than its limit of {limit.TotalSeconds:0} s and was stopped; raise -CommandTimeoutSec to give it longer.",
            id, inner);

    public Task StartContainerAsync(string id, CancellationToken cancel) =>
        Call("StartContainer", "Container", id, o => _runtime.Runtime.StartContainerAsync(new V1.StartContainerRequest { ContainerId = id }, o), cancel);

    /// <summary>
    /// The bare ListContainers round trip without mapping: the floor that bench/ measures Get-CriContainer against.
    /// </summary>
    public async Task<int> ListContainersRawAsync(CancellationToken cancel) =>
        (await Call("ListContainers", null, null, o => _runtime.Runtime.ListContainersAsync(new V1.ListContainersRequest(), o), cancel)).Containers.Count;

    private async Task<List<Pod>> ListPodsAsync(CancellationToken cancel)
    {
        var reply = await Call("ListPodSandbox", null, null,
            o => _runtime.Runtime.ListPodSandboxAsync(new V1.ListPodSandboxRequest(), o), cancel);
        return reply.Items.Select(p => CriMapper.ToPod(p, _origin)).ToList();
    }

    private async Task AddPodStatusAsync(Pod pod, CancellationToken cancel)
    {
        var reply = await Call("PodSandboxStatus", "Pod", pod.Id,
            o => _runtime.Runtime.PodSandboxStatusAsync(new V1.PodSandboxStatusRequest { PodSandboxId = pod.Id, Verbose = true }, o), cancel);
        CriMapper.AddStatus(pod, reply);
    }

    private async Task AddContainerStatusAsync(Container container, CancellationToken cancel)
    {
        var reply = await Call("ContainerStatus", "Container", container.Id,
            o => _runtime.Runtime.ContainerStatusAsync(new V1.ContainerStatusRequest { ContainerId = container.Id, Verbose = true }, o), cancel);
        CriMapper.AddStatus(container, reply);
    }

    /// <summary>Each distinct -Image value is looked up once (ImageStatus), never once per container.</summary>
    private async Task<IReadOnlyDictionary<string, string?>> ResolveImagesAsync(string[] images, CancellationToken cancel)
    {
        var distinct = images.Distinct(StringComparer.Ordinal).Where(i => !Wildcard.HasWildcards(i)).ToList();
        var ids = await Task.WhenAll(distinct.Select(async i => (await GetImageAsync(i, cancel).ConfigureAwait(false))?.Id)).ConfigureAwait(false);
        var map = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var n = 0; n < distinct.Count; n++)
            map[distinct[n]] = ids[n];
        return map;
    }

    /// <summary>Runs one unary call with the deadline and cancellation, after the once-per-channel version check.</summary>
    private async Task<T> Call<T>(string operation, string? kind, object? target,
        Func<CallOptions, AsyncUnaryCall<T>> call, CancellationToken cancel, CriChannel? channel = null, TimeSpan? timeout = null)
    {
        channel ??= _runtime;
        await channel.EnsureVersionAsync(Timeout, cancel).ConfigureAwait(false);
        return await GrpcCalls.UnaryAsync(call, GrpcCalls.Options(timeout ?? Timeout, cancel),
            e => ErrorTranslator.Translate(e, channel.Endpoint, operation, kind, target)).ConfigureAwait(false);
    }
}
