using System.Net.Http;
using System.Net.Sockets;
using Grpc.Core;
using CriPS.Engine.Connection;
using CriPS.Engine.Endpoints;

namespace CriPS.Tests;

public sealed class ErrorTranslatorTests : IDisposable
{
    // A path nothing listens on: translating a failure before any reply probes the endpoint (Http1Probe), and unit
    // tests must not talk to a host's real runtime.
    private static readonly Endpoint Containerd = Endpoint.Parse("unix:///nonexistent/crips-tests/containerd.sock");
    private readonly string _dir = Directory.CreateTempSubdirectory("crips-errors-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static RpcException Rpc(StatusCode code, string detail, Exception? debug = null) =>
        new(new Status(code, detail, debug));

    /// <summary>What SocketsHttpHandler hands gRPC when the connect callback fails: the callback's exception inside.</summary>
    private static RpcException ConnectFailure(Endpoint endpoint, SocketError error) =>
        Rpc(StatusCode.Unavailable, "Error connecting to subchannel.",
            new HttpRequestException("Connection failed",
                new SocketConnectException(endpoint.Address, error, new SocketException((int)error))));

    [Theory]
    [InlineData(StatusCode.OK, CriErrorCategory.NotSpecified)]
    [InlineData(StatusCode.Cancelled, CriErrorCategory.OperationStopped)]
    [InlineData(StatusCode.Unknown, CriErrorCategory.NotSpecified)]
    [InlineData(StatusCode.InvalidArgument, CriErrorCategory.InvalidArgument)]
    [InlineData(StatusCode.DeadlineExceeded, CriErrorCategory.OperationTimeout)]
    [InlineData(StatusCode.NotFound, CriErrorCategory.ObjectNotFound)]
    [InlineData(StatusCode.AlreadyExists, CriErrorCategory.ResourceExists)]
    [InlineData(StatusCode.PermissionDenied, CriErrorCategory.PermissionDenied)]
    [InlineData(StatusCode.ResourceExhausted, CriErrorCategory.LimitsExceeded)]
    [InlineData(StatusCode.FailedPrecondition, CriErrorCategory.InvalidOperation)]
    [InlineData(StatusCode.Aborted, CriErrorCategory.InvalidOperation)]
    [InlineData(StatusCode.OutOfRange, CriErrorCategory.InvalidArgument)]
    [InlineData(StatusCode.Unimplemented, CriErrorCategory.NotImplemented)]
    [InlineData(StatusCode.Internal, CriErrorCategory.NotSpecified)]
    [InlineData(StatusCode.Unavailable, CriErrorCategory.ConnectionError)]
    [InlineData(StatusCode.DataLoss, CriErrorCategory.InvalidData)]
    [InlineData(StatusCode.Unauthenticated, CriErrorCategory.PermissionDenied)]
    public void CategoryOfEveryStatusCode(StatusCode code, CriErrorCategory expected)
    {
        Assert.Equal(expected, ErrorTranslator.CategoryOf(code));
    }

    [Fact]
    public void CategoryTheoryCoversEveryStatusCode()
    {
        // If Grpc.Core grows a status code, the theory above must grow with it.
        Assert.Equal(17, Enum.GetValues<StatusCode>().Length);
    }

    [Fact]
    public void SocketAccessDeniedIsPermissionDenied()
    {
        var rpc = ConnectFailure(Containerd, SocketError.AccessDenied);

        var e = ErrorTranslator.Translate(rpc, Containerd, "ListPodSandbox");

        Assert.Equal("CriPermissionDenied", e.ErrorId);
        Assert.Equal(CriErrorCategory.PermissionDenied, e.Category);
        Assert.Equal(Containerd.Address, e.Target);
        Assert.Contains("the socket /nonexistent/crips-tests/containerd.sock", e.Message);
        Assert.Contains("sudo", e.Message);
        AssertReducedRpc(e, StatusCode.Unavailable);
        Assert.True(e.IsEndpointFailure);
    }

    [Fact]
    public void SocketConnectExceptionDirectlyAsDebugExceptionIsFound()
    {
        var rpc = Rpc(StatusCode.Unavailable, "x",
            new SocketConnectException(Containerd.Address, SocketError.AccessDenied, new SocketException((int)SocketError.AccessDenied)));

        Assert.Equal("CriPermissionDenied", ErrorTranslator.Translate(rpc, Containerd, "Version").ErrorId);
    }

    /// <summary>The error a real connect to the endpoint's socket gives, wrapped as the channel wraps it.</summary>
    private static RpcException RealConnectFailure(Endpoint endpoint)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        var real = Assert.Throws<SocketException>(() => socket.Connect(new UnixDomainSocketEndPoint(endpoint.SocketPath!)));
        return Rpc(StatusCode.Unavailable, "Error connecting to subchannel.",
            new HttpRequestException("Connection failed", new SocketConnectException(endpoint.Address, real.SocketErrorCode, real)));
    }

