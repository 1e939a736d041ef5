using System.Net.Http;
using System.Net.Sockets;
using Grpc.Core;
using CriPS.Engine.Endpoints;

namespace CriPS.Engine.Connection;

/// <summary>Turns gRPC failures into CriExceptions with stable ErrorIds and the failing item as target.</summary>
internal static class ErrorTranslator
{
    /// <summary>The ErrorCategory each gRPC status maps to.</summary>
    public static CriErrorCategory CategoryOf(StatusCode code) => code switch
    {
        StatusCode.Unavailable => CriErrorCategory.ConnectionError,
        StatusCode.DeadlineExceeded => CriErrorCategory.OperationTimeout,
        StatusCode.NotFound => CriErrorCategory.ObjectNotFound,
        StatusCode.PermissionDenied or StatusCode.Unauthenticated => CriErrorCategory.PermissionDenied,
        StatusCode.InvalidArgument or StatusCode.OutOfRange => CriErrorCategory.InvalidArgument,
        StatusCode.AlreadyExists => CriErrorCategory.ResourceExists,
        StatusCode.FailedPrecondition or StatusCode.Aborted => CriErrorCategory.InvalidOperation,
        StatusCode.Unimplemented => CriErrorCategory.NotImplemented,
        StatusCode.ResourceExhausted => CriErrorCategory.LimitsExceeded,
        StatusCode.Cancelled => CriErrorCategory.OperationStopped,
        StatusCode.DataLoss => CriErrorCategory.InvalidData,
        _ => CriErrorCategory.NotSpecified,
    };

    /// <summary>
    /// Translates a failed call. <paramref name="operation"/> names the call for the fallback ErrorId
    /// (Cri{operation}Failed); <paramref name="kind"/> names what a NotFound is about (Cri{kind}NotFound).
    /// </summary>
    public static CriException Translate(RpcException e, Endpoint endpoint, string operation, string? kind = null, object? target = null,
        string? howToChoose = null)
    {
        if (FindInChain<SocketConnectException>(e) is { } connect)
            return Unreachable(endpoint, connect, e, howToChoose ?? CriHowToChoose);

        if (e.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown
            && (LooksLikeWrongProtocol(e) || FailedBeforeAnyReply(e) && Http1Probe.AnswersHttp1(endpoint, ProbeTimeout)))
            return NotARuntime(endpoint, e);

        var message = e.Status.Detail is { Length: > 0 } d ? d : e.Message;
        return e.StatusCode switch
        {
            StatusCode.Unavailable => Carrying(e, "CriRuntimeUnavailable", CriErrorCategory.ConnectionError,
                $"The runtime at {endpoint} is unavailable: {message}", endpoint.Address),
            StatusCode.DeadlineExceeded => Carrying(e, "CriTimeout", CriErrorCategory.OperationTimeout,
                $"{operation} on {endpoint} did not finish within its deadline; raise -TimeoutSec if the runtime is just slow.",
                target ?? endpoint.Address),
            StatusCode.Cancelled => Carrying(e, "CriOperationCancelled", CriErrorCategory.OperationStopped,
                $"{operation} on {endpoint} was cancelled.", target ?? endpoint.Address),
            StatusCode.ResourceExhausted when message.Contains("message", StringComparison.OrdinalIgnoreCase)
                                            && message.Contains("size", StringComparison.OrdinalIgnoreCase) =>
                Carrying(e, "CriReplyTooLarge", CriErrorCategory.LimitsExceeded,
                    $"The reply to {operation} is larger than the receive limit: {message} Raise ${CriChannel.MaxReceiveVariable} (bytes).",
                    target ?? endpoint.Address),
            StatusCode.NotFound when kind is not null => Carrying(e, $"Cri{kind}NotFound", CriErrorCategory.ObjectNotFound,
                $"{kind} '{target}' was not found: {message}", target),
            // cri-dockerd passes Docker's "No such container: ID" on as Unknown.
            StatusCode.Unknown when kind is not null && message.Contains("No such container", StringComparison.OrdinalIgnoreCase) =>
                Carrying(e, $"Cri{kind}NotFound", CriErrorCategory.ObjectNotFound, $"{kind} '{target}' was not found: {message}", target),
            StatusCode.PermissionDenied => Carrying(e, "CriPermissionDenied", CriErrorCategory.PermissionDenied,
                $"{operation} on {endpoint} was refused: {message}", target ?? endpoint.Address),
            _ => Carrying(e, $"Cri{operation}Failed", CategoryOf(e.StatusCode),
                $"{operation} failed on {endpoint}: {message}", target ?? endpoint.Address),
        };
    }

