using CriPS.Engine.Endpoints;
using CriPS.Engine.Mapping;
using Google.Protobuf.WellKnownTypes;
using Ctd = CriPS.Engine.Containerd;

namespace CriPS.Tests;

/// <summary>containerd's address and namespace resolution, and the mapping of its messages.</summary>
public class ContainerdTests
{
    private static readonly Origin Node = new("unix:///run/containerd/containerd.sock", "node-1");

    private sealed class Env(Dictionary<string, string> vars) : IResolverContext
    {
        public string? GetEnvironmentVariable(string name) => vars.GetValueOrDefault(name);
        public CrictlConfig LoadConfig(string path) => CrictlConfig.Empty;
        public bool SocketExists(string path) => false;
    }

    [Fact]
    public void ParameterBeatsEnvironmentBeatsDefault()
    {
        var env = new Env(new() { ["CONTAINERD_ADDRESS"] = "/env/ctd.sock", ["CONTAINERD_NAMESPACE"] = "moby" });
        var resolver = new ContainerdAddressResolver(env);

        var (address, ns, _) = resolver.Resolve("/param/ctd.sock", "default");
        Assert.Equal("unix:///param/ctd.sock", address.Endpoint.Address);
        Assert.Equal(EndpointSource.Parameter, address.Source);
        Assert.Equal("default", ns);

        (address, ns, var reason) = resolver.Resolve(null, null);
        Assert.Equal("unix:///env/ctd.sock", address.Endpoint.Address);
        Assert.Equal(EndpointSource.Environment, address.Source);
        Assert.Equal("moby", ns);
        Assert.Contains("CONTAINERD_NAMESPACE", reason);

        (address, ns, _) = new ContainerdAddressResolver(new Env(new())).Resolve(null, null);
        Assert.Equal("unix:///run/containerd/containerd.sock", address.Endpoint.Address);
        Assert.Equal(EndpointSource.Default, address.Source);
        Assert.Equal("k8s.io", ns);
    }

    [Fact]
    public void TaskListingNamesTheContainerByTheProcessId()
    {
        // containerd's Tasks.List fills id, not container_id, for each task.
        var task = ContainerdMapper.ToTask(new Ctd.Types.Process { Id = "abc", Pid = 42, Status = Ctd.Types.Status.Running }, "k8s.io", Node);

        Assert.Equal("abc", task.ContainerId);
        Assert.Equal(42u, task.Pid);
        Assert.Equal(ContainerdTaskStatus.Running, task.Status);
        Assert.Null(task.ExitStatus);
        Assert.Null(task.ExitedAt);
        Assert.Equal("k8s.io", task.Namespace);
        Assert.Equal("node-1", task.ComputerName);
    }

    [Fact]
    public void StoppedTaskKeepsItsExit()
    {
        var exited = new DateTime(2026, 11, 27, 10, 0, 0, DateTimeKind.Utc);
        var task = ContainerdMapper.ToTask(new Ctd.Types.Process
        {
            ContainerId = "c1", Id = "c1", Status = Ctd.Types.Status.Stopped, ExitStatus = 137, ExitedAt = Timestamp.FromDateTime(exited),
        }, "k8s.io", Node);

        Assert.Equal(ContainerdTaskStatus.Stopped, task.Status);
        Assert.Equal(137u, task.ExitStatus);
        Assert.Equal(exited, task.ExitedAt);
    }

    [Theory]
    [InlineData(0, ContainerdTaskStatus.Unknown)]
    [InlineData(1, ContainerdTaskStatus.Created)]
    [InlineData(2, ContainerdTaskStatus.Running)]
    [InlineData(3, ContainerdTaskStatus.Stopped)]
    [InlineData(4, ContainerdTaskStatus.Paused)]
    [InlineData(5, ContainerdTaskStatus.Pausing)]
    public void TaskStatusesMap(int wire, ContainerdTaskStatus expected) =>
        Assert.Equal(expected, ContainerdMapper.ToTask(new Ctd.Types.Process { Id = "x", Status = (Ctd.Types.Status)wire }, "ns", Node).Status);

    [Fact]
    public void PluginStatusComesFromTheInitError()
    {
        var loaded = new Ctd.Introspection.Plugin { Type = "io.containerd.grpc.v1", Id = "cri", Requires = { "io.containerd.event.v1" } };
        loaded.Platforms.Add(new Ctd.Types.Platform { Os = "linux", Architecture = "arm", Variant = "v7" });
        loaded.Exports.Add("root", "/var/lib/containerd");
        var p = ContainerdMapper.ToPlugin(loaded, Node);
        Assert.Equal("ok", p.Status);
        Assert.Null(p.InitError);
        Assert.Equal(["linux/arm/v7"], p.Platforms);
        Assert.Equal("/var/lib/containerd", p.Exports["root"]);
        Assert.Equal(["io.containerd.event.v1"], p.Requires);

        var failed = new Ctd.Introspection.Plugin { Type = "io.containerd.snapshotter.v1", Id = "zfs",
            InitErr = new Ctd.GoogleRpc.Status { Code = 2, Message = "path must be a zfs filesystem" } };
        p = ContainerdMapper.ToPlugin(failed, Node);
        Assert.Equal("error", p.Status);
        Assert.Equal("path must be a zfs filesystem", p.InitError);
    }

