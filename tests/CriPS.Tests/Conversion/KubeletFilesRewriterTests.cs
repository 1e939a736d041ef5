using CriPS.Engine.Conversion;
using static CriPS.Tests.Conversion.KubeletFixtures;

namespace CriPS.Tests.Conversion;

public sealed class KubeletFilesRewriterTests
{
    private static readonly KubeletTarget ToContainerd = new(Containerd, "registry.k8s.io/pause:3.9", null, null);

    private static KubeletRewrite RewriteTwice(KubeletFiles files, string version, KubeletTarget target)
    {
        var first = KubeletFilesRewriter.Rewrite(files, Version.Parse(version), target);
        var second = KubeletFilesRewriter.Rewrite(first.Files, Version.Parse(version), target);
        // Idempotent: the second run finds nothing to do and returns the very same texts.
        Assert.Equal(first.Files, second.Files);
        Assert.Empty(second.Changes);
        return first;
    }

    [Fact]
    public void Dockershim123GetsARemoteRuntimeAndEndpointAndLosesItsNetworkPlugin()
    {
        var target = new KubeletTarget(Containerd, "registry.k8s.io/pause:3.6", "10M", 3);

        var rewrite = RewriteTwice(Dockershim123, "1.23.17", target);

        Assert.Equal(
            $"KUBELET_KUBEADM_ARGS=\"--container-runtime=remote --container-runtime-endpoint={Containerd} --pod-infra-container-image=registry.k8s.io/pause:3.6\"\n",
            rewrite.Files.KubeadmFlagsEnv);
        Assert.Same(Dockershim123.DefaultsEnv, rewrite.Files.DefaultsEnv);
        Assert.Equal(ConfigYaml123 + "containerLogMaxSize: 10M\ncontainerLogMaxFiles: 3\n", rewrite.Files.ConfigYaml);
        Assert.Null(rewrite.Files.InstanceConfigYaml);
        Assert.Equal(
        [
            "kubeadm-flags.env: removed --network-plugin=cni (a dockershim flag)",
            "kubeadm-flags.env: --pod-infra-container-image k8s.gcr.io/pause:3.6 -> registry.k8s.io/pause:3.6",
            "kubeadm-flags.env: added --container-runtime=remote",
            $"kubeadm-flags.env: added --container-runtime-endpoint={Containerd}",
            "config.yaml: added containerLogMaxSize: 10M",
            "config.yaml: added containerLogMaxFiles: 3",
        ], rewrite.Changes);
    }

    [Fact]
    public void CriDockerd126KeepsTheRemoteRuntimeFlagAndSwapsTheEndpoint()
    {
        var rewrite = RewriteTwice(CriDockerd126, "1.26.15", ToContainerd);

        Assert.Equal(
            $"KUBELET_KUBEADM_ARGS=\"--container-runtime=remote --container-runtime-endpoint={Containerd} --pod-infra-container-image=registry.k8s.io/pause:3.9\"\n",
            rewrite.Files.KubeadmFlagsEnv);
        Assert.Same(CriDockerd126.ConfigYaml, rewrite.Files.ConfigYaml);
        Assert.Null(rewrite.Files.DefaultsEnv);
        Assert.Equal([$"kubeadm-flags.env: --container-runtime-endpoint {CriDockerd} -> {Containerd}"], rewrite.Changes);
    }

    [Fact]
    public void CriDockerd128SwapsTheEndpointFlagWhereItWas()
    {
        var rewrite = RewriteTwice(CriDockerd128, "1.28.9", ToContainerd);

        Assert.Equal(
            $"KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint={Containerd} --pod-infra-container-image=registry.k8s.io/pause:3.9\"\n",
            rewrite.Files.KubeadmFlagsEnv);
        Assert.Same(CriDockerd128.DefaultsEnv, rewrite.Files.DefaultsEnv);
        Assert.Same(CriDockerd128.ConfigYaml, rewrite.Files.ConfigYaml);
        Assert.Equal([$"kubeadm-flags.env: --container-runtime-endpoint {CriDockerd} -> {Containerd}"], rewrite.Changes);
    }