    /// <summary>
    /// A CriException for a failed call with the call's status as StatusCode and StatusDetail; the RpcException
    /// itself is reduced to its type and message (CriException keeps no transport exception).
    /// </summary>
    internal static CriException Carrying(RpcException e, string errorId, CriErrorCategory category, string message, object? target) =>
        new(errorId, category, message, target, e) { StatusCode = e.StatusCode.ToString(), StatusDetail = e.Status.Detail };

    /// <summary>
    /// A peer that is not a CRI runtime. <paramref name="speaksGrpc"/>: it answered in gRPC that it has no
    /// RuntimeService, which is what a containerd with its CRI plugin disabled does (Docker's containerd ships so).
    /// </summary>
    public static CriException NotARuntime(Endpoint endpoint, RpcException e, bool speaksGrpc = false) =>
        Carrying(e, "CriNotARuntime", CriErrorCategory.ProtocolError,
            speaksGrpc
                ? $"A gRPC server answers at {endpoint}, but it does not serve the CRI (runtime.v1.RuntimeService); a containerd "
                  + "whose CRI plugin is disabled (disabled_plugins = [\"cri\"], as Docker's containerd ships) is one such case. "
                  + "Enable the plugin, or point -RuntimeEndpoint at a runtime that serves the CRI."
                : $"Something answers at {endpoint}, but it is not a CRI runtime (it does not serve runtime.v1.RuntimeService "
                  + "over gRPC; Docker's API socket is one such case). Point -RuntimeEndpoint at containerd's or CRI-O's socket.",
            endpoint.Address);

    /// <summary>How a CRI user picks another endpoint; containerd's own cmdlets pass theirs.</summary>
    private static readonly string CriHowToChoose =
        $"-RuntimeEndpoint or ${EndpointResolver.RuntimeEndpointVariable} (for the image service: -ImageEndpoint or ${EndpointResolver.ImageEndpointVariable})";

    private static CriException Unreachable(Endpoint endpoint, SocketConnectException connect, RpcException e, string howToChoose)
    {
        var where = endpoint.IsUnix ? $"the socket {endpoint.SocketPath}" : $"{endpoint.Host}:{endpoint.Port}";
        if (connect.Error == SocketError.AccessDenied)
            return Carrying(e, "CriPermissionDenied", CriErrorCategory.PermissionDenied,
                $"Permission denied on {where}. Run as root (sudo pwsh) or as a member of the group that owns the socket.", endpoint.Address);

        // The path tells more than the socket error: connecting to a directory is "refused", to nothing "not available".
        var why = endpoint.IsUnix && Directory.Exists(endpoint.SocketPath) ? "it is a directory, not a socket"
            : endpoint.IsUnix && !File.Exists(endpoint.SocketPath) ? "the socket does not exist"
            : connect.Error == SocketError.ConnectionRefused ? "nothing listens on it (connection refused)"
            : connect.InnerException?.Message ?? connect.Error.ToString();
        return Carrying(e, "CriRuntimeUnavailable", CriErrorCategory.ConnectionError,
            $"Cannot reach the container runtime at {endpoint}: {why}. Is the runtime running? "
            + $"Choose another endpoint with {howToChoose}.", endpoint.Address);
    }

    /// <summary>
    /// An HTTP/1 server answers the HTTP/2 preface with text, which .NET reports as PROTOCOL_ERROR; an HTTP/2
    /// server that is not gRPC answers without gRPC's content type. A reset or GOAWAY from a restarting
    /// runtime is neither, so it stays "unavailable" rather than "not a runtime".
    /// </summary>
    private static bool LooksLikeWrongProtocol(RpcException e)
    {
        const long ProtocolError = 0x1;
        if (FindInChain<HttpProtocolException>(e) is { ErrorCode: ProtocolError })
            return true;
        return e.Status.Detail.Contains("Bad gRPC response", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Long enough for a loaded host to answer, short enough not to matter next to the failed call.</summary>
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Grpc.Net.Client's wording for a call that failed before any response arrived: an HTTP/1 server that closed the
    /// connection at once (broken pipe, reset, no HTTP/2 handshake) lands here, and so does a runtime going away, which
    /// the probe then tells apart.
    /// </summary>
    private static bool FailedBeforeAnyReply(RpcException e) =>
        e.Status.Detail.StartsWith("Error starting gRPC call", StringComparison.Ordinal) && FindInChain<SocketConnectException>(e) is null;

    private static T? FindInChain<T>(RpcException e) where T : Exception
    {
        for (Exception? x = e.Status.DebugException; x is not null; x = x.InnerException)
            if (x is T found)
                return found;
        return null;
    }
}