    [Fact]
    public void ImageMapsItsTarget()
    {
        var created = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        var i = ContainerdMapper.ToImage(new Ctd.Images.Image
        {
            Name = "docker.io/library/busybox:1.36",
            Target = new Ctd.Types.ContentDescriptor { Digest = "sha256:aa", MediaType = "application/vnd.oci.image.manifest.v1+json", Size = 349 },
            Labels = { ["io.cri-containerd.image"] = "managed" },
            CreatedAt = Timestamp.FromDateTime(created),
        }, "k8s.io", Node);

        Assert.Equal("docker.io/library/busybox:1.36", i.Name);
        Assert.Equal("sha256:aa", i.Digest);
        Assert.Equal("application/vnd.oci.image.manifest.v1+json", i.MediaType);
        Assert.Equal(349, i.Size);
        Assert.Equal("managed", i.Labels["io.cri-containerd.image"]);
        Assert.Equal(created, i.CreatedAt);
        Assert.Null(i.UpdatedAt);
        Assert.Equal("k8s.io", i.Namespace);
    }

    [Fact]
    public void ContainerAndContentMap()
    {
        var c = ContainerdMapper.ToContainer(new Ctd.Containers.Container
        {
            Id = "c1", Image = "busybox", Snapshotter = "overlayfs", SnapshotKey = "c1",
            Runtime = new Ctd.Containers.Container.Types.Runtime { Name = "io.containerd.runc.v2" },
            Labels = { ["io.cri-containerd.kind"] = "container" },
        }, "k8s.io", Node);
        Assert.Equal(("c1", "busybox", "io.containerd.runc.v2", "overlayfs", "c1"), (c.Id, c.Image, c.Runtime, c.Snapshotter, c.SnapshotKey));
        Assert.Equal("container", c.Labels["io.cri-containerd.kind"]);

        var blob = ContainerdMapper.ToContent(new Ctd.Content.Info { Digest = "sha256:bb", Size = 1234 }, "k8s.io", Node);
        Assert.Equal(("sha256:bb", 1234L), (blob.Digest, blob.Size));

        var ingest = ContainerdMapper.ToIngest(new Ctd.Content.Status { Ref = "layer-sha256:cc", Offset = 1048576, Total = 4194304 }, "k8s.io", Node);
        Assert.Equal(("layer-sha256:cc", 1048576L, 4194304L), (ingest.Ref, ingest.Offset, ingest.Total));
    }

    [Fact]
    public void SkippedPluginIsSkipNotError()
    {
        var skipped = new Ctd.Introspection.Plugin { Type = "io.containerd.snapshotter.v1", Id = "btrfs",
            InitErr = new Ctd.GoogleRpc.Status { Code = 2, Message = "path /x must be a btrfs filesystem to be used with the btrfs snapshotter: skip plugin" } };

        Assert.Equal("skip", ContainerdMapper.ToPlugin(skipped, Node).Status);
    }

    [Fact]
    public void GoZeroTimeIsNoTime()
    {
        // containerd sends Go's zero time.Time (0001-01-01) for times it never set.
        Assert.Null(ContainerdMapper.ToUtc(new Timestamp { Seconds = -62135596800 }));
        Assert.Null(ContainerdMapper.ToUtc(new Timestamp()));
        Assert.Equal(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), ContainerdMapper.ToUtc(Timestamp.FromDateTime(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc))));
    }

    [Theory]
    // containerd 1.6's parse error shows the whole filter split at the fault.
    [InlineData(new[] { "labels.=" }, "filters: parse error: [labels. >|=|< ]: expected field or quoted: invalid argument", "labels.=")]
    [InlineData(new[] { "name==busybox", "!!!" }, "filters: parse error: [ >|!|< !!]: expected field or quoted: invalid argument", "!!!")]
    [InlineData(new[] { "a==(", "!!!" }, "filters: parse error: [ >|!|< !!]: expected field or quoted", "!!!")]
    public void RejectedFilterIsTheOneTheErrorShows(string[] filters, string detail, string expected) =>
        Assert.Equal(expected, Engine.ContainerdClient.RejectedFilter(filters, detail));

    [Fact]
    public void RejectedFilterOfSeveralUnshownIsAllOfThem()
    {
        string[] filters = ["x==", "y=="];

        Assert.Same(filters, Engine.ContainerdClient.RejectedFilter(filters, "some other wording"));
    }
}