    [Fact]
    public void AnUpgradedNodeLosesTheContainerRuntimeFlagFrom127On()
    {
        var rewrite = RewriteTwice(CriDockerd126, "1.27.0", ToContainerd);

        Assert.Equal(
            $"KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint={Containerd} --pod-infra-container-image=registry.k8s.io/pause:3.9\"\n",
            rewrite.Files.KubeadmFlagsEnv);
        Assert.Equal(
        [
            "kubeadm-flags.env: removed --container-runtime=remote (removed in kubelet 1.27)",
            $"kubeadm-flags.env: --container-runtime-endpoint {CriDockerd} -> {Containerd}",
        ], rewrite.Changes);
    }

    [Fact]
    public void Config129KeepsTheEndpointInConfigYamlAndDropsAFlagThatWouldOverrideIt()
    {
        var files = Config129 with { KubeadmFlagsEnv = $"KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint={CriDockerd} --pod-infra-container-image=registry.k8s.io/pause:3.9\"\n" };

        var rewrite = RewriteTwice(files, "1.29.4", ToContainerd);

        Assert.Equal("KUBELET_KUBEADM_ARGS=\"--pod-infra-container-image=registry.k8s.io/pause:3.9\"\n", rewrite.Files.KubeadmFlagsEnv);
        Assert.Equal(ConfigYaml129.Replace(CriDockerd, Containerd, StringComparison.Ordinal), rewrite.Files.ConfigYaml);
        Assert.Equal(
        [
            $"kubeadm-flags.env: removed --container-runtime-endpoint={CriDockerd} (the endpoint is set in config.yaml)",
            $"config.yaml: containerRuntimeEndpoint {CriDockerd} -> {Containerd}",
        ], rewrite.Changes);
    }

    [Fact]
    public void Config129WithoutAnEndpointFlagLeavesTheFlagsFileAsItWas()
    {
        var rewrite = RewriteTwice(Config129, "1.29.4", ToContainerd);

        Assert.Same(Config129.KubeadmFlagsEnv, rewrite.Files.KubeadmFlagsEnv);
        Assert.Equal([$"config.yaml: containerRuntimeEndpoint {CriDockerd} -> {Containerd}"], rewrite.Changes);
    }

    [Fact]
    public void InstanceConfigHoldsTheEndpointAndConfigYamlFollowsIt_PodInfraFlagGoesAt135()
    {
        var rewrite = RewriteTwice(InstanceConfig, "1.35.0", new KubeletTarget(Containerd, "registry.k8s.io/pause:3.10.1", null, null));

        Assert.Equal("KUBELET_KUBEADM_ARGS=\"--node-ip=10.0.0.5\"\n", rewrite.Files.KubeadmFlagsEnv);
        Assert.Equal(
            $"apiVersion: kubelet.config.k8s.io/v1beta1\ncontainerRuntimeEndpoint: {Containerd}\nkind: KubeletConfiguration\n",
            rewrite.Files.InstanceConfigYaml);
        Assert.Equal(ConfigYaml129.Replace(CriDockerd, Containerd, StringComparison.Ordinal), rewrite.Files.ConfigYaml);
        Assert.Equal(
        [
            "kubeadm-flags.env: removed --pod-infra-container-image=registry.k8s.io/pause:3.10 (removed in kubelet 1.35; the runtime's sandbox image is used)",
            $"config.yaml: containerRuntimeEndpoint {CriDockerd} -> {Containerd}",
            $"instance-config.yaml: containerRuntimeEndpoint {CriDockerd} -> {Containerd}",
        ], rewrite.Changes);
    }

    [Fact]
    public void InstanceConfigWithoutTheKeyGetsItAddedToBothFiles()
    {
        var files = new KubeletFiles(null, null, "kind: KubeletConfiguration\n", "kind: KubeletConfiguration");

        var rewrite = RewriteTwice(files, "1.34.0", ToContainerd);

        Assert.Null(rewrite.Files.KubeadmFlagsEnv);
        Assert.Equal($"kind: KubeletConfiguration\ncontainerRuntimeEndpoint: {Containerd}\n", rewrite.Files.ConfigYaml);
        Assert.Equal($"kind: KubeletConfiguration\ncontainerRuntimeEndpoint: {Containerd}\n", rewrite.Files.InstanceConfigYaml);
    }