    [Fact]
    public void ConnectionRefusedIsRuntimeUnavailable()
    {
        // A socket file nobody listens on: what a stopped runtime leaves behind.
        var endpoint = Endpoint.Parse(Path.Combine(_dir, "stale.sock"));
        using var bound = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        bound.Bind(new UnixDomainSocketEndPoint(endpoint.SocketPath!));

        var e = ErrorTranslator.Translate(RealConnectFailure(endpoint), endpoint, "Version");

        Assert.Equal("CriRuntimeUnavailable", e.ErrorId);
        Assert.Equal(CriErrorCategory.ConnectionError, e.Category);
        Assert.Equal(endpoint.Address, e.Target);
        Assert.Contains("connection refused", e.Message);
        Assert.Contains(endpoint.Address, e.Message);
        Assert.Contains("-RuntimeEndpoint", e.Message);
    }

    [Fact]
    public void ConnectionRefusedOnAnExistingFile()
    {
        var path = Path.Combine(_dir, "plain-file");
        File.WriteAllText(path, "");
        var endpoint = Endpoint.Parse(path);

        var e = ErrorTranslator.Translate(ConnectFailure(endpoint, SocketError.ConnectionRefused), endpoint, "Version");

        Assert.Equal("CriRuntimeUnavailable", e.ErrorId);
        Assert.Contains("nothing listens on it (connection refused)", e.Message);
    }

    [Theory]
    [InlineData(SocketError.AddressNotAvailable)] // what Linux connect() gives for ENOENT
    [InlineData(SocketError.ConnectionRefused)]   // the path decides, whatever the error
    public void MissingSocketFileDoesNotExist(SocketError error)
    {
        var endpoint = Endpoint.Parse(Path.Combine(_dir, "absent.sock"));

        var e = ErrorTranslator.Translate(ConnectFailure(endpoint, error), endpoint, "Version");

        Assert.Equal("CriRuntimeUnavailable", e.ErrorId);
        Assert.Equal(CriErrorCategory.ConnectionError, e.Category);
        Assert.Contains("the socket does not exist", e.Message);
        Assert.Equal(endpoint.Address, e.Target);
    }

    [Fact]
    public void MissingSocketFileWithTheRealSocketError()
    {
        var endpoint = Endpoint.Parse(Path.Combine(_dir, "absent.sock"));

        var e = ErrorTranslator.Translate(RealConnectFailure(endpoint), endpoint, "Version");

        Assert.Equal("CriRuntimeUnavailable", e.ErrorId);
        Assert.Contains("the socket does not exist", e.Message);
    }

    [Fact]
    public void DirectoryInsteadOfASocketIsNamedSo()
    {
        var endpoint = Endpoint.Parse(_dir);

        var e = ErrorTranslator.Translate(ConnectFailure(endpoint, SocketError.AddressNotAvailable), endpoint, "Version");

        Assert.Equal("CriRuntimeUnavailable", e.ErrorId);
        Assert.Contains("is a directory", e.Message);
    }

    [Fact]
    public void DirectoryInsteadOfASocketWithTheRealSocketError()
    {
        // Linux refuses a connect() to a directory with ECONNREFUSED, not with a "not a socket" error.
        var endpoint = Endpoint.Parse(_dir);

        var e = ErrorTranslator.Translate(RealConnectFailure(endpoint), endpoint, "Version");

        Assert.Equal("CriRuntimeUnavailable", e.ErrorId);
        Assert.Contains("is a directory", e.Message);
    }

