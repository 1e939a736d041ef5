using CriPS.Engine.Mapping;
using CriPS.Engine.Resources;
using V1 = CriPS.Engine.Cri.V1;

namespace CriPS.Tests;

public class ResourceTests
{
    // ---- Update-CriContainer: validation ----

    [Fact]
    public void AnUpdateWithoutAnyLimitIsRefused()
    {
        var e = Assert.Throws<CriException>(() => new ResourceUpdate().Validate());
        Assert.Equal("CriNoResourceGiven", e.ErrorId);
        Assert.Equal(CriErrorCategory.InvalidArgument, e.Category);
    }

    [Theory]
    [InlineData("0", true)]
    [InlineData("0-3", true)]
    [InlineData("0-2,4,6-7", true)]
    [InlineData("2-2", true)]
    [InlineData("3-1", false)]
    [InlineData("", false)]
    [InlineData("0,", false)]
    [InlineData("a-b", false)]
    [InlineData("0 - 1", false)]
    [InlineData("-1", false)]
    [InlineData("99999999999", false)]
    public void CpuListsAreNumbersAndAscendingRanges(string text, bool valid) =>
        Assert.Equal(valid, ResourceUpdate.IsCpuList(text));

    [Theory]
    [InlineData(999L, null, null, "CpuQuota")]
    [InlineData(0L, null, null, "CpuQuota")]
    [InlineData(null, 64L * 1024 * 1024, 32L * 1024 * 1024, "MemorySwapBytes")]
    [InlineData(null, null, 0L, "MemorySwapBytes")]
    [InlineData(null, null, -2L, "MemorySwapBytes")]
    public void ValuesTheKernelRefusesAreRefusedFirstNamingTheParameter(long? quota, long? memory, long? swap, string parameter)
    {
        var e = Assert.Throws<CriException>(() => new ResourceUpdate { CpuQuota = quota, MemoryBytes = memory, MemorySwapBytes = swap }.Validate());
        Assert.Equal("CriInvalidResource", e.ErrorId);
        Assert.Contains($"-{parameter}", e.Message);
    }

    [Theory]
    [InlineData(-1L, null, null)]
    [InlineData(1000L, null, null)]
    [InlineData(null, 64L * 1024 * 1024, -1L)]
    [InlineData(null, 64L * 1024 * 1024, 64L * 1024 * 1024)]
    public void ValidValuesPass(long? quota, long? memory, long? swap) =>
        new ResourceUpdate { CpuQuota = quota, MemoryBytes = memory, MemorySwapBytes = swap, CpuShares = 2 }.Validate();

    // ---- Update-CriContainer: the request ----

    private static V1.LinuxContainerResources Current() => new()
    {
        CpuPeriod = 100000, CpuQuota = 50000, CpuShares = 256, CpusetCpus = "0-1", CpusetMems = "0",
        MemoryLimitInBytes = 64 << 20, MemorySwapLimitInBytes = 128 << 20, OomScoreAdj = 500,
        HugepageLimits = { new V1.HugepageLimit { PageSize = "2MB", Limit = 1 << 21 } },
        Unified = { ["memory.high"] = "1000000" },
    };

    [Fact]
    public void OnlyTheGivenLimitChangesTheOthersAreSentAsTheRuntimeReportsThem()
    {
        var r = new ResourceUpdate { CpuShares = 512 }.Merge(Current());

        Assert.Equal(512, r.CpuShares);
        Assert.Equal(100000, r.CpuPeriod);
        Assert.Equal(50000, r.CpuQuota);
        Assert.Equal("0-1", r.CpusetCpus);
        Assert.Equal("0", r.CpusetMems);
        Assert.Equal(64 << 20, r.MemoryLimitInBytes);
        Assert.Equal(128 << 20, r.MemorySwapLimitInBytes);
        Assert.Equal(500, r.OomScoreAdj);
    }

    [Fact]
    public void ANewMemoryLimitWithoutASwapLimitLeavesTheSwapToTheRuntime()
    {
        var r = new ResourceUpdate { MemoryBytes = 256 << 20 }.Merge(Current());

        Assert.Equal(256 << 20, r.MemoryLimitInBytes);
        Assert.Equal(0, r.MemorySwapLimitInBytes);
        Assert.Equal(50000, r.CpuQuota);
    }

    [Fact]
    public void AGivenSwapLimitIsSent()
    {
        var r = new ResourceUpdate { MemoryBytes = 256 << 20, MemorySwapBytes = -1 }.Merge(Current());

        Assert.Equal(-1, r.MemorySwapLimitInBytes);
    }

