using CriPS.Engine;
using CriPS.Engine.Filtering;

namespace CriPS.Tests;

/// <summary>What the Get-Containerd* cmdlets select from containerd's listings, and in which order.</summary>
public class ContainerdFilterTests
{
    [Fact]
    public void NamespacesByWildcardInNameOrder()
    {
        var all = new[] { new ContainerdNamespace { Name = "moby" }, new ContainerdNamespace { Name = "k8s.io" }, new ContainerdNamespace { Name = "default" } };

        Assert.Equal(new[] { "default", "k8s.io", "moby" }, ContainerdFilters.Namespaces(all, new()).Select(n => n.Name));
        Assert.Equal(new[] { "k8s.io", "moby" }, ContainerdFilters.Namespaces(all, new() { Name = ["K8S*", "m?by"] }).Select(n => n.Name));
        Assert.Empty(ContainerdFilters.Namespaces(all, new() { Name = ["k8s"] }));
    }

    [Fact]
    public void ImagesByWildcardInNameOrder()
    {
        var all = new[]
        {
            new ContainerdImage { Name = "registry.k8s.io/pause:3.9" },
            new ContainerdImage { Name = "docker.io/library/busybox:1.36" },
            new ContainerdImage { Name = "sha256:0123" },
        };

        Assert.Equal(new[] { "docker.io/library/busybox:1.36", "registry.k8s.io/pause:3.9", "sha256:0123" },
            ContainerdFilters.Images(all, new()).Select(i => i.Name));
        Assert.Equal(new[] { "docker.io/library/busybox:1.36" }, ContainerdFilters.Images(all, new() { Name = ["*BusyBox*"] }).Select(i => i.Name));
    }

    private static readonly ContainerdContainer[] Containers =
    [
        new() { Id = "aaa1", Image = "docker.io/library/busybox:1.36", CreatedAt = new DateTime(2026, 1, 1), Labels = new() { ["io.cri-containerd.kind"] = "container" } },
        new() { Id = "bbb2", Image = "registry.k8s.io/pause:3.9", CreatedAt = new DateTime(2026, 1, 3), Labels = new() { ["io.cri-containerd.kind"] = "sandbox" } },
        new() { Id = "aaa3", Image = "registry.k8s.io/pause:3.9", CreatedAt = new DateTime(2026, 1, 2), Labels = new() { ["io.cri-containerd.kind"] = "sandbox", ["x"] = "1" } },
    ];

    private static string[] ContainerIds(ContainerdContainerQuery q) => ContainerdFilters.Containers(Containers, q).Select(c => c.Id).ToArray();

    [Fact]
    public void ContainersNewestFirst() =>
        Assert.Equal(new[] { "bbb2", "aaa3", "aaa1" }, ContainerIds(new()));

    [Fact]
    public void ContainersByIdImageAndLabelsAllAtOnce()
    {
        Assert.Equal(new[] { "aaa3", "aaa1" }, ContainerIds(new() { Id = ["AAA*"] }));
        Assert.Equal(new[] { "bbb2", "aaa3" }, ContainerIds(new() { Image = ["*pause*"] }));
        Assert.Equal(new[] { "aaa3" }, ContainerIds(new() { Id = ["a*"], Image = ["*pause*"] }));
        // Every label must be there with exactly its value (values are case-sensitive).
        Assert.Equal(new[] { "aaa3" }, ContainerIds(new() { Label = new Dictionary<string, string> { ["io.cri-containerd.kind"] = "sandbox", ["x"] = "1" } }));
        Assert.Empty(ContainerIds(new() { Label = new Dictionary<string, string> { ["io.cri-containerd.kind"] = "Sandbox" } }));
    }

