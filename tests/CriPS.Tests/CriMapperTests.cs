using CriPS.Engine.Mapping;
using V1 = CriPS.Engine.Cri.V1;

namespace CriPS.Tests;

public class CriMapperTests
{
    private const string Endpoint = "unix:///run/containerd/containerd.sock";
    private static readonly Origin Origin = new(Endpoint, "node-1");

    // 2023-11-14T22:13:20Z plus 123456789 ns; the last two digits are below DateTime's 100 ns tick.
    private const long CreatedNs = 1_700_000_000_123_456_789;
    private static readonly DateTime Created = new DateTime(2023, 11, 14, 22, 13, 20, DateTimeKind.Utc).AddTicks(1_234_567);

    // ---- pods ----

    private static V1.PodSandbox Sandbox()
    {
        var p = new V1.PodSandbox
        {
            Id = "4c1d8f0a9e",
            Metadata = new V1.PodSandboxMetadata { Name = "nginx-7d9f", Namespace = "web", Uid = "b2e4-uid", Attempt = 2 },
            State = V1.PodSandboxState.SandboxNotready,
            CreatedAt = CreatedNs,
            RuntimeHandler = "runc",
        };
        p.Labels.Add("app", "nginx");
        p.Labels.Add("io.kubernetes.pod.name", "nginx-7d9f");
        p.Annotations.Add("kubernetes.io/config.source", "api");
        return p;
    }

    [Fact]
    public void ToPodMapsEveryField()
    {
        var pod = CriMapper.ToPod(Sandbox(), Origin);

        Assert.Equal("4c1d8f0a9e", pod.Id);
        Assert.Equal("nginx-7d9f", pod.Name);
        Assert.Equal("web", pod.Namespace);
        Assert.Equal("b2e4-uid", pod.Uid);
        Assert.Equal(2u, pod.Attempt);
        Assert.Equal(PodState.NotReady, pod.State);
        Assert.Equal(Created, pod.CreatedAt);
        Assert.Equal(DateTimeKind.Utc, pod.CreatedAt.Kind);
        Assert.Equal(new Dictionary<string, string> { ["app"] = "nginx", ["io.kubernetes.pod.name"] = "nginx-7d9f" }, pod.Labels);
        Assert.Equal(new Dictionary<string, string> { ["kubernetes.io/config.source"] = "api" }, pod.Annotations);
        Assert.Equal("runc", pod.RuntimeHandler);
        Assert.Equal(Endpoint, pod.RuntimeEndpoint);
        Assert.Equal("node-1", pod.ComputerName);
        Assert.False(pod.IsDetailed);
    }

    [Fact]
    public void ToPodReadyState()
    {
        var p = Sandbox();
        p.State = V1.PodSandboxState.SandboxReady;

        Assert.Equal(PodState.Ready, CriMapper.ToPod(p, Origin).State);
    }

    [Fact]
    public void ToPodWithoutMetadataHasEmptyNames()
    {
        var pod = CriMapper.ToPod(new V1.PodSandbox { Id = "x" }, Origin);

        Assert.Equal("", pod.Name);
        Assert.Equal("", pod.Namespace);
        Assert.Equal("", pod.Uid);
        Assert.Equal(0u, pod.Attempt);
        Assert.Equal(DateTime.UnixEpoch, pod.CreatedAt);
    }

    [Fact]
    public void ToPodCopiesLabelsRatherThanSharingThem()
    {
        var p = Sandbox();
        var pod = CriMapper.ToPod(p, Origin);

        p.Labels["app"] = "changed";

        Assert.Equal("nginx", pod.Labels["app"]);
    }

