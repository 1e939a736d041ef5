using CriPS.Engine.Filtering;
using CriPS.Engine.Mapping;
using V1 = CriPS.Engine.Cri.V1;

namespace CriPS.Tests;

public class ContainerEventTests
{
    private static readonly Origin Origin = new("unix:///run/containerd/containerd.sock", "node-1");

    // 2023-11-14T22:13:20Z plus 123456789 ns; the last two digits are below DateTime's 100 ns tick.
    private const long AtNs = 1_700_000_000_123_456_789;
    private static readonly DateTime At = new DateTime(2023, 11, 14, 22, 13, 20, DateTimeKind.Utc).AddTicks(1_234_567);

    private static V1.ContainerStatus Status(string id, string name, V1.ContainerState state, int exitCode = 0) => new()
    {
        Id = id,
        Metadata = new V1.ContainerMetadata { Name = name },
        State = state,
        ExitCode = exitCode,
        Image = new V1.ImageSpec { Image = "sha256:0e5b", UserSpecifiedImage = "docker.io/library/nginx:1.25" },
    };

    /// <summary>An event as containerd 1.7 sends it: the pod's status and every container of the pod.</summary>
    private static V1.ContainerEventResponse Stopped() => new()
    {
        ContainerId = "c0ffee01",
        ContainerEventType = V1.ContainerEventType.ContainerStoppedEvent,
        CreatedAt = AtNs,
        PodSandboxStatus = new V1.PodSandboxStatus
        {
            Id = "4c1d8f0a9e",
            Metadata = new V1.PodSandboxMetadata { Name = "nginx-7d9f", Namespace = "web" },
        },
        ContainersStatuses =
        {
            Status("sidecar02", "log-shipper", V1.ContainerState.ContainerRunning),
            Status("c0ffee01", "nginx", V1.ContainerState.ContainerExited, exitCode: 137),
        },
    };

    [Fact]
    public void MapsTheEventAndPicksItsOwnContainersStatus()
    {
        var e = CriMapper.ToContainerEvent(Stopped(), Origin);

        Assert.Equal(ContainerEventType.Stopped, e.Type);
        Assert.Equal(At, e.Time);
        Assert.Equal(DateTimeKind.Utc, e.Time.Kind);
        Assert.Equal("c0ffee01", e.ContainerId);
        Assert.Equal("nginx", e.ContainerName);          // not the sidecar listed first
        Assert.Equal(ContainerState.Exited, e.State);
        Assert.Equal(137, e.ExitCode);
        Assert.Equal("docker.io/library/nginx:1.25", e.Image);
        Assert.Equal("4c1d8f0a9e", e.PodId);
        Assert.Equal("nginx-7d9f", e.PodName);
        Assert.Equal("web", e.PodNamespace);
        Assert.Equal("unix:///run/containerd/containerd.sock", e.RuntimeEndpoint);
        Assert.Equal("node-1", e.ComputerName);
    }

    // The wire enum is internal, so the theory takes its numbers (CONTAINER_CREATED_EVENT = 0 ... DELETED = 3).
    [Theory]
    [InlineData(0, ContainerEventType.Created)]
    [InlineData(1, ContainerEventType.Started)]
    [InlineData(2, ContainerEventType.Stopped)]
    [InlineData(3, ContainerEventType.Deleted)]
    public void MapsEveryEventType(int wire, ContainerEventType expected)
    {
        var r = Stopped();
        r.ContainerEventType = (V1.ContainerEventType)wire;

        Assert.Equal(expected, CriMapper.ToContainerEvent(r, Origin).Type);
    }

    [Fact]
    public void ExitCodeOnlyOnceTheContainerHasExited()
    {
        var r = Stopped();
        r.ContainerEventType = V1.ContainerEventType.ContainerStartedEvent;
        r.ContainersStatuses[1].State = V1.ContainerState.ContainerRunning;

        var e = CriMapper.ToContainerEvent(r, Origin);

        Assert.Equal(ContainerState.Running, e.State);
        Assert.Null(e.ExitCode);
    }

