using CriPS.Engine.Conversion;
using static CriPS.Tests.Conversion.KubeletFixtures;

namespace CriPS.Tests.Conversion;

/// <summary>The kubelet's flags rewritten where the unit says they are: kubespray's kubelet.env, a drop-in's Environment= line, ExecStart.</summary>
public sealed class KubeletUnitRewriteTests
{
    private static readonly KubeletTarget ToContainerd = new(Containerd, "registry.k8s.io/pause:3.9", null, null);

    /// <summary>kubespray's kubelet.service (roles/kubernetes/node): every flag comes from /etc/kubernetes/kubelet.env.</summary>
    public const string KubesprayUnit = """
        [Unit]
        Description=Kubernetes Kubelet Server
        Documentation=https://github.com/GoogleCloudPlatform/kubernetes
        After=containerd.service
        Wants=containerd.service

        [Service]
        EnvironmentFile=-/etc/kubernetes/kubelet.env
        ExecStart=/usr/local/bin/kubelet \
        		$KUBE_LOGTOSTDERR \
        		$KUBE_LOG_LEVEL \
        		$KUBELET_API_SERVER \
        		$KUBELET_ADDRESS \
        		$KUBELET_PORT \
        		$KUBELET_HOSTNAME \
        		$KUBELET_ARGS \
        		$DOCKER_SOCKET \
        		$KUBELET_NETWORK_PLUGIN \
        		$KUBELET_VOLUME_PLUGIN \
        		$KUBELET_CLOUDPROVIDER
        Restart=always
        RestartSec=10s
        ExecStartPre=-/bin/mkdir -p /var/lib/kubelet/volume-plugins

        [Install]
        WantedBy=multi-user.target

        """;

    /// <summary>kubespray's kubelet.env: KUBELET_ARGS runs over several lines inside its quotes.</summary>
    public const string KubesprayEnv = """
        KUBE_LOGTOSTDERR="--logtostderr=true"
        KUBE_LOG_LEVEL="--v=2"
        KUBELET_ADDRESS="--node-ip=10.0.0.5"
        KUBELET_HOSTNAME="--hostname-override=node1"

        KUBELET_ARGS="--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf \
        --kubeconfig=/etc/kubernetes/kubelet.conf \
        --config=/etc/kubernetes/kubelet-config.yaml \
        --container-runtime=remote \
        --container-runtime-endpoint=unix:///var/run/cri-dockerd.sock \
        --runtime-cgroups=/systemd/system.slice \
          "
        KUBELET_NETWORK_PLUGIN="--network-plugin=cni --cni-conf-dir=/etc/cni/net.d --cni-bin-dir=/opt/cni/bin"
        KUBELET_CLOUDPROVIDER=""

        PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin

        """;

    // A kubeadm-flags.env left over from before kubespray took the node: the kubelet does not read it.
    private const string StaleKubeadmFlags = "KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///var/run/dockershim.sock\"\n";

    private static KubeletFiles Files(Dictionary<string, string> files, string? configYaml = null) =>
        new(null, null, configYaml, null) { Unit = KubeletUnitTests.Find(files) ?? throw new InvalidOperationException("no unit") };

    private static KubeletRewrite RewriteTwice(KubeletFiles files, string version)
    {
        var first = KubeletFilesRewriter.Rewrite(files, Version.Parse(version), ToContainerd);
        var second = KubeletFilesRewriter.Rewrite(first.Files, Version.Parse(version), ToContainerd);
        Assert.Equal(first.Files.Unit!.Texts, second.Files.Unit!.Texts);
        Assert.Empty(second.Changes);
        return first;
    }