    [Fact]
    public void TasksByContainerAndStatus()
    {
        var all = new[]
        {
            new ContainerdTask { ContainerId = "aaa1", Status = ContainerdTaskStatus.Running },
            new ContainerdTask { ContainerId = "aaa2", Status = ContainerdTaskStatus.Stopped },
            new ContainerdTask { ContainerId = "bbb3", Status = ContainerdTaskStatus.Paused },
        };
        string[] Ids(ContainerdTaskQuery q) => ContainerdFilters.Tasks(all, q).Select(t => t.ContainerId).ToArray();

        Assert.Equal(new[] { "aaa1", "aaa2", "bbb3" }, Ids(new()));
        Assert.Equal(new[] { "aaa1", "aaa2" }, Ids(new() { ContainerId = ["aaa?"] }));
        Assert.Equal(new[] { "aaa2", "bbb3" }, Ids(new() { Status = [ContainerdTaskStatus.Stopped, ContainerdTaskStatus.Paused] }));
        Assert.Equal(new[] { "aaa2" }, Ids(new() { ContainerId = ["a*"], Status = [ContainerdTaskStatus.Stopped] }));
    }

    [Fact]
    public void ContentByDigest()
    {
        var all = new[] { new ContainerdContent { Digest = "sha256:aa11" }, new ContainerdContent { Digest = "sha256:bb22" } };

        Assert.Equal(2, ContainerdFilters.Content(all, new()).Count);
        Assert.Equal("sha256:bb22", Assert.Single(ContainerdFilters.Content(all, new() { Digest = ["SHA256:B*"] })).Digest);
        Assert.Empty(ContainerdFilters.Content(all, new() { Digest = ["sha256:aa"] }));   // a digest is whole or a wildcard
    }

    [Fact]
    public void PluginsByIdTypeAndFailure()
    {
        var all = new[]
        {
            new ContainerdPlugin { Type = "io.containerd.snapshotter.v1", Id = "overlayfs", Status = "ok" },
            new ContainerdPlugin { Type = "io.containerd.snapshotter.v1", Id = "zfs", Status = "skip" },
            new ContainerdPlugin { Type = "io.containerd.grpc.v1", Id = "cri", Status = "error" },
        };
        string[] Ids(ContainerdPluginQuery q) => ContainerdFilters.Plugins(all, q).Select(p => p.Id).ToArray();

        Assert.Equal(new[] { "overlayfs", "zfs", "cri" }, Ids(new()));
        Assert.Equal(new[] { "overlayfs", "zfs" }, Ids(new() { Type = ["*.snapshotter.*"] }));
        Assert.Equal(new[] { "cri" }, Ids(new() { Id = ["CRI"] }));
        Assert.Equal(new[] { "zfs", "cri" }, Ids(new() { Failed = true }));
        Assert.Equal(new[] { "zfs" }, Ids(new() { Failed = true, Type = ["io.containerd.snapshotter.v1"] }));
    }

    // ---- the images a name given to Remove- or Export-ContainerdImage stands for ----

    private static readonly ContainerdImage[] Records =
    [
        new() { Name = "docker.io/library/busybox:1.36" },
        new() { Name = "docker.io/library/busybox:latest" },
        new() { Name = "127.0.0.1:5000/crips/busybox:1.36" },
        new() { Name = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" },
    ];

    [Theory]
    [InlineData("busybox:1.36", new[] { "docker.io/library/busybox:1.36" })]          // a short name
    [InlineData("busybox", new[] { "docker.io/library/busybox:latest" })]             // without a tag: latest
    [InlineData("docker.io/library/busybox:1.36", new[] { "docker.io/library/busybox:1.36" })]
    [InlineData("127.0.0.1:5000/crips/busybox:1.36", new[] { "127.0.0.1:5000/crips/busybox:1.36" })]
    [InlineData("*busybox:1.36", new[] { "docker.io/library/busybox:1.36", "127.0.0.1:5000/crips/busybox:1.36" })]
    [InlineData("DOCKER.IO/library/busybox:*", new[] { "docker.io/library/busybox:1.36", "docker.io/library/busybox:latest" })] // wildcards ignore case
    [InlineData("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        new[] { "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" })]  // not a reference, but a record's name
    [InlineData("Busybox:1.36", new string[0])]        // an exact name is exact
    [InlineData("busybox:1.37", new string[0])]
    public void ImagesNamedByAPattern(string pattern, string[] expected) =>
        Assert.Equal(expected, ContainerdClient.ImagesNamed(Records, pattern).Select(i => i.Name));
}