    [Fact]
    public void AnEventWithoutStatusesKeepsItsIdTypeAndTime()
    {
        // A deleted container may have no status left to send, nor its pod.
        var r = new V1.ContainerEventResponse
        {
            ContainerId = "c0ffee01", ContainerEventType = V1.ContainerEventType.ContainerDeletedEvent, CreatedAt = AtNs,
        };

        var e = CriMapper.ToContainerEvent(r, Origin);

        Assert.Equal(ContainerEventType.Deleted, e.Type);
        Assert.Equal("c0ffee01", e.ContainerId);
        Assert.Equal(At, e.Time);
        Assert.Equal("", e.ContainerName);
        Assert.Equal("", e.PodId);
        Assert.Null(e.State);
        Assert.Null(e.ExitCode);
        Assert.Equal("", e.Image);
    }

    [Fact]
    public void PodNamesComeFromTheKubeletsLabelsWhenThePodStatusIsMissing()
    {
        var r = Stopped();
        r.PodSandboxStatus = null;
        r.ContainersStatuses[1].Labels.Add(CriMapper.PodNameLabel, "nginx-7d9f");
        r.ContainersStatuses[1].Labels.Add(CriMapper.PodNamespaceLabel, "web");

        var e = CriMapper.ToContainerEvent(r, Origin);

        Assert.Equal("", e.PodId);
        Assert.Equal("nginx-7d9f", e.PodName);
        Assert.Equal("web", e.PodNamespace);
    }

    // ---- filters ----

    private static readonly ContainerEvent Event = new()
    {
        Type = ContainerEventType.Started, ContainerId = "c0ffee0123", PodId = "4c1d8f0a9e",
    };

    [Fact]
    public void AnEmptyQueryTakesEveryEvent() => Assert.True(Filters.Event(Event, new EventQuery()));

    [Theory]
    [InlineData(new[] { ContainerEventType.Started }, true)]
    [InlineData(new[] { ContainerEventType.Created, ContainerEventType.Started }, true)]
    [InlineData(new[] { ContainerEventType.Stopped, ContainerEventType.Deleted }, false)]
    public void FiltersByType(ContainerEventType[] types, bool expected) =>
        Assert.Equal(expected, Filters.Event(Event, new EventQuery { Type = types }));

    [Theory]
    [InlineData("c0ffee", true)]        // a prefix
    [InlineData("C0FFEE", true)]        // typed ids are case-insensitive
    [InlineData(" c0f ", true)]         // blanks from copy and paste
    [InlineData("c0ffee0123", true)]    // the whole id
    [InlineData("*0123", true)]         // a wildcard pattern matches the whole id
    [InlineData("c0ffee?123", true)]
    [InlineData("0123", false)]         // not a prefix, and no wildcard to make it a pattern
    [InlineData("*0124", false)]
    [InlineData("c0ffee01234", false)]  // longer than the id
    public void FiltersByContainerIdPrefixOrPattern(string pattern, bool expected) =>
        Assert.Equal(expected, Filters.Event(Event, new EventQuery { ContainerId = [pattern] }));

    [Fact]
    public void AnyOfSeveralIdsMatches()
    {
        Assert.True(Filters.Event(Event, new EventQuery { ContainerId = ["dead", "c0f"] }));
        Assert.False(Filters.Event(Event, new EventQuery { ContainerId = ["dead", "beef"] }));
    }

    [Theory]
    [InlineData("4c1d", true)]
    [InlineData("4C1D*", true)]
    [InlineData("9e", false)]
    public void FiltersByPodIdPrefixOrPattern(string pattern, bool expected) =>
        Assert.Equal(expected, Filters.Event(Event, new EventQuery { PodId = [pattern] }));

    [Fact]
    public void APodIdFilterSkipsEventsThatDoNotNameTheirPod()
    {
        var orphan = new ContainerEvent { Type = ContainerEventType.Deleted, ContainerId = "c0ffee0123" };

        Assert.False(Filters.Event(orphan, new EventQuery { PodId = ["4c1d"] }));
        Assert.True(Filters.Event(orphan, new EventQuery { ContainerId = ["c0ffee"] }));
    }

    [Fact]
    public void AllFiltersMustMatch()
    {
        Assert.True(Filters.Event(Event, new EventQuery { Type = [ContainerEventType.Started], ContainerId = ["c0"], PodId = ["4c"] }));
        Assert.False(Filters.Event(Event, new EventQuery { Type = [ContainerEventType.Stopped], ContainerId = ["c0"], PodId = ["4c"] }));
        Assert.False(Filters.Event(Event, new EventQuery { Type = [ContainerEventType.Started], ContainerId = ["c0"], PodId = ["ff"] }));
    }
}