    [Fact]
    public void KubespraysKubeletEnvIsReadAndRewrittenInPlace_TheStaleKubeadmFileIsLeftAlone()
    {
        var files = Files(new Dictionary<string, string>
        {
            ["/etc/systemd/system/kubelet.service"] = KubesprayUnit,
            ["/etc/kubernetes/kubelet.env"] = KubesprayEnv,
            [NodePaths.KubeadmFlagsEnv] = StaleKubeadmFlags,
        });

        var settings = KubeletSettings.Read(files);
        Assert.Equal(CriDockerd, settings.RuntimeEndpoint);
        Assert.Equal(KubeletSettingSource.EnvironmentFile, settings.SourceOf(nameof(KubeletSettings.RuntimeEndpoint)));
        Assert.Equal(new KubeletFlagHome(KubeletFlagHomeKind.EnvironmentFile, "/etc/kubernetes/kubelet.env", "KUBELET_ARGS"), settings.HomeOf(nameof(KubeletSettings.RuntimeEndpoint)));
        Assert.Equal("/etc/kubernetes/kubelet-config.yaml", settings.ConfigPath);
        Assert.Equal("cni", settings.NetworkPlugin);
        Assert.Equal(KubeletRuntimeKind.CriDockerd, settings.Kind(new Version(1, 26, 15)));

        var rewrite = RewriteTwice(files, "1.26.15");

        var expected = KubesprayEnv.Replace(CriDockerd, Containerd, StringComparison.Ordinal)
            .Replace("KUBELET_NETWORK_PLUGIN=\"--network-plugin=cni --cni-conf-dir=/etc/cni/net.d --cni-bin-dir=/opt/cni/bin\"", "KUBELET_NETWORK_PLUGIN=\"\"", StringComparison.Ordinal);
        Assert.Equal(expected, rewrite.Files.Unit!.Texts["/etc/kubernetes/kubelet.env"]);
        Assert.Same(KubesprayUnit, rewrite.Files.Unit.Texts["/etc/systemd/system/kubelet.service"]);
        Assert.False(rewrite.Files.Unit.Texts.ContainsKey(NodePaths.KubeadmFlagsEnv));
        Assert.Equal(
        [
            $"/etc/kubernetes/kubelet.env KUBELET_ARGS: --container-runtime-endpoint {CriDockerd} -> {Containerd}",
            "/etc/kubernetes/kubelet.env KUBELET_NETWORK_PLUGIN: removed --network-plugin=cni (a dockershim flag)",
            "/etc/kubernetes/kubelet.env KUBELET_NETWORK_PLUGIN: removed --cni-bin-dir=/opt/cni/bin (a dockershim flag)",
            "/etc/kubernetes/kubelet.env KUBELET_NETWORK_PLUGIN: removed --cni-conf-dir=/etc/cni/net.d (a dockershim flag)",
        ], rewrite.Changes);
        Assert.Equal(rewrite.Changes.Count, rewrite.ChangesByFile["/etc/kubernetes/kubelet.env"].Count);
        Assert.Empty(rewrite.Unwritable);
        Assert.Null(NodePlan.KubeletStillOnDocker(rewrite.Files, new Version(1, 26, 15), Containerd));
    }

    [Fact]
    public void ADockershimKubesprayNodeGetsTheEndpointInItsFirstEnvironmentVariable()
    {
        var env = "KUBE_LOG_LEVEL=\"--v=2\"\nKUBELET_ARGS=\"--config=/etc/kubernetes/kubelet-config.yaml\"\nKUBELET_NETWORK_PLUGIN=\"--network-plugin=cni\"\n";
        var files = Files(new Dictionary<string, string>
        {
            ["/etc/systemd/system/kubelet.service"] = KubesprayUnit,
            ["/etc/kubernetes/kubelet.env"] = env,
        });

        var rewrite = RewriteTwice(files, "1.23.17");

        Assert.Equal(
            $"KUBE_LOG_LEVEL=\"--container-runtime=remote --container-runtime-endpoint={Containerd} --v=2\"\nKUBELET_ARGS=\"--config=/etc/kubernetes/kubelet-config.yaml\"\nKUBELET_NETWORK_PLUGIN=\"\"\n",
            rewrite.Files.Unit!.Texts["/etc/kubernetes/kubelet.env"]);
        Assert.Null(NodePlan.KubeletStillOnDocker(rewrite.Files, new Version(1, 23, 17), Containerd));
    }

    private static Dictionary<string, string> KubeadmWithRuntimeDropIn(string runtimeDropIn) => new()
    {
        ["/usr/lib/systemd/system/kubelet.service"] = "[Service]\nExecStart=/usr/bin/kubelet\n",
        ["/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf"] = KubeletUnitTests.KubeadmDropIn,
        [NodePaths.KubeadmFlagsEnv] = CriDockerd128.KubeadmFlagsEnv!,
        ["/etc/systemd/system/kubelet.service.d/20-runtime.conf"] = runtimeDropIn,
    };

