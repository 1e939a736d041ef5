using CriPS.Engine.Endpoints;

namespace CriPS.Tests;

public class EndpointParseTests
{
    [Fact]
    public void UnixUrlWithAbsolutePath()
    {
        var e = Endpoint.Parse("unix:///run/containerd/containerd.sock");

        Assert.True(e.IsUnix);
        Assert.Equal("unix:///run/containerd/containerd.sock", e.Address);
        Assert.Equal("/run/containerd/containerd.sock", e.SocketPath);
        Assert.Null(e.Host);
        Assert.Equal(0, e.Port);
        Assert.Equal(e.Address, e.ToString());
    }

    [Fact]
    public void UnixUrlWithRelativePathIsTakenFromTheRoot()
    {
        // crictl reads unix://run/x.sock as /run/x.sock, not as host "run".
        var e = Endpoint.Parse("unix://run/crio/crio.sock");

        Assert.Equal("/run/crio/crio.sock", e.SocketPath);
        Assert.Equal("unix:///run/crio/crio.sock", e.Address);
    }

    [Theory]
    [InlineData("/var/run/cri-dockerd.sock", "/var/run/cri-dockerd.sock")]
    [InlineData("  /run/k3s/containerd/containerd.sock  ", "/run/k3s/containerd/containerd.sock")]
    [InlineData("/run/x/../containerd/./containerd.sock", "/run/containerd/containerd.sock")]
    public void BareAbsolutePathIsAUnixSocket(string input, string path)
    {
        var e = Endpoint.Parse(input);

        Assert.True(e.IsUnix);
        Assert.Equal(path, e.SocketPath);
        Assert.Equal("unix://" + path, e.Address);
    }

    [Fact]
    public void SchemeIsCaseInsensitive()
    {
        Assert.Equal("/run/a.sock", Endpoint.Parse("UNIX:///run/a.sock").SocketPath);
        Assert.Equal(10010, Endpoint.Parse("TCP://h:10010").Port);
    }

    [Fact]
    public void TcpHostAndPort()
    {
        var e = Endpoint.Parse("tcp://127.0.0.1:10010");

        Assert.False(e.IsUnix);
        Assert.Null(e.SocketPath);
        Assert.Equal("127.0.0.1", e.Host);
        Assert.Equal(10010, e.Port);
        Assert.Equal("tcp://127.0.0.1:10010", e.Address);
    }

    [Fact]
    public void TcpTrailingSlashIsDroppedFromTheCanonicalForm()
    {
        var e = Endpoint.Parse("tcp://node1.example:65535/");

        Assert.Equal("node1.example", e.Host);
        Assert.Equal(65535, e.Port);
        Assert.Equal("tcp://node1.example:65535", e.Address);
    }

    [Fact]
    public void PathOfExactly107BytesIsAccepted()
    {
        var path = "/" + new string('a', 106);

        Assert.Equal(path, Endpoint.Parse(path).SocketPath);
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("run/containerd.sock")]
    [InlineData("http://x")]
    [InlineData("npipe:////./pipe/containerd-containerd")]
    [InlineData("tcp://nohost")]
    [InlineData("tcp://h:99999")]
    [InlineData("tcp://h:0")]
    [InlineData("tcp://h:port")]
    [InlineData("tcp://:10010")]
    [InlineData("unix://")]
    [InlineData("unix:///")]
    public void InvalidEndpointsAreRejected(string input)
    {
        var e = Assert.Throws<CriException>(() => Endpoint.Parse(input));

        Assert.Equal("CriInvalidEndpoint", e.ErrorId);
        Assert.Equal(CriErrorCategory.InvalidArgument, e.Category);
        // The target is what the user typed, so the error record names it.
        Assert.Equal(input, e.Target);
        Assert.Contains("is not a valid runtime endpoint", e.Message);
    }

    [Fact]
    public void TheErrorNamesWhatTheValueIsAndWhereItCameFrom()
    {
        var e = Assert.Throws<CriException>(() => Endpoint.Parse("ftp://x", "image endpoint ($IMAGE_SERVICE_ENDPOINT)"));
        Assert.StartsWith("'ftp://x' is not a valid image endpoint ($IMAGE_SERVICE_ENDPOINT): ", e.Message);
    }

    [Fact]
    public void BlankIsRejectedAsEmpty()
    {
        var e = Assert.Throws<CriException>(() => Endpoint.Parse("   "));

        Assert.Equal("CriInvalidEndpoint", e.ErrorId);
        Assert.Equal("   ", e.Target);
        Assert.Contains("empty", e.Message);
    }

    [Fact]
    public void NullIsRejectedAsEmpty()
    {
        var e = Assert.Throws<CriException>(() => Endpoint.Parse(null!));

        Assert.Equal("CriInvalidEndpoint", e.ErrorId);
        Assert.Equal("", e.Target);
        Assert.Contains("empty", e.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("unix://")]
    public void UnixPathLongerThan107BytesIsRejected(string prefix)
    {
        // sun_path holds 108 bytes including the terminating NUL.
        var input = prefix + "/" + new string('a', 107);

        var e = Assert.Throws<CriException>(() => Endpoint.Parse(input));

        Assert.Equal("CriInvalidEndpoint", e.ErrorId);
        Assert.Equal(CriErrorCategory.InvalidArgument, e.Category);
        Assert.Equal(input, e.Target);
        Assert.Contains("107 bytes", e.Message);
    }

    [Fact]
    public void NonAsciiPathLongerThan107BytesIsRejected()
    {
        // 61 characters but 121 UTF-8 bytes: too long for sun_path.
        var input = "/" + new string('é', 60);

        var e = Assert.Throws<CriException>(() => Endpoint.Parse(input));

        Assert.Equal("CriInvalidEndpoint", e.ErrorId);
        Assert.Equal(input, e.Target);
    }
}