    [Fact]
    public void QuotedAndSeparateValueFlagsKeepTheirFormAndTheRestOfTheLine()
    {
        var files = new KubeletFiles(
            "# Generated by kubeadm\n\nKUBELET_KUBEADM_ARGS=\"--node-labels='role=worker, zone=a'  --container-runtime-endpoint \\\"unix:///var/run/cri-dockerd.sock\\\" --cni-conf-dir /etc/cni/net.d --v=2\"\r\n",
            null, null, null);

        var rewrite = RewriteTwice(files, "1.25.0", ToContainerd);

        Assert.Equal(
            $"# Generated by kubeadm\n\nKUBELET_KUBEADM_ARGS=\"--node-labels='role=worker, zone=a'  --container-runtime-endpoint {Containerd} --v=2\"\r\n",
            rewrite.Files.KubeadmFlagsEnv);
        Assert.Equal(
        [
            "kubeadm-flags.env: removed --cni-conf-dir=/etc/cni/net.d (a dockershim flag)",
            $"kubeadm-flags.env: --container-runtime-endpoint {CriDockerd} -> {Containerd}",
        ], rewrite.Changes);
    }

    [Fact]
    public void TheDefaultsFileIsRewrittenWhereItOverridesKubeadm()
    {
        var files = new KubeletFiles(
            $"KUBELET_KUBEADM_ARGS=\"--container-runtime=remote --container-runtime-endpoint={CriDockerd}\"\n",
            "# extra flags\nKUBELET_EXTRA_ARGS='--docker-endpoint=unix:///var/run/docker.sock --container-runtime docker --cgroup-driver=systemd --container-log-max-size=5Mi'\n",
            null, null);

        var rewrite = RewriteTwice(files, "1.23.5", new KubeletTarget(Containerd, "registry.k8s.io/pause:3.6", "10M", null));

        Assert.Equal($"KUBELET_KUBEADM_ARGS=\"--container-runtime=remote --container-runtime-endpoint={Containerd}\"\n", rewrite.Files.KubeadmFlagsEnv);
        Assert.Equal("# extra flags\nKUBELET_EXTRA_ARGS='--container-runtime remote --cgroup-driver=systemd --container-log-max-size=10M'\n", rewrite.Files.DefaultsEnv);
        Assert.Equal(
        [
            $"kubeadm-flags.env: --container-runtime-endpoint {CriDockerd} -> {Containerd}",
            "KUBELET_EXTRA_ARGS: removed --docker-endpoint=unix:///var/run/docker.sock (a dockershim flag)",
            "KUBELET_EXTRA_ARGS: --container-runtime docker -> remote",
            "KUBELET_EXTRA_ARGS: --container-log-max-size 5Mi -> 10M",
        ], rewrite.Changes);
    }

    [Fact]
    public void AnEndpointFlagInTheDefaultsFileIsSetThereAndNotAddedToKubeadm()
    {
        var files = new KubeletFiles("KUBELET_KUBEADM_ARGS=\"--node-ip=10.0.0.5\"\n", $"KUBELET_EXTRA_ARGS=--container-runtime-endpoint={CriDockerd}\n", null, null);

        var rewrite = RewriteTwice(files, "1.30.0", ToContainerd);

        Assert.Same(files.KubeadmFlagsEnv, rewrite.Files.KubeadmFlagsEnv);
        Assert.Equal($"KUBELET_EXTRA_ARGS=--container-runtime-endpoint={Containerd}\n", rewrite.Files.DefaultsEnv);
    }

    [Fact]
    public void MissingFlagsFileOrVariableIsCreatedForADockershimNode()
    {
        var none = RewriteTwice(new KubeletFiles(null, null, null, null), "1.22.0", ToContainerd);
        Assert.Equal($"KUBELET_KUBEADM_ARGS=\"--container-runtime=remote --container-runtime-endpoint={Containerd}\"\n", none.Files.KubeadmFlagsEnv);

        var noVariable = RewriteTwice(new KubeletFiles("# nothing yet", null, null, null), "1.29.0", ToContainerd);
        Assert.Equal($"# nothing yet\nKUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint={Containerd}\"\n", noVariable.Files.KubeadmFlagsEnv);
        Assert.Equal([$"kubeadm-flags.env: added --container-runtime-endpoint={Containerd}"], noVariable.Changes);
    }

