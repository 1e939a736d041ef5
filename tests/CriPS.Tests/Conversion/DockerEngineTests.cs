using System.Net.Sockets;
using System.Text.Json;
using CriPS.Engine.Conversion;

namespace CriPS.Tests.Conversion;

/// <summary>
/// Reading Docker's replies (as a 20.10 daemon writes them) and the errors of an endpoint that is missing or silent.
/// The exchanges with a real dockerd are tested by Conversion.Tests.ps1 on a prepared node.
/// </summary>
public sealed class DockerEngineTests
{
    private const string Version = """{"Platform":{"Name":""},"Version":"20.10.24+dfsg1","ApiVersion":"1.41","Os":"linux"}""";

    private const string Images = """
        [{"Containers":-1,"Created":1,"Id":"sha256:bbb","Labels":null,"ParentId":"","RepoDigests":[],"RepoTags":["z.io/b:1","a.io/b:2"],"SharedSize":-1,"Size":2048,"VirtualSize":2048},
         {"Id":"sha256:ccc","RepoTags":["<none>:<none>"],"Size":10},
         {"Id":"sha256:aaa","RepoTags":null,"Size":5},
         {"Id":"sha256:ddd","RepoTags":["m.io/d:1"],"Size":7}]
        """;

    private const string Containers = """
        [{"Id":"c1","Names":["/socket-user"],"Image":"x","State":"running","Status":"Up 2 minutes","Labels":{"io.kubernetes.pod.name":"agent-x"},
          "Mounts":[{"Type":"bind","Source":"/var/run/docker.sock","Destination":"/var/run/docker.sock"},{"Type":"volume","Name":"v","Source":""}]},
         {"Id":"c2","Names":null,"State":"exited","Mounts":null}]
        """;

    private static DockerSnapshot Read()
    {
        using var version = JsonDocument.Parse(Version);
        using var images = JsonDocument.Parse(Images);
        using var containers = JsonDocument.Parse(Containers);
        return DockerEngine.ReadSnapshot(version.RootElement, images.RootElement, containers.RootElement);
    }

    [Fact]
    public void ImagesKeepTheirTagsWithoutTheUntaggedPlaceholderSortedByFirstTag()
    {
        var snapshot = Read();
        Assert.Equal("20.10.24+dfsg1", snapshot.Version);
        Assert.Equal(["sha256:ddd", "sha256:bbb", "~", "~"], snapshot.Images.Select(i => i.Tags.Count > 0 ? i.Id : "~"));
        var tagged = snapshot.Images.Single(i => i.Id == "sha256:bbb");
        Assert.Equal(["z.io/b:1", "a.io/b:2"], tagged.Tags);
        Assert.Equal(2048, tagged.Size);
        Assert.Empty(snapshot.Images.Single(i => i.Id == "sha256:ccc").Tags);
        Assert.Empty(snapshot.Images.Single(i => i.Id == "sha256:aaa").Tags);
    }

    [Fact]
    public void ContainersHaveTheirNameStateAndBindSources()
    {
        var snapshot = Read();
        var user = snapshot.Containers.Single(c => c.Id == "c1");
        Assert.Equal("socket-user", user.Name);
        Assert.Equal("running", user.State);
        Assert.Equal(["/var/run/docker.sock"], user.MountSources);
        var bare = snapshot.Containers.Single(c => c.Id == "c2");
        Assert.Equal("c2", bare.Name);
        Assert.Empty(bare.MountSources);
        Assert.Equal((true, false), (user.Kubernetes, bare.Kubernetes));
    }

    [Theory]
    [InlineData("""{"message":"No such container: x"}""", "No such container: x")]
    [InlineData("page not found\n", "page not found")]
    [InlineData("", "")]
    public void ErrorMessageIsDockersMessageElseTheBody(string body, string expected) =>
        Assert.Equal(expected, DockerEngine.ErrorMessage(body));

    [Fact]
    public async Task AMissingSocketIsDockerUnavailable()
    {
        var path = Path.Combine(Path.GetTempPath(), $"crips-no-docker-{Guid.NewGuid():N}.sock");
        using var docker = new DockerEngine(path, TimeSpan.FromSeconds(5));
        var e = await Assert.ThrowsAsync<CriException>(() => docker.SnapshotAsync(CancellationToken.None));
        Assert.Equal("DockerUnavailable", e.ErrorId);
        Assert.Equal(CriErrorCategory.ConnectionError, e.Category);
        Assert.Equal("unix://" + path, e.Target);
    }

    [Fact]
    public Task ASilentPeerIsATimeoutWithinTheDeadline() => WithSilentSocket(async path =>
    {
        using var docker = new DockerEngine("unix://" + path, TimeSpan.FromMilliseconds(300));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<CriException>(() => docker.SnapshotAsync(CancellationToken.None));
        Assert.Equal("CriTimeout", e.ErrorId);
        Assert.Equal(CriErrorCategory.OperationTimeout, e.Category);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    });

    [Fact]
    public Task TheCallersCancellationIsNotTurnedIntoAnError() => WithSilentSocket(async path =>
    {
        using var docker = new DockerEngine(path, TimeSpan.FromSeconds(30));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => docker.SnapshotAsync(cancel.Token));
    });

    /// <summary>A socket that accepts connections and never answers: a daemon that hangs.</summary>
    private static async Task WithSilentSocket(Func<string, Task> test)
    {
        var path = Path.Combine(Path.GetTempPath(), $"crips-silent-{Guid.NewGuid():N}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen();
        try
        {
            await test(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AnEndpointThatIsNeitherUnixNorTcpIsInvalid()
    {
        var e = Assert.Throws<CriException>(() => new DockerEngine("npipe:////./pipe/docker_engine", TimeSpan.FromSeconds(1)));
        Assert.Equal("CriInvalidEndpoint", e.ErrorId);
    }
}
