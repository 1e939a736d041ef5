using CriPS.Engine.Mapping;
using CriPS.Engine.Stats;
using V1 = CriPS.Engine.Cri.V1;

namespace CriPS.Tests;

public class StatsTests
{
    private static readonly Origin Origin = new("unix:///run/containerd/containerd.sock", "node-1");

    // 2026-11-28T00:00:00Z in CRI's nanoseconds since the epoch.
    private const long T0 = 1_795_824_000_000_000_000;
    private const long OneSecond = 1_000_000_000;
    private static DateTime At(long unixNs) => DateTime.UnixEpoch.AddTicks(unixNs / 100);

    // ---- CPU percent ----

    [Theory]
    [InlineData(0UL, 1_000_000_000UL, 1.0, 100.0)]        // one core busy for one second
    [InlineData(5_000UL, 500_005_000UL, 2.0, 25.0)]        // half a core-second over two seconds
    [InlineData(0UL, 3_000_000_000UL, 1.5, 200.0)]         // two cores: above 100 %
    [InlineData(42UL, 42UL, 1.0, 0.0)]                     // idle
    public void PercentIsCounterGrowthOverTimeBetweenTheSamples(ulong before, ulong after, double seconds, double expected)
    {
        var percent = CpuRate.Percent(before, At(T0), after, At(T0 + (long)(seconds * OneSecond)));

        Assert.NotNull(percent);
        Assert.Equal(expected, percent.Value, 9);
    }

    [Fact]
    public void PercentUsesTheSamplesOwnTimestampsNotTheRequestedInterval()
    {
        // Asked one second apart, but the runtime read the counters 1.25 s apart.
        var percent = CpuRate.Percent(0, At(T0), 1_000_000_000, At(T0 + 1_250_000_000));

        Assert.Equal(80.0, percent!.Value, 9);
    }

    [Fact]
    public void ACounterThatWentBackwardsGivesNoPercent()
    {
        // The cgroup was recreated between the samples: the difference means nothing.
        Assert.Null(CpuRate.Percent(9_000_000_000, At(T0), 1_000, At(T0 + OneSecond)));
    }