    [Fact]
    public void OtherSocketErrorsCarryTheSocketMessage()
    {
        var tcp = Endpoint.Parse("tcp://node9.invalid:10010");
        var inner = new SocketException((int)SocketError.HostNotFound);

        var e = ErrorTranslator.Translate(
            Rpc(StatusCode.Unavailable, "x", new SocketConnectException(tcp.Address, SocketError.HostNotFound, inner)), tcp, "Version");

        Assert.Equal("CriRuntimeUnavailable", e.ErrorId);
        Assert.Contains(inner.Message, e.Message);
        Assert.Contains("tcp://node9.invalid:10010", e.Message);
        Assert.Equal("tcp://node9.invalid:10010", e.Target);
    }

    [Fact]
    public void ConnectFailureWinsOverProtocolLookingText()
    {
        var rpc = Rpc(StatusCode.Internal, "Bad gRPC response.",
            new SocketConnectException(Containerd.Address, SocketError.ConnectionRefused, new SocketException((int)SocketError.ConnectionRefused)));

        Assert.Equal("CriRuntimeUnavailable", ErrorTranslator.Translate(rpc, Containerd, "Version").ErrorId);
    }

    [Fact]
    public void HttpProtocolExceptionIsNotARuntime()
    {
        var rpc = Rpc(StatusCode.Internal, "Error starting gRPC call.",
            new HttpRequestException("An error occurred while sending the request.",
                new HttpProtocolException(1, "The HTTP/2 server sent invalid data on the connection.", null)));

        var e = ErrorTranslator.Translate(rpc, Containerd, "Version");

        Assert.Equal("CriNotARuntime", e.ErrorId);
        Assert.Equal(CriErrorCategory.ProtocolError, e.Category);
        Assert.Equal(Containerd.Address, e.Target);
        Assert.Contains("not a CRI runtime", e.Message);
        Assert.True(e.IsEndpointFailure);
    }

    [Theory]
    [InlineData(StatusCode.Internal, "Bad gRPC response. Response protocol downgraded to HTTP/1.1.")]
    [InlineData(StatusCode.Internal, "Bad gRPC response. Invalid content-type value: text/plain; charset=utf-8")]
    public void NonGrpcRepliesAreNotARuntime(StatusCode code, string detail)
    {
        var e = ErrorTranslator.Translate(Rpc(code, detail), Containerd, "Version");

        Assert.Equal("CriNotARuntime", e.ErrorId);
        Assert.Equal(CriErrorCategory.ProtocolError, e.Category);
    }

    // A runtime that restarts resets its HTTP/2 connections: that is "unavailable", not "not a runtime",
    // or the cmdlet would tell the user to point somewhere else.
    [Fact]
    public void Http2ConnectionResetStaysUnavailable()
    {
        var rpc = Rpc(StatusCode.Unavailable, "Error starting gRPC call. The HTTP/2 server closed the connection.",
            new HttpRequestException("An error occurred while sending the request.",
                new HttpProtocolException(0x0, "The HTTP/2 server closed the connection. HTTP/2 error code 'NO_ERROR' (0x0).", null)));

        Assert.Equal("CriRuntimeUnavailable", ErrorTranslator.Translate(rpc, Containerd, "ListContainers").ErrorId);
    }

    [Fact]
    public void PlainUnavailableIsRuntimeUnavailable()
    {
        var e = ErrorTranslator.Translate(Rpc(StatusCode.Unavailable, "the runtime is shutting down"), Containerd, "ListContainers");

        Assert.Equal("CriRuntimeUnavailable", e.ErrorId);
        Assert.Equal(CriErrorCategory.ConnectionError, e.Category);
        Assert.Contains("the runtime is shutting down", e.Message);
        Assert.Equal(Containerd.Address, e.Target);
    }