    [Fact]
    public void ADropInsEnvironmentLineIsRewrittenInPlace()
    {
        const string dropIn = "# the runtime, set by hand\n[Service]\nEnvironment=\"KUBELET_EXTRA_ARGS=--container-runtime-endpoint=unix:///var/run/cri-dockerd.sock --v=4\"  \"OTHER=x\"\r\n";
        var files = Files(KubeadmWithRuntimeDropIn(dropIn));

        var settings = KubeletSettings.Read(files);
        Assert.Equal(KubeletSettingSource.UnitEnvironment, settings.SourceOf(nameof(KubeletSettings.RuntimeEndpoint)));
        Assert.Equal("/etc/systemd/system/kubelet.service.d/20-runtime.conf", settings.HomeOf(nameof(KubeletSettings.RuntimeEndpoint))!.File);

        var rewrite = RewriteTwice(files, "1.28.9");

        Assert.Equal(dropIn.Replace(CriDockerd, Containerd, StringComparison.Ordinal), rewrite.Files.Unit!.Texts["/etc/systemd/system/kubelet.service.d/20-runtime.conf"]);
        Assert.Equal(
            $"KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint={Containerd} --pod-infra-container-image=registry.k8s.io/pause:3.9\"\n",
            rewrite.Files.Unit.Texts[NodePaths.KubeadmFlagsEnv]);
        Assert.Equal(
            [$"/etc/systemd/system/kubelet.service.d/20-runtime.conf Environment=KUBELET_EXTRA_ARGS: --container-runtime-endpoint {CriDockerd} -> {Containerd}"],
            rewrite.ChangesByFile["/etc/systemd/system/kubelet.service.d/20-runtime.conf"]);
        Assert.Same(KubeletUnitTests.KubeadmDropIn, rewrite.Files.Unit.Texts["/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf"]);
        Assert.Null(NodePlan.KubeletStillOnDocker(rewrite.Files, new Version(1, 28, 9), Containerd));
    }

    [Fact]
    public void AnEnvironmentLineThatAnEnvironmentFileOverridesIsNotTheOneEdited()
    {
        const string dropIn = "[Service]\nEnvironment=\"KUBELET_EXTRA_ARGS=--container-runtime-endpoint=unix:///var/run/cri-dockerd.sock\"\n";
        var layout = KubeadmWithRuntimeDropIn(dropIn);
        layout["/etc/default/kubelet"] = "KUBELET_EXTRA_ARGS=\n";
        var files = Files(layout);

        // /etc/default/kubelet sets KUBELET_EXTRA_ARGS too, and an environment file beats Environment=.
        Assert.Equal(KubeletSettingSource.KubeadmFlags, KubeletSettings.Read(files).SourceOf(nameof(KubeletSettings.RuntimeEndpoint)));
        var rewrite = RewriteTwice(files, "1.28.9");
        Assert.Same(dropIn, rewrite.Files.Unit!.Texts["/etc/systemd/system/kubelet.service.d/20-runtime.conf"]);
    }