    [Theory]
    [InlineData(0L, 1970, 0L)]
    [InlineData(1_000_000_099L, 1970, 10_000_000L)]     // 1 s and 99 ns: the 99 ns are truncated
    [InlineData(CreatedNs, 2023, 17_000_000_001_234_567L)]
    public void ToUtcConvertsNanosecondsToTicks(long ns, int year, long ticksSinceEpoch)
    {
        var t = CriMapper.ToUtc(ns);

        Assert.Equal(DateTimeKind.Utc, t.Kind);
        Assert.Equal(year, t.Year);
        Assert.Equal(ticksSinceEpoch, (t - DateTime.UnixEpoch).Ticks);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-6795364578871345152L)] // Go's zero time as UnixNano, what cri-dockerd sends for "not yet"
    public void NoTimeForZeroOrGosZeroTime(long ns)
    {
        Assert.Null(CriMapper.ToUtcOrNull(ns));
    }

    private const string PodVerboseInfo = """
        {
          "pid": 4242,
          "processStatus": "running",
          "image": "registry.k8s.io/pause:3.9",
          "runtimeHandler": "",
          "runtimeType": "io.containerd.runc.v2",
          "config": { "metadata": { "name": "nginx-7d9f" }, "log_directory": "/var/log/pods/web_nginx-7d9f_b2e4-uid",
                      "linux": { "cgroup_parent": "/kubepods/besteffort/podb2e4-uid" } },
          "runtimeSpec": {
            "linux": {
              "namespaces": [
                { "type": "pid" },
                { "type": "ipc" },
                { "type": "network", "path": "/var/run/netns/cni-1f2e3d" },
                { "type": "mount" }
              ]
            }
          }
        }
        """;

    private static V1.PodSandboxStatusResponse PodStatus()
    {
        var status = new V1.PodSandboxStatus
        {
            Id = "4c1d8f0a9e",
            State = V1.PodSandboxState.SandboxReady,
            Network = new V1.PodSandboxNetworkStatus { Ip = "10.88.0.7" },
            Linux = new V1.LinuxPodSandboxStatus
            {
                Namespaces = new V1.Namespace
                {
                    Options = new V1.NamespaceOption
                    {
                        Network = V1.NamespaceMode.Node, Pid = V1.NamespaceMode.Container, Ipc = V1.NamespaceMode.Pod,
                    },
                },
            },
        };
        status.Network.AdditionalIps.Add(new V1.PodIP { Ip = "fd00::7" });
        status.Network.AdditionalIps.Add(new V1.PodIP { Ip = "10.89.0.7" });
        var reply = new V1.PodSandboxStatusResponse { Status = status };
        reply.Info.Add("info", PodVerboseInfo);
        return reply;
    }

    [Fact]
    public void PodStatusAddsNetworkNamespacesAndState()
    {
        var pod = CriMapper.ToPod(Sandbox(), Origin);

        CriMapper.AddStatus(pod, PodStatus());

        Assert.True(pod.IsDetailed);
        Assert.Equal(PodState.Ready, pod.State); // the status is newer than the listing
        Assert.Equal("10.88.0.7", pod.IP);
        Assert.Equal(["fd00::7", "10.89.0.7"], pod.AdditionalIPs);
        Assert.Equal("Node", pod.NetworkNamespaceMode);
        Assert.Equal("Container", pod.PidNamespaceMode);
        Assert.Equal("Pod", pod.IpcNamespaceMode);
    }

    [Fact]
    public void PodStatusReadsContainerdVerboseInfo()
    {
        var pod = CriMapper.ToPod(Sandbox(), Origin);

        CriMapper.AddStatus(pod, PodStatus());

        Assert.Equal(4242, pod.Pid);
        Assert.Equal("io.containerd.runc.v2", pod.RuntimeType);
        Assert.Equal("registry.k8s.io/pause:3.9", pod.SandboxImage);
        Assert.Equal("/var/log/pods/web_nginx-7d9f_b2e4-uid", pod.LogDirectory);
        Assert.Equal("/kubepods/besteffort/podb2e4-uid", pod.CgroupParent);
        Assert.Equal("/var/run/netns/cni-1f2e3d", pod.NetworkNamespacePath);
        Assert.Equal(PodVerboseInfo, pod.Info["info"]);
    }

    [Fact]
    public void PodStatusReadsCriOsAnnotationsForTheLogDirectoryAndCgroupParent()
    {
        // CRI-O 1.36's verbose info: no config, the facts in its runtime spec's annotations (server/sandbox_status.go).
        var pod = CriMapper.ToPod(Sandbox(), Origin);
        var reply = PodStatus();
        reply.Info["info"] = """
            { "image": "registry.k8s.io/pause:3.10", "pid": 77,
              "runtimeSpec": { "annotations": { "io.kubernetes.cri-o.LogPath": "/var/log/pods/web_nginx_u1/5f1e.log",
                                                "io.kubernetes.cri-o.CgroupParent": "/kubepods/podu1" } } }
            """;

        CriMapper.AddStatus(pod, reply);

        Assert.Equal("/var/log/pods/web_nginx_u1", pod.LogDirectory);
        Assert.Equal("/kubepods/podu1", pod.CgroupParent);
        Assert.Equal(77, pod.Pid);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1, 2, 3]")]
    [InlineData("{\"pid\": \"4242\", \"runtimeType\": 7, \"config\": \"x\", \"runtimeSpec\": {\"linux\": {\"namespaces\": {}}}}")]
    public void PodStatusToleratesMalformedVerboseInfo(string json)
    {
        var pod = CriMapper.ToPod(Sandbox(), Origin);
        var reply = PodStatus();
        reply.Info["info"] = json;

        CriMapper.AddStatus(pod, reply);

        Assert.True(pod.IsDetailed);
        Assert.Equal("10.88.0.7", pod.IP); // the typed status still counts
        Assert.Null(pod.Pid);
        Assert.Null(pod.RuntimeType);
        Assert.Null(pod.SandboxImage);
        Assert.Null(pod.LogDirectory);
        Assert.Null(pod.CgroupParent);
        Assert.Null(pod.NetworkNamespacePath);
        Assert.Equal(json, pod.Info["info"]); // kept as sent, for the user to look at
    }

    [Fact]
    public void PodStatusWithoutNetworkOrLinuxLeavesThemUnset()
    {
        var pod = CriMapper.ToPod(Sandbox(), Origin);
        var reply = new V1.PodSandboxStatusResponse
        {
            Status = new V1.PodSandboxStatus { State = V1.PodSandboxState.SandboxNotready, Network = new V1.PodSandboxNetworkStatus { Ip = "" } },
        };

        CriMapper.AddStatus(pod, reply);

        Assert.True(pod.IsDetailed);
        Assert.Null(pod.IP);
        Assert.Empty(pod.AdditionalIPs);
        Assert.Null(pod.NetworkNamespaceMode);
        Assert.Null(pod.PidNamespaceMode);
        Assert.Null(pod.IpcNamespaceMode);
        Assert.Empty(pod.Info);
        Assert.Null(pod.Pid);
    }

    // ---- containers ----

    private static V1.Container ListedContainer(string podId = "4c1d8f0a9e")
    {
        var c = new V1.Container
        {
            Id = "9f8e7d6c5b",
            PodSandboxId = podId,
            Metadata = new V1.ContainerMetadata { Name = "nginx", Attempt = 3 },
            Image = new V1.ImageSpec { Image = "sha256:1111", UserSpecifiedImage = "nginx:1.25" },
            ImageRef = "docker.io/library/nginx@sha256:2222",
            ImageId = "sha256:1111",
            State = V1.ContainerState.ContainerRunning,
            CreatedAt = CreatedNs,
        };
        c.Labels.Add("io.kubernetes.pod.name", "label-pod");
        c.Labels.Add("io.kubernetes.pod.namespace", "label-ns");
        c.Annotations.Add("io.kubernetes.container.restartCount", "3");
        return c;
    }

    private static Dictionary<string, Pod> PodsById(params Pod[] pods) => pods.ToDictionary(p => p.Id);

    [Fact]
    public void ToContainerMapsEveryField()
    {
        var pod = new Pod { Id = "4c1d8f0a9e", Name = "nginx-7d9f", Namespace = "web" };

        var c = CriMapper.ToContainer(ListedContainer(), PodsById(pod), Origin);

        Assert.Equal("9f8e7d6c5b", c.Id);
        Assert.Equal("nginx", c.Name);
        Assert.Equal(3u, c.Attempt);
        Assert.Equal("4c1d8f0a9e", c.PodId);
        // The listed pod wins over the labels.
        Assert.Equal("nginx-7d9f", c.PodName);
        Assert.Equal("web", c.PodNamespace);
        Assert.Equal("nginx:1.25", c.Image);
        Assert.Equal("docker.io/library/nginx@sha256:2222", c.ImageRef);
        Assert.Equal("sha256:1111", c.ImageId);
        Assert.Equal(ContainerState.Running, c.State);
        Assert.Equal(Created, c.CreatedAt);
        Assert.Equal("label-pod", c.Labels["io.kubernetes.pod.name"]);
        Assert.Equal(2, c.Labels.Count);
        Assert.Equal(new Dictionary<string, string> { ["io.kubernetes.container.restartCount"] = "3" }, c.Annotations);
        Assert.Equal(Endpoint, c.RuntimeEndpoint);
        Assert.Equal("node-1", c.ComputerName);
        Assert.False(c.IsDetailed);
    }

    [Fact]
    public void ToContainerTakesPodNamesFromLabelsWhenThePodIsNotListed()
    {
        var other = new Pod { Id = "other", Name = "x", Namespace = "y" };

        var c = CriMapper.ToContainer(ListedContainer(), PodsById(other), Origin);

        Assert.Equal("label-pod", c.PodName);
        Assert.Equal("label-ns", c.PodNamespace);
    }

    [Fact]
    public void ToContainerWithoutPodOrLabelsHasEmptyPodNames()
    {
        var listed = ListedContainer();
        listed.Labels.Clear();

        var c = CriMapper.ToContainer(listed, PodsById(), Origin);

        Assert.Equal("", c.PodName);
        Assert.Equal("", c.PodNamespace);
    }

    [Theory]
    [InlineData("nginx:1.25", "sha256:1111", "nginx:1.25")]
    [InlineData("", "docker.io/library/nginx:1.25", "docker.io/library/nginx:1.25")]
    [InlineData("", "", "")]
    public void ToContainerImagePrefersTheUserSpecifiedImage(string userSpecified, string image, string expected)
    {
        var listed = ListedContainer();
        listed.Image = new V1.ImageSpec { Image = image, UserSpecifiedImage = userSpecified };

        Assert.Equal(expected, CriMapper.ToContainer(listed, PodsById(), Origin).Image);
    }

    [Fact]
    public void ToContainerWithoutImageSpecHasEmptyImage()
    {
        var listed = ListedContainer();
        listed.Image = null;
        listed.ImageId = "";

        var c = CriMapper.ToContainer(listed, PodsById(), Origin);

        Assert.Equal("", c.Image);
        Assert.Equal("", c.ImageId); // ImageRef is a digested reference, not an id
    }

    [Theory]
    [InlineData("sha256:aaaa", "sha256:bbbb", "sha256:cccc", "sha256:aaaa")] // the runtime's own id first
    [InlineData("", "sha256:bbbb", "sha256:cccc", "sha256:bbbb")]            // then image_ref when it is an id
    [InlineData("", "docker.io/library/nginx@sha256:bbbb", "sha256:cccc", "sha256:cccc")] // then the image spec
    [InlineData("", "docker.io/library/nginx@sha256:bbbb", "nginx:1.25", "")]
    public void ToContainerImageId(string imageId, string imageRef, string image, string expected)
    {
        var listed = ListedContainer();
        listed.ImageId = imageId;
        listed.ImageRef = imageRef;
        listed.Image = new V1.ImageSpec { Image = image };

        Assert.Equal(expected, CriMapper.ToContainer(listed, PodsById(), Origin).ImageId);
    }

    // Generated enums are internal, so the theory takes their numbers.
    [Theory]
    [InlineData(0, ContainerState.Created)]
    [InlineData(1, ContainerState.Running)]
    [InlineData(2, ContainerState.Exited)]
    [InlineData(3, ContainerState.Unknown)]
    public void ToContainerMapsEveryState(int criState, ContainerState expected)
    {
        var listed = ListedContainer();
        listed.State = (V1.ContainerState)criState;

        Assert.Equal(expected, CriMapper.ToContainer(listed, PodsById(), Origin).State);
        Assert.Equal(expected, CriMapper.ToState((V1.ContainerState)criState));
    }

    private const string ContainerVerboseInfo = """
        {
          "sandboxID": "4c1d8f0a9e",
          "pid": 5151,
          "removing": false,
          "snapshotKey": "9f8e7d6c5b",
          "snapshotter": "overlayfs",
          "runtimeType": "io.containerd.runc.v2",
          "runtimeOptions": { "systemd_cgroup": true }
        }
        """;

    private static V1.ContainerStatusResponse ContainerStatus(V1.ContainerState state = V1.ContainerState.ContainerExited)
    {
        var s = new V1.ContainerStatus
        {
            Id = "9f8e7d6c5b",
            State = state,
            StartedAt = CreatedNs,
            FinishedAt = CreatedNs + 60_000_000_000, // one minute later
            ExitCode = 137,
            Reason = "OOMKilled",
            Message = "out of memory",
            LogPath = "/var/log/pods/web_nginx-7d9f_b2e4-uid/nginx/3.log",
            ImageId = "sha256:9999",
            ImageRef = "sha256:8888",
        };
        s.Mounts.Add(new V1.Mount { ContainerPath = "/etc/hosts", HostPath = "/var/lib/kubelet/pods/x/etc-hosts", Readonly = false });
        s.Mounts.Add(new V1.Mount
        {
            ContainerPath = "/var/run/secrets/kubernetes.io/serviceaccount", HostPath = "/var/lib/kubelet/pods/x/volumes/token",
            Readonly = true, Propagation = V1.MountPropagation.PropagationHostToContainer,
        });
        s.Mounts.Add(new V1.Mount { ContainerPath = "/data", HostPath = "/mnt/data", Propagation = V1.MountPropagation.PropagationBidirectional });
        var reply = new V1.ContainerStatusResponse { Status = s };
        reply.Info.Add("info", ContainerVerboseInfo);
        return reply;
    }

    [Fact]
    public void ContainerStatusAddsTimesExitAndMessages()
    {
        var c = CriMapper.ToContainer(ListedContainer(), PodsById(), Origin);

        CriMapper.AddStatus(c, ContainerStatus());

        Assert.True(c.IsDetailed);
        Assert.Equal(ContainerState.Exited, c.State);
        Assert.Equal(Created, c.StartedAt);
        Assert.Equal(Created.AddMinutes(1), c.FinishedAt);
        Assert.Equal(DateTimeKind.Utc, c.FinishedAt!.Value.Kind);
        Assert.Equal(137, c.ExitCode);
        Assert.Equal("OOMKilled", c.Reason);
        Assert.Equal("out of memory", c.Message);
        Assert.Equal("/var/log/pods/web_nginx-7d9f_b2e4-uid/nginx/3.log", c.LogPath);
    }

    [Fact]
    public void ContainerStatusExitCodeZeroIsKeptWhenExited()
    {
        var c = CriMapper.ToContainer(ListedContainer(), PodsById(), Origin);
        var reply = ContainerStatus();
        reply.Status.ExitCode = 0;

        CriMapper.AddStatus(c, reply);

        Assert.Equal(0, c.ExitCode);
    }

    [Theory]
    [InlineData(0)] // created
    [InlineData(1)] // running
    [InlineData(3)] // unknown
    public void ContainerStatusExitCodeOnlyWhenExited(int criState)
    {
        var c = CriMapper.ToContainer(ListedContainer(), PodsById(), Origin);

        CriMapper.AddStatus(c, ContainerStatus((V1.ContainerState)criState));

        Assert.Null(c.ExitCode);
    }

    [Fact]
    public void ContainerStatusZeroTimesAndEmptyTextsAreNull()
    {
        var c = CriMapper.ToContainer(ListedContainer(), PodsById(), Origin);
        var reply = new V1.ContainerStatusResponse
        {
            Status = new V1.ContainerStatus { State = V1.ContainerState.ContainerCreated, StartedAt = 0, FinishedAt = 0 },
        };

        CriMapper.AddStatus(c, reply);

        Assert.Equal(ContainerState.Created, c.State);
        Assert.Null(c.StartedAt);
        Assert.Null(c.FinishedAt);
        Assert.Null(c.Reason);
        Assert.Null(c.Message);
        Assert.Null(c.LogPath);
        Assert.Empty(c.Mounts);
        Assert.Empty(c.Info);
        Assert.Null(c.Pid);
    }

    [Fact]
    public void ContainerStatusMapsMounts()
    {
        var c = CriMapper.ToContainer(ListedContainer(), PodsById(), Origin);

        CriMapper.AddStatus(c, ContainerStatus());

        Assert.Equal(3, c.Mounts.Length);
        Assert.Equal("/etc/hosts", c.Mounts[0].ContainerPath);
        Assert.Equal("/var/lib/kubelet/pods/x/etc-hosts", c.Mounts[0].HostPath);
        Assert.False(c.Mounts[0].ReadOnly);
        Assert.Equal("/var/run/secrets/kubernetes.io/serviceaccount", c.Mounts[1].ContainerPath);
        Assert.True(c.Mounts[1].ReadOnly);
        Assert.Equal("/mnt/data", c.Mounts[2].HostPath);
    }

    [Theory]
    [InlineData(0, "Private")]
    [InlineData(1, "HostToContainer")]
    [InlineData(2, "Bidirectional")]
    public void ContainerStatusMountPropagationNames(int propagation, string expected)
    {
        var c = new Container();
        var reply = new V1.ContainerStatusResponse { Status = new V1.ContainerStatus() };
        reply.Status.Mounts.Add(new V1.Mount { ContainerPath = "/m", Propagation = (V1.MountPropagation)propagation });

        CriMapper.AddStatus(c, reply);

        Assert.Equal(expected, Assert.Single(c.Mounts).Propagation);
    }

    [Fact]
    public void ContainerStatusKeepsTheListedImageId()
    {
        var c = CriMapper.ToContainer(ListedContainer(), PodsById(), Origin);

        CriMapper.AddStatus(c, ContainerStatus());

        Assert.Equal("sha256:1111", c.ImageId);
    }

    [Fact]
    public void ContainerStatusFillsAMissingImageId()
    {
        var listed = ListedContainer();
        listed.ImageId = "";
        listed.Image = new V1.ImageSpec { Image = "nginx:1.25" };
        var c = CriMapper.ToContainer(listed, PodsById(), Origin);
        Assert.Equal("", c.ImageId);

        CriMapper.AddStatus(c, ContainerStatus());

        Assert.Equal("sha256:9999", c.ImageId);
    }

    [Fact]
    public void ContainerStatusReadsContainerdVerboseInfo()
    {
        var c = CriMapper.ToContainer(ListedContainer(), PodsById(), Origin);

        CriMapper.AddStatus(c, ContainerStatus());

        Assert.Equal(5151, c.Pid);
        Assert.Equal("io.containerd.runc.v2", c.RuntimeType);
        Assert.Equal("overlayfs", c.Snapshotter);
        Assert.Equal("9f8e7d6c5b", c.SnapshotKey);
        Assert.Equal(ContainerVerboseInfo, c.Info["info"]);
    }

    [Theory]
    [InlineData("{\"pid\": 0}")]       // an exited container has no process
    [InlineData("{\"pid\": \"5151\"}")]
    [InlineData("not json at all")]
    public void ContainerStatusVerboseInfoWithoutAProcess(string json)
    {
        var c = new Container();
        var reply = ContainerStatus();
        reply.Info["info"] = json;

        CriMapper.AddStatus(c, reply);

        Assert.Null(c.Pid);
        Assert.Null(c.RuntimeType);
        Assert.Null(c.Snapshotter);
        Assert.Null(c.SnapshotKey);
        Assert.Equal(137, c.ExitCode);
    }

    // ---- images ----

    private static V1.Image CriImage(string[] tags, string[] digests)
    {
        var i = new V1.Image { Id = "sha256:feedbeef", Size = 187_654_321, Username = "", Pinned = false };
        i.RepoTags.Add(tags);
        i.RepoDigests.Add(digests);
        return i;
    }

    [Fact]
    public void ToImageMapsEveryField()
    {
        var criImage = CriImage(["docker.io/library/nginx:1.25", "docker.io/library/nginx:latest"],
            ["docker.io/library/nginx@sha256:abc123"]);
        criImage.Uid = new V1.Int64Value { Value = 101 };
        criImage.Pinned = true;

        var image = CriMapper.ToImage(criImage, Origin);

        Assert.Equal("sha256:feedbeef", image.Id);
        Assert.Equal(["docker.io/library/nginx:1.25", "docker.io/library/nginx:latest"], image.RepoTags);
        Assert.Equal(["docker.io/library/nginx@sha256:abc123"], image.RepoDigests);
        Assert.Equal("docker.io/library/nginx", image.Repository);
        Assert.Equal("1.25", image.Tag);
        Assert.Equal("sha256:abc123", image.Digest);
        Assert.Equal(187_654_321UL, image.Size);
        Assert.Equal(101L, image.Uid);
        Assert.Equal("", image.Username);
        Assert.True(image.Pinned);
        Assert.False(image.Dangling);
        Assert.Equal(Endpoint, image.RuntimeEndpoint);
        Assert.Equal("node-1", image.ComputerName);
    }

    [Fact]
    public void ToImageSplitsTheTagNotTheRegistryPort()
    {
        var image = CriMapper.ToImage(CriImage(["127.0.0.1:5000/a/b:1.0"], []), Origin);

        Assert.Equal("127.0.0.1:5000/a/b", image.Repository);
        Assert.Equal("1.0", image.Tag);
        Assert.Equal("", image.Digest);
    }

    [Theory]
    [InlineData("busybox:1.36", "busybox", "1.36")]
    [InlineData("registry.k8s.io/pause:3.9", "registry.k8s.io/pause", "3.9")]
    [InlineData("localhost:5000/app:v2", "localhost:5000/app", "v2")]
    [InlineData("localhost:5000/app", "localhost:5000/app", "<none>")]
    [InlineData("busybox", "busybox", "<none>")]
    public void SplitTag(string reference, string repository, string tag)
    {
        Assert.Equal((repository, tag), CriMapper.SplitTag(reference));
    }

    [Fact]
    public void UntaggedImageTakesTheRepositoryOfItsDigest()
    {
        var image = CriMapper.ToImage(CriImage([], ["127.0.0.1:5000/a/b@sha256:0123abcd"]), Origin);

        Assert.Equal("127.0.0.1:5000/a/b", image.Repository);
        Assert.Equal("<none>", image.Tag);
        Assert.Equal("sha256:0123abcd", image.Digest);
        Assert.True(image.Dangling);
    }

    [Fact]
    public void ImageWithoutTagsOrDigestsIsNone()
    {
        var image = CriMapper.ToImage(CriImage([], []), Origin);

        Assert.Equal("<none>", image.Repository);
        Assert.Equal("<none>", image.Tag);
        Assert.Equal("", image.Digest);
        Assert.True(image.Dangling);
        Assert.Equal("sha256:feedbeef", image.ToString());
    }

    [Fact]
    public void ImageUidZeroIsRootNotUnset()
    {
        var criImage = CriImage(["busybox:1.36"], []);
        criImage.Uid = new V1.Int64Value { Value = 0 };

        Assert.Equal(0L, CriMapper.ToImage(criImage, Origin).Uid);
    }

    [Fact]
    public void ImageRunningAsAUserNameHasNoUid()
    {
        var criImage = CriImage(["quay.io/app:1"], []);
        criImage.Username = "nobody";

        var image = CriMapper.ToImage(criImage, Origin);

        Assert.Null(image.Uid);
        Assert.Equal("nobody", image.Username);
        Assert.False(image.Pinned);
    }

    // ---- runtime info ----

    private static V1.VersionResponse Version() => new()
    {
        Version = "0.1.0", RuntimeName = "containerd", RuntimeVersion = "v1.7.24", RuntimeApiVersion = "v1",
    };

    private static V1.StatusResponse Status(string? configJson = null)
    {
        var status = new V1.RuntimeStatus();
        status.Conditions.Add(new V1.RuntimeCondition { Type = "RuntimeReady", Status = true });
        status.Conditions.Add(new V1.RuntimeCondition
        {
            Type = "NetworkReady", Status = false, Reason = "NetworkPluginNotReady",
            Message = "Network plugin returns error: cni plugin not initialized",
        });
        status.Conditions.Add(new V1.RuntimeCondition { Type = "ContainerdHasNoDeprecationWarnings", Status = true });
        var reply = new V1.StatusResponse { Status = status };
        if (configJson is not null)
            reply.Info.Add("config", configJson);
        reply.Info.Add("golang", "\"go1.22.9\"");
        return reply;
    }

    // containerd 1.6/1.7: the CRI plugin's whole configuration.
    private static string Containerd16Config(string systemdCgroup) => $$"""
        {
          "containerd": {
            "snapshotter": "overlayfs",
            "defaultRuntimeName": "runc",
            "runtimes": {
              "runc": { "runtimeType": "io.containerd.runc.v2", "options": { "BinaryName": "", "SystemdCgroup": {{systemdCgroup}} } },
              "kata": { "runtimeType": "io.containerd.kata.v2", "options": { "SystemdCgroup": false } }
            }
          },
          "cni": { "binDir": "/opt/cni/bin", "confDir": "/etc/cni/net.d", "maxConfNum": 1 },
          "enableSelinux": false,
          "sandboxImage": "registry.k8s.io/pause:3.8"
        }
        """;

    // containerd 2.x: the sandbox image moved to the image service's pinned images.
    // The shape containerd 2.1.9 sends (measured): the runtime plugin's config only, CNI folders as a list, no
    // sandbox image and no snapshotter (those belong to the image service).
    private const string Containerd2Config = """
        {
          "containerd": {
            "defaultRuntimeName": "runc",
            "runtimes": { "runc": { "runtimeType": "io.containerd.runc.v2", "options": { "SystemdCgroup": true }, "snapshotter": "" } }
          },
          "cni": { "binDir": "", "binDirs": ["/opt/cni/bin", "/usr/lib/cni"], "confDir": "/etc/cni/net.d", "maxConfNum": 1 },
          "restrictOOMScoreAdj": true,
          "containerdRootDir": "/var/lib/containerd"
        }
        """;

    [Fact]
    public void RuntimeInfoVersionConditionsAndOrigin()
    {
        var info = CriMapper.ToRuntimeInfo(Version(), Status(), null, Origin);

        Assert.Equal("containerd", info.RuntimeName);
        Assert.Equal("v1.7.24", info.RuntimeVersion);
        Assert.Equal("v1", info.RuntimeApiVersion);
        Assert.True(info.RuntimeReady);
        Assert.Equal("", info.RuntimeReadyReason);
        Assert.Equal("", info.RuntimeReadyMessage);
        Assert.False(info.NetworkReady);
        Assert.Equal("NetworkPluginNotReady", info.NetworkReadyReason);
        Assert.Equal("Network plugin returns error: cni plugin not initialized", info.NetworkReadyMessage);
        Assert.Equal(["RuntimeReady", "NetworkReady", "ContainerdHasNoDeprecationWarnings"], info.Conditions.Select(c => c.Type));
        Assert.Equal([true, false, true], info.Conditions.Select(c => c.Status));
        Assert.Equal("\"go1.22.9\"", info.Info["golang"]);
        Assert.Equal(Endpoint, info.RuntimeEndpoint);
        Assert.Equal("node-1", info.ComputerName);
        // Nothing verbose was sent: no highlights, no guessed cgroup driver.
        Assert.Null(info.SandboxImage);
        Assert.Null(info.CgroupDriver);
        Assert.Null(info.SystemdCgroup);
    }

    [Fact]
    public void RuntimeInfoWithoutStatusIsNotReady()
    {
        var info = CriMapper.ToRuntimeInfo(Version(), new V1.StatusResponse(), null, Origin);

        Assert.Empty(info.Conditions);
        Assert.False(info.RuntimeReady);
        Assert.False(info.NetworkReady);
        Assert.Equal("", info.NetworkReadyReason);
    }

    [Theory]
    [InlineData("true", true, "systemd")]
    [InlineData("false", false, "cgroupfs")]
    public void RuntimeInfoReadsContainerd16Config(string systemdCgroup, bool expected, string driver)
    {
        var info = CriMapper.ToRuntimeInfo(Version(), Status(Containerd16Config(systemdCgroup)), null, Origin);

        Assert.Equal("registry.k8s.io/pause:3.8", info.SandboxImage);
        Assert.Equal("overlayfs", info.Snapshotter);
        Assert.Equal("runc", info.DefaultRuntimeName);
        Assert.Equal(expected, info.SystemdCgroup);
        Assert.Equal(driver, info.CgroupDriver);
        Assert.Equal("/etc/cni/net.d", info.CniConfDir);
        Assert.Equal("/opt/cni/bin", info.CniBinDir);
    }

    [Fact]
    public void RuntimeInfoReadsContainerd2Config()
    {
        var info = CriMapper.ToRuntimeInfo(Version(), Status(Containerd2Config), null, Origin);

        // Not in this reply: CriClient reads them from the image service (the pinned image, the snapshotter's root).
        Assert.Null(info.SandboxImage);
        Assert.Null(info.Snapshotter);
        Assert.Equal("runc", info.DefaultRuntimeName);
        Assert.True(info.SystemdCgroup);
        Assert.Equal("systemd", info.CgroupDriver);
        Assert.Equal("/etc/cni/net.d", info.CniConfDir);
        Assert.Equal("/opt/cni/bin:/usr/lib/cni", info.CniBinDir); // binDir "" counts as unset, binDirs as a search path
    }

    [Fact]
    public void RuntimeInfoSystemdCgroupComesFromTheDefaultRuntime()
    {
        // runc says true, but kata is the default and says false.
        var json = Containerd16Config("true").Replace("\"defaultRuntimeName\": \"runc\"", "\"defaultRuntimeName\": \"kata\"");

        var info = CriMapper.ToRuntimeInfo(Version(), Status(json), null, Origin);

        Assert.Equal("kata", info.DefaultRuntimeName);
        Assert.False(info.SystemdCgroup);
        Assert.Equal("cgroupfs", info.CgroupDriver);
    }

    [Fact]
    public void RuntimeInfoWithTheDefaultRuntimeNotConfiguredHasNoCgroupDriver()
    {
        var json = Containerd16Config("true").Replace("\"defaultRuntimeName\": \"runc\"", "\"defaultRuntimeName\": \"crun\"");

        var info = CriMapper.ToRuntimeInfo(Version(), Status(json), null, Origin);

        Assert.Equal("crun", info.DefaultRuntimeName);
        Assert.Null(info.SystemdCgroup);
        Assert.Null(info.CgroupDriver);
    }

    [Theory]
    [InlineData("\"true\"")]
    [InlineData("1")]
    public void RuntimeInfoIgnoresNonBooleanSystemdCgroup(string value)
    {
        var info = CriMapper.ToRuntimeInfo(Version(), Status(Containerd16Config(value)), null, Origin);

        Assert.Null(info.SystemdCgroup);
        Assert.Null(info.CgroupDriver);
        Assert.Equal("runc", info.DefaultRuntimeName);
    }

    [Theory]
    [InlineData("{ broken")]
    [InlineData("\"a string\"")]
    public void RuntimeInfoToleratesMalformedConfig(string json)
    {
        var info = CriMapper.ToRuntimeInfo(Version(), Status(json), null, Origin);

        Assert.Null(info.SandboxImage);
        Assert.Null(info.Snapshotter);
        Assert.Null(info.CniConfDir);
        Assert.Null(info.CgroupDriver);
        Assert.Equal(json, info.Info["config"]);
        Assert.True(info.RuntimeReady);
    }

    [Theory]
    [InlineData("true", 1, "cgroupfs")] // RuntimeConfig says cgroupfs although the config says SystemdCgroup
    [InlineData("false", 0, "systemd")]
    public void RuntimeConfigCgroupDriverOverridesTheVerboseConfig(string systemdCgroup, int criDriver, string expected)
    {
        var runtimeConfig = new V1.RuntimeConfigResponse
        {
            Linux = new V1.LinuxRuntimeConfiguration { CgroupDriver = (V1.CgroupDriver)criDriver },
        };

        var info = CriMapper.ToRuntimeInfo(Version(), Status(Containerd16Config(systemdCgroup)), runtimeConfig, Origin);

        Assert.Equal(expected, info.CgroupDriver);
        Assert.Equal(systemdCgroup == "true", info.SystemdCgroup); // the verbose fact itself is kept
    }

    [Fact]
    public void RuntimeConfigWithoutLinuxFallsBackToTheVerboseConfig()
    {
        var info = CriMapper.ToRuntimeInfo(Version(), Status(Containerd16Config("true")), new V1.RuntimeConfigResponse(), Origin);

        Assert.Equal("systemd", info.CgroupDriver);
    }

    [Fact]
    public void RuntimeConfigAloneGivesTheCgroupDriver()
    {
        // CRI-O sends no containerd config but implements RuntimeConfig.
        var runtimeConfig = new V1.RuntimeConfigResponse
        {
            Linux = new V1.LinuxRuntimeConfiguration { CgroupDriver = V1.CgroupDriver.Cgroupfs },
        };

        var info = CriMapper.ToRuntimeInfo(Version(), Status(), runtimeConfig, Origin);

        Assert.Equal("cgroupfs", info.CgroupDriver);
        Assert.Null(info.SystemdCgroup);
    }

    [Fact]
    public void ImageStatusVerboseInfoGivesTheConfiguration()
    {
        var image = new Image { Id = "sha256:abc" };
        var reply = new CriPS.Engine.Cri.V1.ImageStatusResponse();
        reply.Info.Add("info", """
            {"chainID":"sha256:c","imageSpec":{"created":"2026-11-27T21:27:27.5Z","architecture":"amd64","os":"linux",
             "config":{"Entrypoint":["/pause"],"Cmd":["sh","-c"],"Env":["A=1"],"WorkingDir":"/w","User":"65535:65535",
                       "Labels":{"crips.role":"spare"}},
             "rootfs":{"type":"layers","diff_ids":["sha256:l1","sha256:l2"]}}}
            """);

        CriMapper.AddStatus(image, reply);

        Assert.True(image.IsDetailed);
        Assert.Equal(new DateTime(2026, 11, 27, 21, 27, 27, 500, DateTimeKind.Utc), image.Created);
        Assert.Equal(DateTimeKind.Utc, image.Created!.Value.Kind);
        Assert.Equal(("amd64", "linux", "/w", "65535:65535"), (image.Architecture, image.OS, image.WorkingDir, image.User));
        Assert.Equal(["/pause"], image.Entrypoint);
        Assert.Equal(["sh", "-c"], image.Cmd);
        Assert.Equal(["A=1"], image.Env);
        Assert.Equal("spare", image.ConfigLabels["crips.role"]);
        Assert.Equal(["sha256:l1", "sha256:l2"], image.Layers);
        Assert.True(image.Info.ContainsKey("info"));
    }
}