    [Fact]
    public void DeadlineExceededIsTimeout()
    {
        var e = ErrorTranslator.Translate(Rpc(StatusCode.DeadlineExceeded, "Deadline Exceeded"), Containerd, "ListImages");

        Assert.Equal("CriTimeout", e.ErrorId);
        Assert.Equal(CriErrorCategory.OperationTimeout, e.Category);
        Assert.Contains("ListImages", e.Message);
        Assert.Contains("-TimeoutSec", e.Message);
        Assert.Equal(Containerd.Address, e.Target);
        Assert.False(e.IsEndpointFailure); // a slow call does not condemn the endpoint
    }

    [Fact]
    public void DeadlineExceededNamesTheTargetWhenThereIsOne()
    {
        var e = ErrorTranslator.Translate(Rpc(StatusCode.DeadlineExceeded, "Deadline Exceeded"), Containerd, "ImagePull", "Image", "nginx:1.25");

        Assert.Equal("CriTimeout", e.ErrorId);
        Assert.Equal("nginx:1.25", e.Target);
    }

    [Theory]
    [InlineData("Pod", "CriPodNotFound")]
    [InlineData("Container", "CriContainerNotFound")]
    [InlineData("Image", "CriImageNotFound")]
    public void NotFoundOfAKindNamesTheTarget(string kind, string errorId)
    {
        var e = ErrorTranslator.Translate(Rpc(StatusCode.NotFound, "an error occurred when try to find sandbox: not found"),
            Containerd, "PodSandboxStatus", kind, "4c1d8f0a9e");

        Assert.Equal(errorId, e.ErrorId);
        Assert.Equal(CriErrorCategory.ObjectNotFound, e.Category);
        Assert.Equal("4c1d8f0a9e", e.Target);
        Assert.Contains($"{kind} '4c1d8f0a9e' was not found", e.Message);
        Assert.Contains("an error occurred when try to find sandbox", e.Message);
    }

    [Fact]
    public void DockersNoSuchContainerAsUnknownIsNotFound()
    {
        // cri-dockerd 0.4.3's answer to ContainerStatus of an id Docker does not know.
        var e = ErrorTranslator.Translate(Rpc(StatusCode.Unknown, "Error response from daemon: No such container: 4c1d8f0a9e"),
            Containerd, "ContainerStatus", "Container", "4c1d8f0a9e");

        Assert.Equal("CriContainerNotFound", e.ErrorId);
        Assert.Equal(CriErrorCategory.ObjectNotFound, e.Category);
        Assert.Equal("4c1d8f0a9e", e.Target);
    }

    [Fact]
    public void UnknownWithOtherWordsStaysTheOperationFailing()
    {
        var e = ErrorTranslator.Translate(Rpc(StatusCode.Unknown, "failed to create shim task"), Containerd, "StartContainer", "Container", "4c1d8f0a9e");

        Assert.Equal("CriStartContainerFailed", e.ErrorId);
        Assert.Equal(CriErrorCategory.NotSpecified, e.Category);
    }

    [Fact]
    public void NotFoundWithoutAKindIsTheOperationFailing()
    {
        var e = ErrorTranslator.Translate(Rpc(StatusCode.NotFound, "no such thing"), Containerd, "ListMetrics");

        Assert.Equal("CriListMetricsFailed", e.ErrorId);
        Assert.Equal(CriErrorCategory.ObjectNotFound, e.Category);
    }

    [Fact]
    public void OversizedReplyIsReplyTooLarge()
    {
        var e = ErrorTranslator.Translate(
            Rpc(StatusCode.ResourceExhausted, "Received message exceeds the maximum configured message size."), Containerd, "ListContainers");

        Assert.Equal("CriReplyTooLarge", e.ErrorId);
        Assert.Equal(CriErrorCategory.LimitsExceeded, e.Category);
        Assert.Contains("ListContainers", e.Message);
        Assert.Contains("CRIPS_MAX_RECEIVE_BYTES", e.Message);
    }