    [Fact]
    public void HugepageAndUnifiedLimitsAreNeverSentBack()
    {
        // containerd appends hugepage limits on update: sending them back would double them.
        var r = new ResourceUpdate { CpuQuota = 20000 }.Merge(Current());

        Assert.Empty(r.HugepageLimits);
        Assert.Empty(r.Unified);
        Assert.Equal(20000, r.CpuQuota);
    }

    [Fact]
    public void WithoutTheRuntimesLimitsOnlyTheGivenOnesAreSent()
    {
        var r = new ResourceUpdate { CpusetCpus = "0", OomScoreAdj = -10 }.Merge(null);

        Assert.Equal(new V1.LinuxContainerResources { CpusetCpus = "0", OomScoreAdj = -10 }, r);
    }

    // ---- Set-CriRuntimeConfig ----

    [Theory]
    [InlineData(new[] { "10.244.1.0/24" }, "10.244.1.0/24")]
    [InlineData(new[] { "10.244.1.5/24" }, "10.244.1.5/24")]
    [InlineData(new[] { "10.244.1.0/24", "fd00:10:244:1::/64" }, "10.244.1.0/24,fd00:10:244:1::/64")]
    [InlineData(new[] { "fd00::/64, 10.0.0.0/8" }, "fd00::/64,10.0.0.0/8")]
    [InlineData(new[] { "0.0.0.0/0" }, "0.0.0.0/0")]
    [InlineData(new[] { "::/128" }, "::/128")]
    public void PodCidrsAreCheckedAndJoined(string[] cidrs, string expected) =>
        Assert.Equal(expected, PodCidr.Join(cidrs));

    [Theory]
    [InlineData("10.244.1.0/33")]
    [InlineData("10.244.1.0")]
    [InlineData("10.244/16")]
    [InlineData("10.244.1.0/")]
    [InlineData("/24")]
    [InlineData("10.244.1.0/+24")]
    [InlineData("10.244.1.0/0024")]
    [InlineData("fd00::/129")]
    [InlineData("fe80::1%eth0/64")]
    [InlineData("example.com/24")]
    [InlineData("")]
    public void MalformedPodCidrsAreRefusedNamingTheCidr(string cidr)
    {
        var e = Assert.Throws<CriException>(() => PodCidr.Join([cidr]));
        Assert.Equal("CriInvalidPodCidr", e.ErrorId);
        Assert.Equal(CriErrorCategory.InvalidArgument, e.Category);
    }

    [Fact]
    public void TwoPodCidrsOfOneFamilyAreRefused()
    {
        var e = Assert.Throws<CriException>(() => PodCidr.Join(["10.1.0.0/16", "10.2.0.0/16"]));
        Assert.Equal("10.2.0.0/16", e.Target);
    }

    [Fact]
    public void NoPodCidrIsRefused() =>
        Assert.Equal("CriInvalidPodCidr", Assert.Throws<CriException>(() => PodCidr.Join([])).ErrorId);

    // ---- Checkpoint-CriContainer: CRIU's reason ----

    private const string RuncWords = "checkpointing container \"d645\" failed: runc did not terminate successfully: exit status 1: criu failed: "
                                     + "type DUMP errno 0 path= /run/ctd/state/io.containerd.runtime.v2.task/k8s.io/d645/criu-dump.log";

    [Fact]
    public void TheLogPathIsFoundInRuncsWords()
    {
        Assert.Equal("/run/ctd/state/io.containerd.runtime.v2.task/k8s.io/d645/criu-dump.log", CriuLog.PathIn(RuncWords));
        Assert.Null(CriuLog.PathIn("checkpointing container \"d645\" failed: container is not running"));
    }

    [Fact]
    public void TheLogPathIsFoundInTheRuncCommandsWordsAsCriOPassesThemOn()
    {
        // CRI-O 1.36.3 with runc 1.1.5, as measured: runc's stderr quoted, its newline escaped.
        const string words = "failed to checkpoint container 6873: running \"runc\" [\"checkpoint\"] failed: time=\"2026-12-06T07:12:54Z\" level=error "
            + "msg=\"criu failed: type DUMP errno 0\\nlog file: /tmp/hb-crio/storage/overlay-containers/6873/userdata/dump.log\"\n : exit status 1";
        Assert.Equal("/tmp/hb-crio/storage/overlay-containers/6873/userdata/dump.log", CriuLog.PathIn(words));
        // The same with a real newline.
        Assert.Equal("/x/dump.log", CriuLog.PathIn("criu failed: type DUMP errno 0\nlog file: /x/dump.log"));
    }

