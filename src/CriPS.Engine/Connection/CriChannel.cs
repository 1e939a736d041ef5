using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using CriPS.Engine.Endpoints;
using V1 = CriPS.Engine.Cri.V1;

namespace CriPS.Engine.Connection;

/// <summary>
/// One gRPC channel to one endpoint, kept for the life of the process. HTTP/2 connections under it are
/// re-established by SocketsHttpHandler when the runtime restarts, so a channel never needs replacing.
/// </summary>
internal sealed class CriChannel
{
    /// <summary>Replies up to this size are accepted unless CRIPS_MAX_RECEIVE_BYTES says otherwise.</summary>
    public const int DefaultMaxReceiveBytes = 16 * 1024 * 1024;
    public const string MaxReceiveVariable = "CRIPS_MAX_RECEIVE_BYTES";

    private static readonly Dictionary<(string, int), CriChannel> Pool = new();
    private static readonly object PoolLock = new();

    private V1.VersionResponse? _version;
    private Task<V1.VersionResponse>? _check;
    private readonly object _checkLock = new();

    private CriChannel(Endpoint endpoint, int maxReceiveBytes)
    {
        Endpoint = endpoint;
        MaxReceiveBytes = maxReceiveBytes;
        var handler = new SocketsHttpHandler
        {
            // The runtime may be idle for long; keep-alive pings find a dead connection before a call does.
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            ConnectCallback = ConnectAsync,
        };
        // Over a Unix socket the authority is irrelevant; "localhost" keeps HttpClient content.
        var address = endpoint.IsUnix ? "http://localhost" : $"http://{endpoint.Host}:{endpoint.Port}";
        Channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxReceiveMessageSize = maxReceiveBytes,
            DisposeHttpClient = true,
        });
        Runtime = new V1.RuntimeService.RuntimeServiceClient(Channel);
        Images = new V1.ImageService.ImageServiceClient(Channel);
    }

    public Endpoint Endpoint { get; }
    public int MaxReceiveBytes { get; }
    public GrpcChannel Channel { get; }
    public V1.RuntimeService.RuntimeServiceClient Runtime { get; }
    public V1.ImageService.ImageServiceClient Images { get; }

    /// <summary>
    /// The configs pods were created with through this channel, by pod id: CreateContainer needs the pod's config
    /// again, and not every runtime reports it back (cri-dockerd reports none). Bounded: the oldest go first.
    /// </summary>
    public PodConfigMemory PodConfigs { get; } = new(capacity: 1024);

    /// <summary>The runtime's Version reply, once a call on this channel has checked it.</summary>
    public V1.VersionResponse? Version => _version;

    public static CriChannel For(Endpoint endpoint)
    {
        var max = MaxReceiveFromEnvironment();
        lock (PoolLock)
        {
            if (!Pool.TryGetValue((endpoint.Address, max), out var channel))
                Pool[(endpoint.Address, max)] = channel = new CriChannel(endpoint, max);
            return channel;
        }
    }

    internal static int MaxReceiveFromEnvironment()
    {
        var text = Environment.GetEnvironmentVariable(MaxReceiveVariable);
        if (string.IsNullOrWhiteSpace(text))
            return DefaultMaxReceiveBytes;
        if (int.TryParse(text, out var bytes) && bytes >= 64 * 1024)
            return bytes;
        throw new CriException("CriInvalidReceiveLimit", CriErrorCategory.InvalidArgument,
            $"${MaxReceiveVariable} must be a number of bytes of at least 65536, not '{text}'.", text);
    }

    /// <summary>
    /// Calls Version once per channel: it proves the peer speaks CRI runtime.v1 before any real call,
    /// and tells a v1alpha2-only runtime apart from something that is not a runtime at all. Calls that start
    /// together on a fresh channel (parallel pulls) share one check; a failed check is tried again next time.
    /// </summary>
    public async Task<V1.VersionResponse> EnsureVersionAsync(TimeSpan timeout, CancellationToken cancel)
    {
        if (_version is { } known)
            return known;
        Task<V1.VersionResponse> check;
        lock (_checkLock)
            check = _check ??= CheckVersionAsync(timeout);
        try
        {
            // The shared check has its own deadline; Ctrl+C ends this caller's wait, not the others'.
            return await check.WaitAsync(cancel).ConfigureAwait(false);
        }
        catch (Exception) when (check.IsFaulted)
        {
            lock (_checkLock)
                if (_check == check)
                    _check = null;
            throw;
        }
    }

    private async Task<V1.VersionResponse> CheckVersionAsync(TimeSpan timeout)
    {
        try
        {
            var reply = await Runtime.VersionAsync(new V1.VersionRequest { Version = "v1" },
                new CallOptions(deadline: DateTime.UtcNow + timeout)).ConfigureAwait(false);
            return _version = reply;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented)
        {
            if (await ServesV1Alpha2Async(timeout).ConfigureAwait(false))
                throw ErrorTranslator.Carrying(e, "CriUnsupportedApiVersion", CriErrorCategory.NotImplemented,
                    $"The runtime at {Endpoint} serves only the old CRI API v1alpha2; CriPS speaks runtime.v1 "
                    + "(containerd 1.6+, CRI-O 1.23+). Upgrade the runtime.", Endpoint.Address);
            throw ErrorTranslator.NotARuntime(Endpoint, e, speaksGrpc: true);
        }
        catch (RpcException e)
        {
            throw ErrorTranslator.Translate(e, Endpoint, "Version");
        }
    }

    private async Task<bool> ServesV1Alpha2Async(TimeSpan timeout)
    {
        // The v1alpha2 Version messages have the same fields as v1's, so v1's classes can carry them.
        var method = new Method<V1.VersionRequest, V1.VersionResponse>(MethodType.Unary,
            "runtime.v1alpha2.RuntimeService", "Version",
            Marshallers.Create(r => Google.Protobuf.MessageExtensions.ToByteArray(r), V1.VersionRequest.Parser.ParseFrom),
            Marshallers.Create(r => Google.Protobuf.MessageExtensions.ToByteArray(r), V1.VersionResponse.Parser.ParseFrom));
        try
        {
            await Channel.CreateCallInvoker().AsyncUnaryCall(method, null,
                new CallOptions(deadline: DateTime.UtcNow + timeout), new V1.VersionRequest());
            return true;
        }
        catch (RpcException)
        {
            return false;
        }
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancel)
    {
        try
        {
            return new NetworkStream(await EndpointSocket.ConnectAsync(Endpoint, cancel).ConfigureAwait(false), ownsSocket: true);
        }
        catch (SocketException e)
        {
            // The translator looks for this to say why the runtime cannot be reached.
            throw new SocketConnectException(Endpoint.Address, e.SocketErrorCode, e);
        }
    }
}