    [Theory]
    [InlineData(true, false, true, true)]
    [InlineData(false, true, true, true)]
    [InlineData(true, true, false, true)]
    [InlineData(true, true, true, false)]
    public void AMissingValueGivesNoPercent(bool hasBefore, bool hasAfter, bool hasBeforeTime, bool hasAfterTime)
    {
        Assert.Null(CpuRate.Percent(hasBefore ? 0UL : null, hasBeforeTime ? At(T0) : null,
            hasAfter ? 1_000UL : null, hasAfterTime ? At(T0 + OneSecond) : null));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-OneSecond)]
    public void NoTimeBetweenTheSamplesGivesNoPercent(long elapsedNs)
    {
        // The runtime answered twice from one reading, or its clock stepped back.
        Assert.Null(CpuRate.Percent(0, At(T0), 1_000_000, At(T0 + elapsedNs)));
    }

    [Fact]
    public void ApplyMatchesSamplesByContainerIdAndLeavesNewContainersWithoutPercent()
    {
        var previous = new[]
        {
            new ContainerStats { ContainerId = "busy", CpuUsageCoreNanoSeconds = 1_000_000_000, Timestamp = At(T0) },
            new ContainerStats { ContainerId = "idle", CpuUsageCoreNanoSeconds = 50_000_000, Timestamp = At(T0) },
            new ContainerStats { ContainerId = "gone", CpuUsageCoreNanoSeconds = 1, Timestamp = At(T0) },
        };
        var current = new[]
        {
            new ContainerStats { ContainerId = "idle", CpuUsageCoreNanoSeconds = 50_000_000, Timestamp = At(T0 + OneSecond) },
            new ContainerStats { ContainerId = "busy", CpuUsageCoreNanoSeconds = 1_900_000_000, Timestamp = At(T0 + OneSecond) },
            new ContainerStats { ContainerId = "new", CpuUsageCoreNanoSeconds = 7, Timestamp = At(T0 + OneSecond), CpuPercent = 12 },
        };

        CpuRate.Apply(current, previous);

        Assert.Equal(0.0, current[0].CpuPercent!.Value, 9);
        Assert.Equal(90.0, current[1].CpuPercent!.Value, 9);
        Assert.Null(current[2].CpuPercent);
    }

    [Fact]
    public void ApplyWithoutAPreviousSampleLeavesEveryPercentNull()
    {
        var current = new[] { new ContainerStats { ContainerId = "a", CpuUsageCoreNanoSeconds = 5, Timestamp = At(T0) } };

        CpuRate.Apply(current, null);

        Assert.Null(current[0].CpuPercent);
    }

    [Fact]
    public void ApplyToPodsWorksOutThePodAndEachOfItsContainers()
    {
        var previous = new[]
        {
            new PodStats
            {
                PodId = "p", CpuUsageCoreNanoSeconds = 0, Timestamp = At(T0),
                Containers = [new ContainerStats { ContainerId = "c", CpuUsageCoreNanoSeconds = 0, Timestamp = At(T0) }],
            },
        };
        var current = new[]
        {
            new PodStats
            {
                PodId = "p", CpuUsageCoreNanoSeconds = 600_000_000, Timestamp = At(T0 + 2 * OneSecond),
                Containers = [new ContainerStats { ContainerId = "c", CpuUsageCoreNanoSeconds = 500_000_000, Timestamp = At(T0 + OneSecond) }],
            },
            new PodStats { PodId = "q", CpuUsageCoreNanoSeconds = 1, Timestamp = At(T0 + OneSecond) },
        };

        CpuRate.Apply(current, previous);

        Assert.Equal(30.0, current[0].CpuPercent!.Value, 9);
        Assert.Equal(50.0, current[0].Containers[0].CpuPercent!.Value, 9);
        Assert.Null(current[1].CpuPercent);
    }

    // ---- mapping ----

    private static V1.ContainerStats RunningContainerStats() => new()
    {
        Attributes = new V1.ContainerAttributes { Id = "c0ffee", Metadata = new V1.ContainerMetadata { Name = "busy", Attempt = 1 } },
        Cpu = new V1.CpuUsage { Timestamp = T0 + 123, UsageCoreNanoSeconds = new V1.UInt64Value { Value = 14_867_468_700 }, UsageNanoCores = new V1.UInt64Value() },
        Memory = new V1.MemoryUsage
        {
            Timestamp = T0 + 123,
            WorkingSetBytes = new V1.UInt64Value { Value = 229_376 },
            UsageBytes = new V1.UInt64Value { Value = 241_664 },
            RssBytes = new V1.UInt64Value { Value = 57_344 },
        },
        WritableLayer = new V1.FilesystemUsage
        {
            Timestamp = T0 - 4 * OneSecond,
            FsId = new V1.FilesystemIdentifier { Mountpoint = "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs" },
            UsedBytes = new V1.UInt64Value { Value = 8192 },
            InodesUsed = new V1.UInt64Value { Value = 5 },
        },
    };

    private static readonly Container Listed = new()
    {
        Id = "c0ffee", Name = "busy", Attempt = 1, State = ContainerState.Running,
        PodId = "p0d", PodName = "web", PodNamespace = "shop",
    };

    [Fact]
    public void ContainerStatsTakeNamesFromTheListingAndFiguresFromTheSample()
    {
        var s = StatsMapper.ToContainerStats(RunningContainerStats(), Listed, null, Origin);

        Assert.Equal("c0ffee", s.ContainerId);
        Assert.Equal("busy", s.Name);
        Assert.Equal(1u, s.Attempt);
        Assert.Equal(ContainerState.Running, s.State);
        Assert.Equal("p0d", s.PodId);
        Assert.Equal("web", s.PodName);
        Assert.Equal("shop", s.PodNamespace);
        Assert.Equal(At(T0 + 123), s.Timestamp);   // the CPU sample's time, not the writable layer's older one
        Assert.Equal(DateTimeKind.Utc, s.Timestamp!.Value.Kind);
        Assert.Equal(14_867_468_700UL, s.CpuUsageCoreNanoSeconds);
        Assert.Null(s.CpuPercent);                  // one sample alone has none
        Assert.Equal(229_376UL, s.MemoryWorkingSetBytes);
        Assert.Equal(241_664UL, s.MemoryUsageBytes);
        Assert.Equal(57_344UL, s.MemoryRssBytes);
        Assert.Equal(8192UL, s.WritableLayerUsedBytes);
        Assert.Equal(5UL, s.WritableLayerInodesUsed);
        Assert.Equal("/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs", s.WritableLayerMountpoint);
        Assert.Equal("unix:///run/containerd/containerd.sock", s.RuntimeEndpoint);
        Assert.Equal("node-1", s.ComputerName);
    }

    [Fact]
    public void AStoppedContainerHasOnlyItsWritableLayer()
    {
        // containerd 1.6 lists exited and created containers with the writable layer alone.
        var sample = RunningContainerStats();
        sample.Cpu = null;
        sample.Memory = null;
        var listed = new Container { Id = "c0ffee", Name = "busy", State = ContainerState.Exited };

        var s = StatsMapper.ToContainerStats(sample, listed, null, Origin);

        Assert.Null(s.CpuUsageCoreNanoSeconds);
        Assert.Null(s.MemoryWorkingSetBytes);
        Assert.Null(s.MemoryUsageBytes);
        Assert.Null(s.MemoryRssBytes);
        Assert.Equal(8192UL, s.WritableLayerUsedBytes);
        Assert.Equal(At(T0 - 4 * OneSecond), s.Timestamp);
    }

    [Fact]
    public void ZeroCpuAndMemoryOfAContainerWithoutAProcessAreNoMeasurement()
    {
        // cri-dockerd 0.4.3 sends zeros, with timestamps, for a created or exited container.
        var sample = RunningContainerStats();
        sample.Cpu.UsageCoreNanoSeconds = new V1.UInt64Value { Value = 0 };
        sample.Memory.WorkingSetBytes = new V1.UInt64Value { Value = 0 };
        sample.Memory.UsageBytes = new V1.UInt64Value { Value = 0 };
        var created = new Container { Id = "c0ffee", Name = "busy", State = ContainerState.Created };

        var s = StatsMapper.ToContainerStats(sample, created, null, Origin);
        var running = StatsMapper.ToContainerStats(sample, Listed, null, Origin);

        Assert.Null(s.CpuUsageCoreNanoSeconds);
        Assert.Null(s.MemoryWorkingSetBytes);
        Assert.Equal(8192UL, s.WritableLayerUsedBytes);
        Assert.Equal(0UL, running.CpuUsageCoreNanoSeconds);   // a running container's zero is a measurement
    }

    [Fact]
    public void ASampleWithoutTimestampCountsAsNotTaken()
    {
        // containerd 1.6 sends an empty writable layer (mount point, zero values, no time) until it has measured it.
        var sample = RunningContainerStats();
        sample.WritableLayer = new V1.FilesystemUsage
        {
            FsId = new V1.FilesystemIdentifier { Mountpoint = "/x" }, UsedBytes = new V1.UInt64Value(), InodesUsed = new V1.UInt64Value(),
        };
        sample.Memory.RssBytes = null;

        var s = StatsMapper.ToContainerStats(sample, Listed, null, Origin);

        Assert.Null(s.WritableLayerUsedBytes);
        Assert.Null(s.WritableLayerInodesUsed);
        Assert.Null(s.WritableLayerMountpoint);
        Assert.Null(s.MemoryRssBytes);              // a value the runtime left out is null, not 0
        Assert.Equal(229_376UL, s.MemoryWorkingSetBytes);
    }

    [Fact]
    public void AContainerTheListingNoLongerShowsKeepsItsOwnNameAndThePods()
    {
        var pod = new Pod { Id = "p0d", Name = "web", Namespace = "shop" };

        var s = StatsMapper.ToContainerStats(RunningContainerStats(), null, pod, Origin);

        Assert.Equal("busy", s.Name);
        Assert.Equal(1u, s.Attempt);
        Assert.Equal(ContainerState.Unknown, s.State);
        Assert.Equal("p0d", s.PodId);
        Assert.Equal("web", s.PodName);
    }

    private static V1.PodSandboxStats PodSample()
    {
        var s = new V1.PodSandboxStats
        {
            Attributes = new V1.PodSandboxAttributes
            {
                Id = "p0d", Metadata = new V1.PodSandboxMetadata { Name = "web", Namespace = "shop", Uid = "u-1" },
            },
            Linux = new V1.LinuxPodSandboxStats
            {
                Cpu = new V1.CpuUsage { Timestamp = T0, UsageCoreNanoSeconds = new V1.UInt64Value { Value = 56_447_226 } },
                Memory = new V1.MemoryUsage { Timestamp = T0, WorkingSetBytes = new V1.UInt64Value { Value = 466_944 } },
                // As containerd 1.6 sends it: the default interface only, and no timestamp.
                Network = new V1.NetworkUsage
                {
                    DefaultInterface = new V1.NetworkInterfaceUsage
                    {
                        Name = "eth0", RxBytes = new V1.UInt64Value { Value = 1156 }, RxErrors = new V1.UInt64Value(),
                        TxBytes = new V1.UInt64Value { Value = 612 }, TxErrors = new V1.UInt64Value(),
                    },
                },
                Process = new V1.ProcessUsage { Timestamp = T0, ProcessCount = new V1.UInt64Value { Value = 2 } },
            },
        };
        var second = RunningContainerStats();
        second.Attributes.Id = "abc";
        second.Attributes.Metadata.Name = "aardvark";
        s.Linux.Containers.Add(RunningContainerStats());
        s.Linux.Containers.Add(second);
        return s;
    }

    [Fact]
    public void PodStatsMapCpuMemoryNetworkProcessesAndContainers()
    {
        var pod = new Pod { Id = "p0d", Name = "web", Namespace = "shop", Uid = "u-1" };
        var containers = new Dictionary<string, Container> { ["c0ffee"] = Listed };

        var s = StatsMapper.ToPodStats(PodSample(), pod, containers, Origin);

        Assert.Equal("p0d", s.PodId);
        Assert.Equal("web", s.Name);
        Assert.Equal("shop", s.Namespace);
        Assert.Equal("u-1", s.Uid);
        Assert.Equal(At(T0), s.Timestamp);
        Assert.Equal(56_447_226UL, s.CpuUsageCoreNanoSeconds);
        Assert.Equal(466_944UL, s.MemoryWorkingSetBytes);
        Assert.Null(s.MemoryUsageBytes);
        Assert.Equal("eth0", s.NetworkInterface);
        Assert.Equal(1156UL, s.NetworkRxBytes);
        Assert.Equal(0UL, s.NetworkRxErrors);
        Assert.Equal(612UL, s.NetworkTxBytes);
        Assert.Equal(0UL, s.NetworkTxErrors);
        Assert.Equal("eth0", Assert.Single(s.NetworkInterfaces).Name);
        Assert.Equal(2UL, s.ProcessCount);
        Assert.Equal(["aardvark", "busy"], s.Containers.Select(c => c.Name));
        Assert.All(s.Containers, c => Assert.Equal("p0d", c.PodId));
        Assert.All(s.Containers, c => Assert.Equal("shop", c.PodNamespace));
        Assert.Equal(ContainerState.Running, s.Containers[1].State);   // from the listing
        Assert.Equal(ContainerState.Unknown, s.Containers[0].State);   // not in it
        Assert.Equal("node-1", s.ComputerName);
    }

    [Fact]
    public void PodStatsListTheDefaultInterfaceFirstThenTheOthers()
    {
        var sample = PodSample();
        sample.Linux.Network.Interfaces.Add(new V1.NetworkInterfaceUsage { Name = "net1", RxBytes = new V1.UInt64Value { Value = 9 } });
        sample.Linux.Network.Interfaces.Add(new V1.NetworkInterfaceUsage { Name = "eth0", RxBytes = new V1.UInt64Value { Value = 1156 } });

        var s = StatsMapper.ToPodStats(sample, null, new Dictionary<string, Container>(), Origin);

        Assert.Equal(["eth0", "net1"], s.NetworkInterfaces.Select(i => i.Name));
        Assert.Equal(9UL, s.NetworkInterfaces[1].RxBytes);
        Assert.Null(s.NetworkInterfaces[1].TxBytes);
    }

    [Fact]
    public void PodStatsWithoutLinuxPartOrNetworkLeaveTheFiguresNull()
    {
        var sample = new V1.PodSandboxStats
        {
            Attributes = new V1.PodSandboxAttributes { Id = "p0d", Metadata = new V1.PodSandboxMetadata { Name = "web", Namespace = "shop" } },
        };

        var s = StatsMapper.ToPodStats(sample, null, new Dictionary<string, Container>(), Origin);

        Assert.Equal("web", s.Name);                // from the stats' own attributes when the listing lacks the pod
        Assert.Null(s.Timestamp);
        Assert.Null(s.CpuUsageCoreNanoSeconds);
        Assert.Null(s.MemoryWorkingSetBytes);
        Assert.Null(s.NetworkInterface);
        Assert.Null(s.NetworkRxBytes);
        Assert.Empty(s.NetworkInterfaces);
        Assert.Null(s.ProcessCount);
        Assert.Empty(s.Containers);
    }
}