/// <summary>The short forms of the default views.</summary>
public class DisplayTests
{
    [Theory]
    [InlineData(0, "0B")]
    [InlineData(999, "999B")]
    [InlineData(1089069, "1.09MB")]
    [InlineData(322091, "322.09kB")]
    [InlineData(2_500_000_000, "2.5GB")]
    public void BytesAreDecimalLikeCrictl(double bytes, string expected) => Assert.Equal(expected, Display.Bytes(bytes));

    [Theory]
    [InlineData(5, "5s ago")]
    [InlineData(125, "2m ago")]
    [InlineData(7300, "2h ago")]
    [InlineData(200000, "2d ago")]
    public void AgeIsCoarseLikeCrictl(int secondsAgo, string expected)
    {
        var now = new DateTime(2026, 11, 27, 12, 0, 0, DateTimeKind.Utc);
        Assert.Equal(expected, Display.Age(now.AddSeconds(-secondsAgo), now));
    }

    [Theory]
    [InlineData("sha256:a4fcd46ad23669db4d22ce74dd9415f89712d1e6fea633400c6ec93b7a0992a9", "a4fcd46ad2366")]
    [InlineData("015f40ca93ada52a212efe775adde0e160e72944ac7e38843f475a41001054ab", "015f40ca93ada")]
    [InlineData("short", "short")]
    [InlineData(null, "")]
    public void ShortIdIsThirteenCharacters(string? id, string expected) => Assert.Equal(expected, Display.ShortId(id));
}