    [Fact]
    public void TheErrorLinesOfTheLogAreCriusReason()
    {
        const string log = "(00.121000) Version: 3.17.1\n"
                           + "(00.121902) Error (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds\n"
                           + "(00.121906) Error (criu/vdso.c:613): vdso: Failed to fill self vdso symtable\n"
                           + "(00.121908) Error (criu/kerndat.c:1615): kerndat_vdso_fill_symtable failed when initializing kerndat.\n"
                           + "(00.121999) Error (criu/crtools.c:260): Could not initialize kernel features detection.\n";

        Assert.Equal("vdso: Unexpected rt vDSO area bounds; vdso: Failed to fill self vdso symtable; kerndat_vdso_fill_symtable failed when initializing kerndat.",
            CriuLog.ErrorsIn(log));
        Assert.Null(CriuLog.ErrorsIn("(00.1) Warn (criu/x.c:1): nothing fatal\n"));
    }

    [Fact]
    public void OnlyTheTailOfALongLogIsRead()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "(0) Error (a.c:1): an early error\n" + new string('x', CriuLog.MaxTail) + "\n(1) Error (b.c:2): the last error\n");
            Assert.Equal("the last error", CriuLog.Errors(path));
            Assert.Null(CriuLog.Errors(path + ".missing"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    // ---- Get-CriPodMetric ----

    private static readonly Pod Web = new() { Id = "0196fc7ae70cf", Name = "web", Namespace = "default" };

    [Fact]
    public void LabelsArePairedWithTheDescriptorsKeysInOrder()
    {
        var labels = MetricMapper.ToLabels(["web", "default", "", "0196fc", "", "eth0"], ["pod", "namespace", "container", "id", "image", "interface"]);

        Assert.Equal(["pod", "namespace", "container", "id", "image", "interface"], labels.Keys.Cast<string>());
        Assert.Equal("eth0", labels["interface"]);
    }

    [Fact]
    public void LabelsWithoutADescribedKeyAreNumbered()
    {
        var labels = MetricMapper.ToLabels(["a", "b", "c"], ["pod", "pod"]);

        Assert.Equal(["pod", "label2", "label3"], labels.Keys.Cast<string>());
    }

    [Fact]
    public void ASampleCarriesItsPodItsContainerItsKindAndItsTime()
    {
        var sample = new V1.Metric
        {
            Name = "container_memory_usage_bytes", Timestamp = 1_795_824_000_123_456_789, MetricType = V1.MetricType.Gauge,
            LabelValues = { "web", "default", "nginx", "6f1c0e", "nginx:1.27" }, Value = new V1.UInt64Value { Value = 2621440 },
        };
        var keys = new Dictionary<string, string[]> { ["container_memory_usage_bytes"] = ["pod", "namespace", "container", "id", "image"] };

        var m = MetricMapper.ToPodMetric(sample, Web, "6f1c0e", keys);

        Assert.Equal(("0196fc7ae70cf", "web", "default", "6f1c0e"), (m.PodId, m.PodName, m.PodNamespace, m.ContainerId));
        Assert.Equal(MetricType.Gauge, m.Type);
        Assert.Equal(2621440UL, m.Value);
        Assert.Equal("nginx", m.Labels["container"]);
        Assert.Equal(new DateTime(2026, 11, 28, 0, 0, 0, 123, DateTimeKind.Utc).AddTicks(4567), m.Timestamp);
        Assert.Equal(DateTimeKind.Utc, m.Timestamp!.Value.Kind);
    }

    [Fact]
    public void APodsOwnSamplesComeFirstAndHaveNoContainer()
    {
        var metrics = new V1.PodSandboxMetrics
        {
            PodSandboxId = Web.Id,
            Metrics = { new V1.Metric { Name = "container_network_receive_bytes_total", Value = new V1.UInt64Value { Value = 1314 } } },
            ContainerMetrics = { new V1.ContainerMetrics { ContainerId = "6f1c0e", Metrics = { new V1.Metric { Name = "container_cpu_usage_seconds_total" } } } },
        };

        var all = MetricMapper.ToPodMetrics(metrics, Web, new Dictionary<string, string[]>()).ToList();

        Assert.Equal([null, "6f1c0e"], all.Select(m => m.ContainerId));
        Assert.Equal(MetricType.Counter, all[0].Type);
        Assert.Null(all[0].Timestamp);
        Assert.Null(all[1].Value);
    }
}
