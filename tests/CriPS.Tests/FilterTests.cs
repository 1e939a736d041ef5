using CriPS.Engine.Filtering;

namespace CriPS.Tests;

public class FilterTests
{
    // ---- pods ----

    private static readonly Pod[] AllPods =
    [
        new() { Id = "a1b2c3d4e5", Name = "nginx-7d9f", Namespace = "web", Uid = "UID-1", State = PodState.Ready,
                Labels = new() { ["app"] = "nginx", ["tier"] = "frontend" } },
        new() { Id = "a1ffee0000", Name = "nginx-8k2m", Namespace = "web", Uid = "uid-2", State = PodState.NotReady,
                Labels = new() { ["app"] = "nginx" } },
        new() { Id = "b7c8d9", Name = "coredns-5d78", Namespace = "kube-system", Uid = "uid-3", State = PodState.Ready,
                Labels = new() { ["app"] = "NGINX", ["tier"] = "frontend" } },
        new() { Id = "abc", Name = "etcd-node1", Namespace = "kube-system", Uid = "uid-4", State = PodState.Ready },
        new() { Id = "abcdef", Name = "kube-proxy-x", Namespace = "kube-system", Uid = "uid-5", State = PodState.Ready },
    ];

    private static string[] PodIds(QueryResult<Pod> r) => r.Items.Select(p => p.Id).ToArray();

    [Fact]
    public void NoPodFilterSelectsEveryPod()
    {
        var r = Filters.Pods(AllPods, new PodQuery());

        Assert.Equal(AllPods.Select(p => p.Id), PodIds(r));
        Assert.Empty(r.Errors);
    }

    [Theory]
    [InlineData("b7", "b7c8d9")]
    [InlineData("B7C", "b7c8d9")]         // prefixes are case-insensitive
    [InlineData("a1b", "a1b2c3d4e5")]
    [InlineData(" a1f ", "a1ffee0000")]   // surrounding blanks from copy and paste
    [InlineData("abc", "abc")]             // an exact id wins over the longer ids it prefixes
    [InlineData("abcd", "abcdef")]
    public void UniquePodIdPrefixSelectsThePod(string prefix, string expected)
    {
        var r = Filters.Pods(AllPods, new PodQuery { Id = [prefix] });

        Assert.Equal([expected], PodIds(r));
        Assert.Empty(r.Errors);
    }

    [Fact]
    public void UnknownPodIdIsNotFound()
    {
        var r = Filters.Pods(AllPods, new PodQuery { Id = ["zz9"] });

        Assert.Empty(r.Items); // not every pod
        var e = Assert.Single(r.Errors);
        Assert.Equal("CriPodNotFound", e.ErrorId);
        Assert.Equal(CriErrorCategory.ObjectNotFound, e.Category);
        Assert.Equal("zz9", e.Target);
    }

    [Fact]
    public void AmbiguousPodIdListsTheCandidates()
    {
        var r = Filters.Pods(AllPods, new PodQuery { Id = ["a1"] });

        Assert.Empty(r.Items);
        var e = Assert.Single(r.Errors);
        Assert.Equal("CriPodAmbiguousId", e.ErrorId);
        Assert.Equal(CriErrorCategory.InvalidArgument, e.Category);
        Assert.Equal("a1", e.Target);
        Assert.Contains("a1b2c3d4e5", e.Message);
        Assert.Contains("a1ffee0000", e.Message);
        Assert.Contains("matches 2 pods", e.Message);
    }