    [Fact]
    public void TheEndpointGoesRightAfterADockerRuntimeFlag()
    {
        var files = new KubeletFiles("KUBELET_KUBEADM_ARGS=\"--node-ip=10.0.0.5 --container-runtime=docker --network-plugin=cni\"\n", null, null, null);

        var rewrite = RewriteTwice(files, "1.23.0", ToContainerd);

        Assert.Equal($"KUBELET_KUBEADM_ARGS=\"--node-ip=10.0.0.5 --container-runtime=remote --container-runtime-endpoint={Containerd}\"\n", rewrite.Files.KubeadmFlagsEnv);
    }

    [Fact]
    public void ConfigYamlEditsKeepCommentsQuotesAndLayout()
    {
        const string yaml = "# managed by hand\nkind: KubeletConfiguration\ncontainerLogMaxSize: \"10Mi\"   # rotate often\ncontainerLogMaxFiles:\nimageServiceEndpoint: unix:///var/run/cri-dockerd.sock\nevictionHard:\n  memory.available: 100Mi\n";
        var files = new KubeletFiles(null, null, yaml, null);

        var rewrite = RewriteTwice(files, "1.28.0", new KubeletTarget(Containerd, "registry.k8s.io/pause:3.9", "20M", 4));

        Assert.Equal(
            $"# managed by hand\nkind: KubeletConfiguration\ncontainerLogMaxSize: 20M   # rotate often\ncontainerLogMaxFiles: 4\nimageServiceEndpoint: {Containerd}\nevictionHard:\n  memory.available: 100Mi\n",
            rewrite.Files.ConfigYaml);
        Assert.Equal(
        [
            $"kubeadm-flags.env: added --container-runtime-endpoint={Containerd}",
            $"config.yaml: imageServiceEndpoint {CriDockerd} -> {Containerd}",
            "config.yaml: containerLogMaxSize 10Mi -> 20M",
            "config.yaml: containerLogMaxFiles (empty) -> 4",
        ], rewrite.Changes);
    }

    [Fact]
    public void FewerThanTwoLogFilesAreRaisedToTwoAndSaidSo()
    {
        var files = new KubeletFiles(null, null, "kind: KubeletConfiguration\ncontainerLogMaxFiles: 5\n", null);

        var rewrite = RewriteTwice(files, "1.28.0", new KubeletTarget(Containerd, "registry.k8s.io/pause:3.9", null, 1));

        Assert.Equal("kind: KubeletConfiguration\ncontainerLogMaxFiles: 2\n", rewrite.Files.ConfigYaml);
        Assert.Contains("config.yaml: containerLogMaxFiles 5 -> 2 (the kubelet keeps at least 2 log files; asked for 1)", rewrite.Changes);
    }

    [Fact]
    public void AConvertedNodeIsLeftAlone()
    {
        var files = new KubeletFiles($"KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint={Containerd} --pod-infra-container-image=registry.k8s.io/pause:3.9\"\n",
            "KUBELET_EXTRA_ARGS=\n", ConfigYaml123, null);

        var rewrite = KubeletFilesRewriter.Rewrite(files, new Version(1, 28, 2), ToContainerd);

        Assert.Same(files.KubeadmFlagsEnv, rewrite.Files.KubeadmFlagsEnv);
        Assert.Same(files.DefaultsEnv, rewrite.Files.DefaultsEnv);
        Assert.Same(files.ConfigYaml, rewrite.Files.ConfigYaml);
        Assert.Empty(rewrite.Changes);
    }

    [Fact]
    public void BadYamlAndUnwritableTargetsAreRefused()
    {
        var badYaml = Assert.Throws<CriException>(() =>
            KubeletFilesRewriter.Rewrite(new KubeletFiles(null, null, "kind: [", null), new Version(1, 28), ToContainerd));
        Assert.Equal("KubeletConfigInvalid", badYaml.ErrorId);

        var badTarget = Assert.Throws<CriException>(() =>
            KubeletFilesRewriter.Rewrite(Config129, new Version(1, 28), ToContainerd with { SandboxImage = "pause image" }));
        Assert.Equal("KubeletTargetInvalid", badTarget.ErrorId);
        Assert.Equal(CriErrorCategory.InvalidArgument, badTarget.Category);
    }

    [Fact]
    public void CrictlYamlPointsBothServicesAtTheEndpoint()
    {
        Assert.Equal(
            $"# Written by CriPS (Convert-DockerNodeToContainerd).\nruntime-endpoint: {Containerd}\nimage-endpoint: {Containerd}\ntimeout: 10\n",
            CrictlYaml.Render(Containerd));
    }
}