    [Fact]
    public void AnEndpointOnExecStartIsReportedAndTheKubeletIsStillOnDocker()
    {
        const string dropIn = "[Service]\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_KUBEADM_ARGS --container-runtime-endpoint=unix:///var/run/cri-dockerd.sock\n";
        var files = Files(KubeadmWithRuntimeDropIn(dropIn));
        Assert.Equal(KubeletSettingSource.ExecStart, KubeletSettings.Read(files).SourceOf(nameof(KubeletSettings.RuntimeEndpoint)));

        var rewrite = KubeletFilesRewriter.Rewrite(files, new Version(1, 28, 9), ToContainerd);

        Assert.Same(dropIn, rewrite.Files.Unit!.Texts["/etc/systemd/system/kubelet.service.d/20-runtime.conf"]);
        var (home, change) = Assert.Single(rewrite.Unwritable);
        Assert.Equal(new KubeletFlagHome(KubeletFlagHomeKind.ExecStart, "/etc/systemd/system/kubelet.service.d/20-runtime.conf", null), home);
        Assert.Equal($"--container-runtime-endpoint {CriDockerd} -> {Containerd}", change);

        var finding = NodePlan.KubeletStillOnDocker(rewrite.Files, new Version(1, 28, 9), Containerd);
        Assert.NotNull(finding);
        Assert.Equal("KubeletStillOnDocker", finding.Id);
        Assert.Equal(FindingSeverity.Error, finding.Severity);
        Assert.Equal("/etc/systemd/system/kubelet.service.d/20-runtime.conf", finding.Target);
        Assert.Contains($"still use {CriDockerd} (set by /etc/systemd/system/kubelet.service.d/20-runtime.conf ExecStart)", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABracedVariableOnExecStartIsNotEditedInPlaceAndIsCaught()
    {
        const string dropIn = "[Service]\nEnvironment=CRI=unix:///var/run/cri-dockerd.sock\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_KUBEADM_ARGS --container-runtime-endpoint=${CRI}\n";
        var files = Files(KubeadmWithRuntimeDropIn(dropIn));

        var rewrite = KubeletFilesRewriter.Rewrite(files, new Version(1, 28, 9), ToContainerd);

        Assert.Single(rewrite.Unwritable);
        Assert.Equal("KubeletStillOnDocker", NodePlan.KubeletStillOnDocker(rewrite.Files, new Version(1, 28, 9), Containerd)?.Id);
    }

    [Fact]
    public void TheStillOnDockerCheckCatchesAKubeletWithNoPlaceForTheEndpoint()
    {
        // Only ExecStart literals: nothing to add the endpoint to, so the dockershim stays.
        var files = Files(new Dictionary<string, string> { ["/etc/systemd/system/kubelet.service"] = "[Service]\nExecStart=/usr/bin/kubelet --v=2\n" });

        var rewrite = KubeletFilesRewriter.Rewrite(files, new Version(1, 23, 17), ToContainerd);

        Assert.Empty(rewrite.Changes);
        var finding = NodePlan.KubeletStillOnDocker(rewrite.Files, new Version(1, 23, 17), Containerd);
        Assert.Contains("still use no runtime endpoint (set by the kubelet's default)", finding?.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Environment=\"A=--x=1 --y\"", '"', "--x=1 --y")]
    [InlineData("Environment='A=--x=1'", '\'', "--x=1")]
    [InlineData("Environment=A=\"--x=1 --y\" B=2", '"', "--x=1 --y")]
    [InlineData("Environment=B=2 A=--x=1", null, "--x=1")]
    [InlineData("Environment=A=--x=1 \\\n  B=2", null, "--x=1")]
    public void EnvironmentWordsAreFoundInPlaceInEachQuotingForm(string line, char? quote, string value)
    {
        var text = "[Service]\n" + line + "\n";
        var directive = Assert.Single(SystemdDropIn.ServiceDirectives(text));

        var (found, assignment) = EnvFileAssignment.FindInEnvironmentLine(text, directive.ValueStart, directive.ValueEnd, "A");

        Assert.True(found);
        Assert.Equal(quote, assignment!.Quote);
        Assert.Equal(value, assignment.RawValue(text));
    }

    [Fact]
    public void AnEnvironmentWordQuotedInTheMiddleIsFoundButNotEditable()
    {
        const string text = "[Service]\nEnvironment=A=--x=\"1 2\"--y\n";
        var directive = Assert.Single(SystemdDropIn.ServiceDirectives(text));

        Assert.Equal((true, null), EnvFileAssignment.FindInEnvironmentLine(text, directive.ValueStart, directive.ValueEnd, "A"));
    }

    [Fact]
    public void AMultiLineQuotedValueHidesTheAssignmentsItsLinesLookLike()
    {
        const string text = "A=\"--one \\\nB=--not-an-assignment\"\nB='--two\n--three'\nC=bare \\\n  continued\n";

        var all = EnvFileAssignment.All(text);

        Assert.Equal(["A", "B", "C"], all.Select(a => a.Name));
        Assert.Equal("--one B=--not-an-assignment", all[0].Value(text).Replace("\n", "", StringComparison.Ordinal));
        Assert.Equal("--two\n--three", all[1].Value(text));
        Assert.Equal("bare   continued", all[2].Value(text));
    }

    [Fact]
    public void OnlyAStepsOwnUnitFilesMakeItReloadSystemd()
    {
        var plan = new NodePlan { Containerd = new ContainerdCriSettings(false, "pause:1", "/etc/containerd/certs.d", null, null), KubeletEndpoint = Containerd };
        plan.Files.Add(PlannedFile.Text(KubeletStep.StepName, "/etc/kubernetes/kubelet.env", "", []));
        plan.Files.Add(PlannedFile.Text(KubeletStep.StepName, NodePaths.KubeadmFlagsEnv, "", []));
        Assert.False(plan.ChangesUnitsOf(KubeletStep.StepName));
        Assert.False(plan.ChangesUnitsOf(DockerSettingsStep.StepName));

        plan.Files.Add(PlannedFile.Text(KubeletStep.StepName, "/usr/lib/systemd/system/kubelet.service.d/20-runtime.conf", "", []));
        Assert.True(plan.ChangesUnitsOf(KubeletStep.StepName));
        Assert.False(plan.ChangesUnitsOf(DockerSettingsStep.StepName));

        plan.Files.Add(PlannedFile.Text(DockerSettingsStep.StepName, NodePaths.ContainerdDropIns + "/http-proxy.conf", "", []));
        Assert.True(plan.ChangesUnitsOf(DockerSettingsStep.StepName));
    }
}