    [Fact]
    public void AmbiguousIdMessageShowsAtMostTenCandidates()
    {
        var pods = Enumerable.Range(0, 12).Select(i => new Pod { Id = $"ff{i:D2}" }).ToArray();

        var e = Assert.Single(Filters.Pods(pods, new PodQuery { Id = ["ff"] }).Errors);

        Assert.Contains("matches 12 pods", e.Message);
        Assert.Contains("ff09", e.Message);
        Assert.DoesNotContain("ff10", e.Message);
        Assert.Contains(", ...", e.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void EmptyPodIdIsInvalid(string id)
    {
        var r = Filters.Pods(AllPods, new PodQuery { Id = [id] });

        Assert.Empty(r.Items);
        var e = Assert.Single(r.Errors);
        Assert.Equal("CriPodInvalidId", e.ErrorId);
        Assert.Equal(CriErrorCategory.InvalidArgument, e.Category);
        Assert.Equal(id, e.Target);
    }

    [Fact]
    public void SeveralPodIdsGiveTheFoundAndAnErrorPerBadOne()
    {
        var r = Filters.Pods(AllPods, new PodQuery { Id = ["b7", "nope", "a1"] });

        Assert.Equal(["b7c8d9"], PodIds(r));
        Assert.Equal(["CriPodNotFound", "CriPodAmbiguousId"], r.Errors.Select(e => e.ErrorId));
    }

    [Theory]
    [InlineData(new[] { "nginx-*" }, new[] { "a1b2c3d4e5", "a1ffee0000" })]
    [InlineData(new[] { "NGINX-7D9F" }, new[] { "a1b2c3d4e5" })]          // case-insensitive
    [InlineData(new[] { "nginx-????" }, new[] { "a1b2c3d4e5", "a1ffee0000" })]
    [InlineData(new[] { "nginx-???" }, new string[0])]                      // ? is exactly one character
    [InlineData(new[] { "etcd*", "*dns*" }, new[] { "b7c8d9", "abc" })]     // any of several patterns
    [InlineData(new[] { "nginx" }, new string[0])]                          // no implicit wildcard
    public void PodNameWildcards(string[] names, string[] expected)
    {
        Assert.Equal(expected, PodIds(Filters.Pods(AllPods, new PodQuery { Name = names })));
    }

    [Theory]
    [InlineData("kube-*", new[] { "b7c8d9", "abc", "abcdef" })]
    [InlineData("WEB", new[] { "a1b2c3d4e5", "a1ffee0000" })]
    [InlineData("default", new string[0])]
    public void PodNamespaceWildcards(string ns, string[] expected)
    {
        Assert.Equal(expected, PodIds(Filters.Pods(AllPods, new PodQuery { Namespace = [ns] })));
    }

    [Fact]
    public void PodLabelsMustAllMatchExactly()
    {
        var both = new Dictionary<string, string> { ["app"] = "nginx", ["tier"] = "frontend" };
        var one = new Dictionary<string, string> { ["app"] = "nginx" };
        var missing = new Dictionary<string, string> { ["app"] = "nginx", ["env"] = "prod" };

        Assert.Equal(["a1b2c3d4e5"], PodIds(Filters.Pods(AllPods, new PodQuery { Label = both })));
        // Label values are compared exactly: "NGINX" is not "nginx".
        Assert.Equal(["a1b2c3d4e5", "a1ffee0000"], PodIds(Filters.Pods(AllPods, new PodQuery { Label = one })));
        Assert.Empty(Filters.Pods(AllPods, new PodQuery { Label = missing }).Items);
    }

    [Fact]
    public void PodUidIsCaseInsensitive()
    {
        Assert.Equal(["a1b2c3d4e5", "b7c8d9"], PodIds(Filters.Pods(AllPods, new PodQuery { Uid = ["uid-1", "UID-3"] })));
    }

    [Theory]
    [InlineData(PodState.Ready, new[] { "a1b2c3d4e5", "b7c8d9", "abc", "abcdef" })]
    [InlineData(PodState.NotReady, new[] { "a1ffee0000" })]
    public void PodStateFilter(PodState state, string[] expected)
    {
        Assert.Equal(expected, PodIds(Filters.Pods(AllPods, new PodQuery { State = state })));
    }

    [Fact]
    public void PodFiltersCombineWithAnd()
    {
        var q = new PodQuery { Name = ["nginx-*"], State = PodState.Ready, Namespace = ["web"] };

        Assert.Equal(["a1b2c3d4e5"], PodIds(Filters.Pods(AllPods, q)));
    }

    // ---- containers ----

    private static readonly Pod[] ListedPods =
    [
        new() { Id = "pod1aaaa", Name = "nginx-7d9f", Namespace = "web" },
        new() { Id = "pod2bbbb", Name = "coredns-5d78", Namespace = "kube-system" },
    ];

    private static readonly Container[] AllContainers =
    [
        new() { Id = "c1aaaa", Name = "nginx", PodId = "pod1aaaa", PodNamespace = "web", State = ContainerState.Running,
                Image = "docker.io/library/nginx:1.25", ImageRef = "docker.io/library/nginx@sha256:2222", ImageId = "sha256:1111",
                Labels = new() { ["io.kubernetes.container.name"] = "nginx" } },
        new() { Id = "c1bbbb", Name = "log-shipper", PodId = "pod1aaaa", PodNamespace = "web", State = ContainerState.Exited,
                Image = "docker.io/library/busybox:1.36", ImageRef = "sha256:3333", ImageId = "sha256:3333" },
        new() { Id = "c2cccc", Name = "coredns", PodId = "pod2bbbb", PodNamespace = "kube-system", State = ContainerState.Running,
                Image = "registry.k8s.io/coredns/coredns:v1.11.1", ImageRef = "sha256:4444", ImageId = "sha256:4444" },
        new() { Id = "d3dddd", Name = "init", PodId = "pod3gone", PodNamespace = "batch", State = ContainerState.Created,
                Image = "sha256:5555", ImageRef = "", ImageId = "" },
        new() { Id = "e4eeee", Name = "ghost", PodId = "pod3gone", PodNamespace = "batch", State = ContainerState.Unknown,
                Image = "quay.io/app:1", ImageRef = "quay.io/app@sha256:6666", ImageId = "sha256:6666" },
    ];

    private static readonly Dictionary<string, string?> NoImages = new();

    private static string[] ContainerIds(ContainerQuery q, IReadOnlyDictionary<string, string?>? imageIds = null) =>
        Filters.Containers(AllContainers, ListedPods, q, imageIds ?? NoImages).Items.Select(c => c.Id).ToArray();

    [Fact]
    public void ContainersDefaultToRunningOnly()
    {
        // As crictl ps: without -All only running containers are listed.
        Assert.Equal(["c1aaaa", "c2cccc"], ContainerIds(new ContainerQuery()));
    }

    [Fact]
    public void AllContainersIncludesEveryState()
    {
        Assert.Equal(["c1aaaa", "c1bbbb", "c2cccc", "d3dddd", "e4eeee"], ContainerIds(new ContainerQuery { All = true }));
    }

    [Theory]
    [InlineData(new[] { ContainerState.Exited }, new[] { "c1bbbb" })]
    [InlineData(new[] { ContainerState.Created, ContainerState.Unknown }, new[] { "d3dddd", "e4eeee" })]
    public void ExplicitContainerStates(ContainerState[] states, string[] expected)
    {
        Assert.Equal(expected, ContainerIds(new ContainerQuery { State = states }));
        // An explicit state list is not widened by -All.
        Assert.Equal(expected, ContainerIds(new ContainerQuery { State = states, All = true }));
    }

    [Fact]
    public void ContainerIdPrefixFindsAContainerInAnyState()
    {
        Assert.Equal(["c1bbbb"], ContainerIds(new ContainerQuery { Id = ["c1b"], All = true }));
        // Unlike crictl ps --id: asking for a container by id finds it whatever its state (as crictl inspect does);
        // an explicit -State still narrows.
        Assert.Equal(["c1bbbb"], ContainerIds(new ContainerQuery { Id = ["c1b"] }));
        Assert.Empty(ContainerIds(new ContainerQuery { Id = ["c1b"], State = [ContainerState.Running] }));
    }

    [Fact]
    public void UnknownAndAmbiguousContainerIds()
    {
        var r = Filters.Containers(AllContainers, ListedPods, new ContainerQuery { Id = ["zz", "c1"], All = true }, NoImages);

        Assert.Empty(r.Items);
        Assert.Equal(2, r.Errors.Count);
        Assert.Equal("CriContainerNotFound", r.Errors[0].ErrorId);
        Assert.Equal(CriErrorCategory.ObjectNotFound, r.Errors[0].Category);
        Assert.Equal("zz", r.Errors[0].Target);
        Assert.Equal("CriContainerAmbiguousId", r.Errors[1].ErrorId);
        Assert.Equal(CriErrorCategory.InvalidArgument, r.Errors[1].Category);
        Assert.Equal("c1", r.Errors[1].Target);
        Assert.Contains("c1aaaa", r.Errors[1].Message);
        Assert.Contains("c1bbbb", r.Errors[1].Message);
    }

    [Fact]
    public void EmptyContainerIdIsInvalid()
    {
        var r = Filters.Containers(AllContainers, ListedPods, new ContainerQuery { Id = [""] }, NoImages);

        Assert.Equal("CriContainerInvalidId", Assert.Single(r.Errors).ErrorId);
        Assert.Empty(r.Items);
    }

    [Fact]
    public void PodIdPrefixSelectsThePodsContainers()
    {
        // Two containers share the pod: that is one pod id, not an ambiguous prefix.
        var r = Filters.Containers(AllContainers, ListedPods, new ContainerQuery { PodId = ["POD1"], All = true }, NoImages);

        Assert.Equal(["c1aaaa", "c1bbbb"], r.Items.Select(c => c.Id));
        Assert.Empty(r.Errors);
    }

    [Fact]
    public void PodIdOfAPodNoLongerListedStillResolves()
    {
        Assert.Equal(["d3dddd", "e4eeee"], ContainerIds(new ContainerQuery { PodId = ["pod3"], All = true }));
    }

    [Fact]
    public void AmbiguousAndUnknownPodIdsAreErrors()
    {
        var r = Filters.Containers(AllContainers, ListedPods, new ContainerQuery { PodId = ["pod", "nopod"], All = true }, NoImages);

        Assert.Empty(r.Items);
        Assert.Equal(["CriPodAmbiguousId", "CriPodNotFound"], r.Errors.Select(e => e.ErrorId));
        Assert.Contains("matches 3 pods", r.Errors[0].Message);
        Assert.Equal("nopod", r.Errors[1].Target);
    }

    [Theory]
    [InlineData("kube-*", new[] { "c2cccc" })]
    [InlineData("BATCH", new[] { "d3dddd", "e4eeee" })]
    public void ContainerNamespaceMatchesThePodNamespace(string ns, string[] expected)
    {
        Assert.Equal(expected, ContainerIds(new ContainerQuery { Namespace = [ns], All = true }));
    }

    [Theory]
    [InlineData("core*", new[] { "c2cccc" })]
    [InlineData("*S*", new[] { "c1bbbb", "c2cccc", "e4eeee" })]
    [InlineData("ngin?", new[] { "c1aaaa" })]
    public void ContainerNameWildcards(string name, string[] expected)
    {
        Assert.Equal(expected, ContainerIds(new ContainerQuery { Name = [name], All = true }));
    }

    [Fact]
    public void ContainerLabels()
    {
        var wanted = new Dictionary<string, string> { ["io.kubernetes.container.name"] = "nginx" };
        var wrongValue = new Dictionary<string, string> { ["io.kubernetes.container.name"] = "Nginx" };

        Assert.Equal(["c1aaaa"], ContainerIds(new ContainerQuery { Label = wanted, All = true }));
        Assert.Empty(ContainerIds(new ContainerQuery { Label = wrongValue, All = true }));
    }

    [Fact]
    public void ImageMatchesByTheResolvedId()
    {
        // The caller looked "nginx" up with ImageStatus: it is sha256:1111 (the container shows a full reference).
        var ids = new Dictionary<string, string?> { ["nginx"] = "sha256:1111" };

        Assert.Equal(["c1aaaa"], ContainerIds(new ContainerQuery { Image = ["nginx"], All = true }, ids));
    }

    [Theory]
    [InlineData("", "sha256:3333", "docker.io/library/busybox:1.36")] // CRI-O style: the id only in ImageRef
    [InlineData("", "", "sha256:3333")]                                 // created from an image id
    public void ImageMatchesByTheResolvedIdInImageRefOrImage(string imageId, string imageRef, string image)
    {
        var containers = new[]
        {
            new Container { Id = "c1", State = ContainerState.Running, ImageId = imageId, ImageRef = imageRef, Image = image },
            new Container { Id = "c2", State = ContainerState.Running, ImageId = "sha256:9999", ImageRef = "sha256:9999", Image = "x" },
        };
        var ids = new Dictionary<string, string?> { ["busybox"] = "sha256:3333" };

        var r = Filters.Containers(containers, [], new ContainerQuery { Image = ["busybox"] }, ids);

        Assert.Equal(["c1"], r.Items.Select(c => c.Id));
    }

    [Fact]
    public void AnImageIdMatchesAContainersBareImageIdAsCriOListsIt()
    {
        var containers = new[]
        {
            new Container { Id = "c1", State = ContainerState.Running, ImageId = "3333", Image = "docker.io/library/busybox:1.36" },
            new Container { Id = "c2", State = ContainerState.Running, ImageId = "9999", Image = "x" },
        };

        var r = Filters.Containers(containers, [], new ContainerQuery { Image = ["sha256:3333"] }, new Dictionary<string, string?>());

        Assert.Equal(["c1"], r.Items.Select(c => c.Id));
    }

    [Theory]
    [InlineData("*busybox*", new[] { "c1bbbb" })]
    [InlineData("REGISTRY.K8S.IO/*", new[] { "c2cccc" })]
    [InlineData("docker.io/library/nginx:1.25", new[] { "c1aaaa" })]
    [InlineData("sha256:6666", new[] { "e4eeee" })] // an id typed by the user matches the container's image id
    [InlineData("nginx", new string[0])]           // unresolved and not the container's own text
    public void ImageMatchesByTheContainersOwnImageText(string image, string[] expected)
    {
        // The lookup found nothing for this value (null), so only the container's own text counts.
        var ids = new Dictionary<string, string?> { [image] = null };

        Assert.Equal(expected, ContainerIds(new ContainerQuery { Image = [image], All = true }, ids));
    }

    [Fact]
    public void ContainerFiltersCombineWithAnd()
    {
        var q = new ContainerQuery { Namespace = ["web"], Image = ["*busybox*"] };

        // The busybox container in web exited, and the default keeps only running ones.
        Assert.Empty(ContainerIds(q));
        q.All = true;
        Assert.Equal(["c1bbbb"], ContainerIds(q));
    }

    // ---- images ----

    private static readonly Image[] AllImages =
    [
        new() { Id = "sha256:aaa111", RepoTags = ["docker.io/library/busybox:latest", "busybox:latest"],
                RepoDigests = ["docker.io/library/busybox@sha256:d1d1"] },
        new() { Id = "sha256:aaa222", RepoTags = ["docker.io/library/busybox:1.36"], RepoDigests = ["docker.io/library/busybox@sha256:d2d2"] },
        new() { Id = "sha256:bbb333", RepoTags = ["registry.k8s.io/pause:3.9"], Pinned = true },
        new() { Id = "sha256:ccc444", RepoTags = [], RepoDigests = ["docker.io/library/nginx@sha256:d4d4"] },
        new() { Id = "sha256:ddd555", RepoTags = ["127.0.0.1:5000/a/b:latest"] },
    ];

    private static string[] ImageIds(ImageQuery q) => Filters.Images(AllImages, q).Items.Select(i => i.Id).ToArray();

    [Theory]
    [InlineData("docker.io/library/busybox:*", new[] { "sha256:aaa111", "sha256:aaa222" })]
    [InlineData("*PAUSE*", new[] { "sha256:bbb333" })]
    [InlineData("*@sha256:d4d4", new[] { "sha256:ccc444" })]        // repo@digest
    [InlineData("docker.io/library/nginx@*", new[] { "sha256:ccc444" })]
    [InlineData("docker.io/library/busybox:1.36", new[] { "sha256:aaa222" })]
    public void ImageNameWildcards(string name, string[] expected)
    {
        Assert.Equal(expected, ImageIds(new ImageQuery { Name = [name] }));
    }

    [Theory]
    [InlineData("busybox", new[] { "sha256:aaa111" })]                     // busybox:latest, not busybox:1.36
    [InlineData("docker.io/library/busybox", new[] { "sha256:aaa111" })]
    [InlineData("registry.k8s.io/pause", new string[0])]                   // it has no latest tag
    public void BareImageNameMeansLatest(string name, string[] expected)
    {
        Assert.Equal(expected, ImageIds(new ImageQuery { Name = [name] }));
    }

    [Fact]
    public void BareImageNameWithARegistryPortMeansLatest()
    {
        Assert.Equal(["sha256:ddd555"], ImageIds(new ImageQuery { Name = ["127.0.0.1:5000/a/b"] }));
    }

    [Fact]
    public void ShortImageNameMatchesTheFullyQualifiedTag()
    {
        // containerd and CRI-O list only fully qualified tags; crictl images busybox finds them.
        var images = new[] { new Image { Id = "sha256:aaa111", RepoTags = ["docker.io/library/busybox:latest"] } };

        var r = Filters.Images(images, new ImageQuery { Name = ["busybox"] });

        Assert.Equal(["sha256:aaa111"], r.Items.Select(i => i.Id));
    }

    [Theory]
    [InlineData("sha256:bbb", "sha256:bbb333")]
    [InlineData("bbb", "sha256:bbb333")]          // without the algorithm, as users copy it from crictl
    [InlineData("CCC444", "sha256:ccc444")]
    [InlineData("sha256:aaa2", "sha256:aaa222")]
    public void ImageIdWithOrWithoutSha256(string id, string expected)
    {
        var r = Filters.Images(AllImages, new ImageQuery { Id = [id] });

        Assert.Equal([expected], r.Items.Select(i => i.Id));
        Assert.Empty(r.Errors);
    }

    [Theory]
    [InlineData("aaa", "CriImageAmbiguousId", CriErrorCategory.InvalidArgument)]
    [InlineData("sha256:fff", "CriImageNotFound", CriErrorCategory.ObjectNotFound)]
    [InlineData("fff", "CriImageNotFound", CriErrorCategory.ObjectNotFound)]
    public void BadImageIds(string id, string errorId, CriErrorCategory category)
    {
        var r = Filters.Images(AllImages, new ImageQuery { Id = [id] });

        Assert.Empty(r.Items);
        var e = Assert.Single(r.Errors);
        Assert.Equal(errorId, e.ErrorId);
        Assert.Equal(category, e.Category);
        Assert.Equal(id, e.Target); // as the user typed it, not with the added "sha256:"
    }

    [Fact]
    public void DanglingImages()
    {
        Assert.Equal(["sha256:ccc444"], ImageIds(new ImageQuery { Dangling = true }));
    }

    [Fact]
    public void PinnedImages()
    {
        Assert.Equal(["sha256:bbb333"], ImageIds(new ImageQuery { Pinned = true }));
    }

    [Fact]
    public void NoImageFilterSelectsEveryImage()
    {
        Assert.Equal(AllImages.Select(i => i.Id), ImageIds(new ImageQuery()));
    }

    [Theory]
    [InlineData("abc", "abc")]
    [InlineData("sha256:abc", "abc")]
    [InlineData("SHA256:abc", "abc")]
    [InlineData("sha512:abc", "sha512:abc")]
    public void WithoutSha256(string typed, string expected)
    {
        Assert.Equal(expected, Filters.WithoutSha256(typed));
    }

    [Theory]
    [InlineData("aaa111")]
    [InlineData("sha256:aaa111")]
    [InlineData("aaa1")]
    [InlineData("sha256:aaa1")]
    public void ImageIdsListedWithoutTheAlgorithmAsCriOListsThem(string typed)
    {
        // CRI-O 1.36 lists image ids as bare hex.
        var bare = AllImages.Select(i => new Image { Id = i.Id.Replace("sha256:", ""), RepoTags = i.RepoTags, RepoDigests = i.RepoDigests }).ToList();

        var r = Filters.Images(bare, new ImageQuery { Id = [typed] });

        Assert.Empty(r.Errors);
        Assert.Equal(["aaa111"], r.Items.Select(i => i.Id));
    }
}