    [Fact]
    public void OtherResourceExhaustionIsTheOperationFailing()
    {
        var e = ErrorTranslator.Translate(Rpc(StatusCode.ResourceExhausted, "too many pulls in flight"), Containerd, "PullImage");

        Assert.Equal("CriPullImageFailed", e.ErrorId);
        Assert.Equal(CriErrorCategory.LimitsExceeded, e.Category);
    }

    [Fact]
    public void GrpcPermissionDeniedIsPermissionDenied()
    {
        var e = ErrorTranslator.Translate(Rpc(StatusCode.PermissionDenied, "not allowed by policy"), Containerd, "RemovePodSandbox", "Pod", "abc");

        Assert.Equal("CriPermissionDenied", e.ErrorId);
        Assert.Equal(CriErrorCategory.PermissionDenied, e.Category);
        Assert.Equal("abc", e.Target);
        Assert.Contains("not allowed by policy", e.Message);
    }

    [Fact]
    public void CancelledIsOperationCancelled()
    {
        var e = ErrorTranslator.Translate(Rpc(StatusCode.Cancelled, "Call canceled by the client."), Containerd, "ListImages");

        Assert.Equal("CriOperationCancelled", e.ErrorId);
        Assert.Equal(CriErrorCategory.OperationStopped, e.Category);
    }

    [Theory]
    [InlineData(StatusCode.FailedPrecondition, "StopContainer", CriErrorCategory.InvalidOperation)]
    [InlineData(StatusCode.AlreadyExists, "RunPodSandbox", CriErrorCategory.ResourceExists)]
    [InlineData(StatusCode.Unimplemented, "RuntimeConfig", CriErrorCategory.NotImplemented)]
    [InlineData(StatusCode.InvalidArgument, "CreateContainer", CriErrorCategory.InvalidArgument)]
    [InlineData(StatusCode.Internal, "StartContainer", CriErrorCategory.NotSpecified)]
    public void OtherFailuresAreTheOperationFailing(StatusCode code, string operation, CriErrorCategory category)
    {
        var rpc = Rpc(code, "runtime said no");

        var e = ErrorTranslator.Translate(rpc, Containerd, operation, "Container", "9f8e");

        Assert.Equal($"Cri{operation}Failed", e.ErrorId);
        Assert.Equal(category, e.Category);
        Assert.Equal("9f8e", e.Target);
        Assert.Contains("runtime said no", e.Message);
        Assert.Contains(operation, e.Message);
        Assert.Equal(code.ToString(), e.StatusCode);
        Assert.Equal("runtime said no", e.StatusDetail);
        AssertReducedRpc(e, code);
    }

    [Theory]
    [InlineData(StatusCode.NotFound, "Container", "CriContainerNotFound")]
    [InlineData(StatusCode.PermissionDenied, null, "CriPermissionDenied")]
    [InlineData(StatusCode.DeadlineExceeded, null, "CriTimeout")]
    [InlineData(StatusCode.Unauthenticated, null, "CriImagePullFailed")]
    public void TheStatusStaysAndTheRpcExceptionWithItsTrailersGoes(StatusCode code, string? kind, string errorId)
    {
        // A server's trailers may carry anything: here a credential it echoes back.
        const string canary = "trailer-canary-5d1e8b";
        var trailers = new Metadata { { "www-authenticate", "Bearer " + canary }, { "x-echo", canary } };
        var rpc = new RpcException(new Status(code, "no"), trailers);

        var e = ErrorTranslator.Translate(rpc, Containerd, "ImagePull", kind, "c1");

        Assert.Equal(errorId, e.ErrorId);
        Assert.Equal(code.ToString(), e.StatusCode);
        Assert.Equal("no", e.StatusDetail);
        AssertReducedRpc(e, code);
        Assert.DoesNotContain(canary, ExceptionGraph.Text(e), StringComparison.Ordinal);
        Assert.All(ExceptionGraph.Chain(e), t => Assert.StartsWith("CriPS.", t.FullName, StringComparison.Ordinal));
    }

