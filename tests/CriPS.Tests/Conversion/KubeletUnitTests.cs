using CriPS.Engine.Conversion;
using static CriPS.Tests.Conversion.KubeletFixtures;

namespace CriPS.Tests.Conversion;

/// <summary>kubelet.service read as systemd reads it: which files count, in which order, and what the command line is.</summary>
public sealed class KubeletUnitTests
{
    /// <summary>The unit found in a set of node files, listed and read as NodeFiles does.</summary>
    internal static KubeletUnit? Find(IReadOnlyDictionary<string, string> files) => KubeletUnit.Find(
        path => files.GetValueOrDefault(path),
        directory => files.Keys.Where(p => NodeFiles.ParentOf(p) == directory && p.EndsWith(".conf", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList());

    private static List<string> Words(KubeletUnit unit) => unit.Arguments.SelectMany(a => a.Words).ToList();

    [Fact]
    public void DropInsAreMergedByNameWithEtcFirstAndAppliedInNameOrder()
    {
        var unit = Find(new Dictionary<string, string>
        {
            ["/usr/lib/systemd/system/kubelet.service"] = "[Service]\nExecStart=/usr/bin/kubelet --from-usr-lib\n",
            ["/etc/systemd/system/kubelet.service"] = "[Unit]\nDescription=kubelet\n[Service]\nExecStart=/usr/bin/kubelet $A\n",
            ["/usr/lib/systemd/system/kubelet.service.d/10-a.conf"] = "[Service]\nEnvironment=A=--hidden\n",
            ["/etc/systemd/system/kubelet.service.d/10-a.conf"] = "[Service]\nEnvironment=A=--from-etc\n",
            ["/run/systemd/system/kubelet.service.d/05-b.conf"] = "[Service]\nEnvironment=A=--earlier\n",
            ["/lib/systemd/system/kubelet.service.d/20-c.conf"] = "[Service]\nEnvironment=\"B=--later\"\n",
            ["/etc/systemd/system/kubelet.service.d/notes.txt"] = "[Service]\nEnvironment=A=--not-a-drop-in\n",
        })!;

        Assert.Equal("/etc/systemd/system/kubelet.service", unit.UnitPath);
        Assert.Equal(
            ["/run/systemd/system/kubelet.service.d/05-b.conf", "/etc/systemd/system/kubelet.service.d/10-a.conf", "/lib/systemd/system/kubelet.service.d/20-c.conf"],
            unit.DropIns);
        var run = Assert.Single(unit.Arguments);
        Assert.Equal(["--from-etc"], run.Words);
        Assert.Equal(new KubeletFlagHome(KubeletFlagHomeKind.UnitEnvironment, "/etc/systemd/system/kubelet.service.d/10-a.conf", "A"), run.Home);
    }

    [Fact]
    public void AnEmptyExecStartResetsItAndOnlyTheLastOneCounts()
    {
        var files = new Dictionary<string, string>
        {
            ["/lib/systemd/system/kubelet.service"] = "[Service]\nExecStart=/usr/bin/kubelet --old-flag\n",
            ["/etc/systemd/system/kubelet.service.d/10-kubeadm.conf"] = "[Service]\nExecStart=\nExecStart=/usr/bin/kubelet \\\n  --new-flag \\\n  --v=2\n",
        };
        var unit = Find(files)!;
        Assert.Equal(["--new-flag", "--v=2"], Words(unit));
        Assert.Equal("/etc/systemd/system/kubelet.service.d/10-kubeadm.conf", unit.ExecStartFile);
        Assert.Equal(KubeletFlagHomeKind.ExecStart, Assert.Single(unit.Arguments).Home.Kind);

        files["/etc/systemd/system/kubelet.service.d/99-reset.conf"] = "[Service]\nExecStart=\n";
        Assert.Null(Find(files));
    }

    [Fact]
    public void ADollarWordSplitsTheValueAndBracesSubstituteItAsOneArgument()
    {
        var unit = Find(new Dictionary<string, string>
        {
            ["/etc/systemd/system/kubelet.service"] =
                "[Service]\nEnvironment=\"ARGS=--a=1 --b 2\" 'LABELS=role=x zone=y' EMPTY=\nExecStart=-/usr/bin/kubelet $ARGS --node-labels=${LABELS} $EMPTY $UNSET \"$$HOME\"\n",
        })!;

        Assert.Equal(["--a=1", "--b", "2", "--node-labels=role=x zone=y", "$HOME"], Words(unit));
        // $EMPTY is a run of no words; $UNSET is none at all.
        Assert.Equal([KubeletFlagHomeKind.UnitEnvironment, KubeletFlagHomeKind.ExecStart, KubeletFlagHomeKind.UnitEnvironment, KubeletFlagHomeKind.ExecStart],
            unit.Arguments.Select(a => a.Home.Kind));
        Assert.Equal(["ARGS", null, "EMPTY", null], unit.Arguments.Select(a => a.Home.Variable));
    }

    [Fact]
    public void EnvironmentFilesOverrideEnvironmentLinesAndALaterFileAnEarlierOne()
    {
        var unit = Find(new Dictionary<string, string>
        {
            ["/etc/systemd/system/kubelet.service"] =
                "[Service]\nEnvironment=A=--unit B=--unit C=--unit\nEnvironmentFile=-/etc/kubernetes/first.env\nEnvironmentFile=-/etc/kubernetes/missing.env /etc/kubernetes/second.env\nExecStart=/usr/bin/kubelet $A $B $C\n",
            ["/etc/kubernetes/first.env"] = "A=--first\nB=--first\n",
            ["/etc/kubernetes/second.env"] = "# second\nB=\"--second\"\n",
        })!;

        Assert.Equal(["--first", "--second", "--unit"], Words(unit));
        Assert.Equal(["/etc/kubernetes/first.env", "/etc/kubernetes/second.env", "/etc/systemd/system/kubelet.service"], unit.Arguments.Select(a => a.Home.File));
        Assert.Equal([("/etc/kubernetes/first.env", true), ("/etc/kubernetes/missing.env", true), ("/etc/kubernetes/second.env", false)], unit.EnvironmentFiles);
        Assert.Null(unit.Texts["/etc/kubernetes/missing.env"]);
    }

    [Fact]
    public void NoUnitAndNoExecStartMeanKubeadmsTwoFilesAsBefore()
    {
        Assert.Null(Find(new Dictionary<string, string>()));
        Assert.Null(Find(new Dictionary<string, string> { ["/etc/systemd/system/kubelet.service.d/20-x.conf"] = "[Service]\nEnvironment=A=1\n" }));

        var settings = KubeletSettings.Read(CriDockerd126);
        Assert.Equal(CriDockerd, settings.RuntimeEndpoint);
        Assert.Equal(new KubeletFlagHome(KubeletFlagHomeKind.EnvironmentFile, NodePaths.KubeadmFlagsEnv, "KUBELET_KUBEADM_ARGS"),
            settings.HomeOf(nameof(KubeletSettings.RuntimeEndpoint)));
    }

    [Fact]
    public void KubeadmsDropInBelowUsrLibReadsTheSameFilesAsTheFallback()
    {
        var files = new Dictionary<string, string>
        {
            ["/usr/lib/systemd/system/kubelet.service"] = "[Service]\nExecStart=/usr/bin/kubelet\nRestart=always\n",
            ["/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf"] = KubeadmDropIn,
            [NodePaths.KubeadmFlagsEnv] = CriDockerd128.KubeadmFlagsEnv!,
            ["/etc/default/kubelet"] = "KUBELET_EXTRA_ARGS=--cgroup-driver=systemd\n",
        };
        var settings = KubeletSettings.Read(new KubeletFiles(null, null, null, null) { Unit = Find(files) });

        Assert.Equal(CriDockerd, settings.RuntimeEndpoint);
        Assert.Equal(KubeletSettingSource.KubeadmFlags, settings.SourceOf(nameof(KubeletSettings.RuntimeEndpoint)));
        Assert.Equal(KubeletSettingSource.ExtraArgs, settings.SourceOf(nameof(KubeletSettings.CgroupDriver)));
        Assert.Equal("/var/lib/kubelet/config.yaml", settings.ConfigPath);
        Assert.Equal(KubeletSettingSource.UnitEnvironment, settings.SourceOf(nameof(KubeletSettings.ConfigPath)));
    }

    public const string KubeadmDropIn = """
        # Note: This dropin only works with kubeadm and kubelet v1.11+
        [Service]
        Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"
        Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
        EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
        EnvironmentFile=-/etc/default/kubelet
        ExecStart=
        ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS

        """;
}