    /// <summary>The RpcException is gone; its type name and message stay as a CriCauseException.</summary>
    private static void AssertReducedRpc(CriException e, StatusCode code)
    {
        var cause = Assert.IsType<CriCauseException>(e.InnerException);
        Assert.Equal("Grpc.Core.RpcException", cause.OriginalType);
        Assert.Contains($"StatusCode=\"{code}\"", cause.Message);
        // Its debug exception (the connect failure) follows as causes of CriPS's or plain .NET types only.
        Assert.All(ExceptionGraph.Chain(e), t => Assert.True(t.Namespace == "CriPS" || t.Namespace!.StartsWith("System.", StringComparison.Ordinal), t.FullName));
    }

    [Fact]
    public void EmptyDetailFallsBackToTheExceptionMessage()
    {
        var rpc = Rpc(StatusCode.Aborted, "");

        var e = ErrorTranslator.Translate(rpc, Containerd, "StopPodSandbox");

        Assert.Equal("CriStopPodSandboxFailed", e.ErrorId);
        Assert.Contains(rpc.Message, e.Message);
    }

    [Fact]
    public void NotARuntimeNamesTheEndpointAndTheWayOut()
    {
        var cause = new RpcException(new Status(StatusCode.Internal, "Bad gRPC response. Response protocol downgraded to HTTP/1.1."));

        var e = ErrorTranslator.NotARuntime(Endpoint.Parse("/var/run/docker.sock"), cause);

        Assert.Equal("CriNotARuntime", e.ErrorId);
        Assert.Equal("unix:///var/run/docker.sock", e.Target);
        Assert.Contains("unix:///var/run/docker.sock", e.Message);
        Assert.Contains("-RuntimeEndpoint", e.Message);
        Assert.Equal(("Internal", cause.Status.Detail), (e.StatusCode, e.StatusDetail));
    }

    [Fact]
    public void GrpcPeerWithoutTheCriIsToldApartFromDocker()
    {
        var cause = new RpcException(new Status(StatusCode.Unimplemented, "unknown service runtime.v1.RuntimeService"));

        var e = ErrorTranslator.NotARuntime(Endpoint.Parse("/run/containerd/containerd.sock"), cause, speaksGrpc: true);

        Assert.Equal("CriNotARuntime", e.ErrorId);
        Assert.Equal(CriErrorCategory.ProtocolError, e.Category);
        Assert.Equal("unix:///run/containerd/containerd.sock", e.Target);
        Assert.Contains("CRI plugin is disabled", e.Message);
        Assert.DoesNotContain("Docker's API socket", e.Message);
    }

    // An HTTP/1 server (Docker's API socket) may answer and close before the client has written its preface: the
    // call then fails with a broken pipe, which alone reads like a runtime going away. The probe tells them apart.
    [Fact]
    public void BrokenPipeFromAnHttp1ServerIsNotARuntime()
    {
        var path = Path.Combine(Path.GetTempPath(), $"crips-h1-{Guid.NewGuid():N}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var server = new Thread(() =>
        {
            using var peer = listener.Accept();
            peer.Send(System.Text.Encoding.ASCII.GetBytes("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"));
            peer.Shutdown(SocketShutdown.Both);
        });
        server.Start();
        try
        {
            var endpoint = Endpoint.Parse(path);
            var rpc = Rpc(StatusCode.Unavailable, "Error starting gRPC call. HttpRequestException: An error occurred while sending the request. "
                + "IOException: Unable to write data to the transport connection: Broken pipe.",
                new HttpRequestException("An error occurred while sending the request.", new IOException("Broken pipe", new SocketException((int)SocketError.Shutdown))));

            var e = ErrorTranslator.Translate(rpc, endpoint, "Version");

            Assert.Equal("CriNotARuntime", e.ErrorId);
            Assert.Equal(endpoint.Address, e.Target);
            Assert.True(server.Join(TimeSpan.FromSeconds(5)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void BrokenPipeFromNobodyStaysUnavailable()
    {
        var rpc = Rpc(StatusCode.Unavailable, "Error starting gRPC call. HttpRequestException: An error occurred while sending the request. "
            + "IOException: Unable to write data to the transport connection: Broken pipe.");

        Assert.Equal("CriRuntimeUnavailable", ErrorTranslator.Translate(rpc, Containerd, "Version").ErrorId);
    }
}
