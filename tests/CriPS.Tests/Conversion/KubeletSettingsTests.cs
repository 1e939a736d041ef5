using CriPS.Engine.Conversion;
using static CriPS.Tests.Conversion.KubeletFixtures;

namespace CriPS.Tests.Conversion;

public sealed class KubeletSettingsTests
{
    private static readonly Version V123 = new(1, 23, 17);
    private static readonly Version V126 = new(1, 26, 15);
    private static readonly Version V128 = new(1, 28, 9);

    [Fact]
    public void Dockershim123IsTheDockershimWithItsNetworkPlugin()
    {
        var settings = KubeletSettings.Read(Dockershim123);

        Assert.Null(settings.RuntimeEndpoint);
        Assert.Null(settings.ContainerRuntime);
        Assert.Equal("cni", settings.NetworkPlugin);
        Assert.Equal("k8s.gcr.io/pause:3.6", settings.PodInfraContainerImage);
        Assert.Equal("systemd", settings.CgroupDriver);
        Assert.Equal(KubeletSettingSource.ConfigYaml, settings.SourceOf(nameof(KubeletSettings.CgroupDriver)));
        Assert.Equal(KubeletSettingSource.KubeadmFlags, settings.SourceOf(nameof(KubeletSettings.NetworkPlugin)));
        Assert.Equal(KubeletSettingSource.Default, settings.SourceOf(nameof(KubeletSettings.RuntimeEndpoint)));
        Assert.Equal("/var/lib/kubelet/config.yaml", settings.ConfigPath);
        Assert.Equal(KubeletRuntimeKind.Dockershim, settings.Kind(V123));
    }

    [Fact]
    public void CriDockerd126ReadsTheRemoteRuntimeAndEndpoint()
    {
        var settings = KubeletSettings.Read(CriDockerd126);

        Assert.Equal("remote", settings.ContainerRuntime);
        Assert.Equal(CriDockerd, settings.RuntimeEndpoint);
        Assert.Equal(KubeletSettingSource.KubeadmFlags, settings.SourceOf(nameof(KubeletSettings.RuntimeEndpoint)));
        Assert.Equal(KubeletRuntimeKind.CriDockerd, settings.Kind(V126));
    }

    [Fact]
    public void EndpointInConfigYamlAndInstanceConfigIsFoundWithItsSource()
    {
        var fromConfig = KubeletSettings.Read(Config129);
        Assert.Equal(CriDockerd, fromConfig.RuntimeEndpoint);
        Assert.Equal(KubeletSettingSource.ConfigYaml, fromConfig.SourceOf(nameof(KubeletSettings.RuntimeEndpoint)));

        var fromInstance = KubeletSettings.Read(InstanceConfig with { ConfigYaml = ConfigYaml123 });
        Assert.Equal(CriDockerd, fromInstance.RuntimeEndpoint);
        Assert.Equal(KubeletSettingSource.InstanceConfigYaml, fromInstance.SourceOf(nameof(KubeletSettings.RuntimeEndpoint)));
        Assert.Equal(KubeletRuntimeKind.CriDockerd, fromInstance.Kind(new Version(1, 34, 1)));
    }

    [Fact]
    public void FlagsReadInEveryFormAndQuoting()
    {
        var files = new KubeletFiles(
            "# written by kubeadm\nKUBELET_KUBEADM_ARGS=\"--node-labels='role=worker, zone=a' --container-runtime-endpoint=\\\"unix:///var/run/cri-dockerd.sock\\\" --cni-bin-dir /opt/cni/bin --v 2 --fail-swap-on\"\n",
            "KUBELET_EXTRA_ARGS='--docker-endpoint unix:///var/run/docker.sock --container-log-max-files=4'\n",
            null, null);

        var settings = KubeletSettings.Read(files);
        var flags = KubeletCommandLine.Of(files).Parts[0].Flags;

        Assert.Equal(CriDockerd, settings.RuntimeEndpoint);
        Assert.Equal("/opt/cni/bin", settings.CniBinDir);
        Assert.Equal("unix:///var/run/docker.sock", settings.DockerEndpoint);
        Assert.Equal(4, settings.ContainerLogMaxFiles);
        Assert.Equal(KubeletSettingSource.ExtraArgs, settings.SourceOf(nameof(KubeletSettings.ContainerLogMaxFiles)));
        Assert.Equal("role=worker, zone=a", flags.Get("node-labels"));
        Assert.Equal("2", flags.Get("v"));
        Assert.Equal("true", flags.Get("fail-swap-on"));
        Assert.Null(flags.Get("cgroup-driver"));
    }

    [Theory]
    [InlineData(null, null, "cgroupfs", nameof(KubeletSettingSource.Default))]
    [InlineData("--cgroup-driver=cgroupfs", null, "cgroupfs", nameof(KubeletSettingSource.KubeadmFlags))]
    [InlineData("--cgroup-driver=cgroupfs", "--cgroup-driver=systemd", "systemd", nameof(KubeletSettingSource.ExtraArgs))]
    [InlineData(null, "--cgroup-driver cgroupfs", "cgroupfs", nameof(KubeletSettingSource.ExtraArgs))]
    public void CgroupDriverFlagsBeatTheConfigAndExtraArgsBeatKubeadm(string? kubeadmFlag, string? extraFlag, string expected, string sourceName)
    {
        var source = Enum.Parse<KubeletSettingSource>(sourceName);
        var files = new KubeletFiles(
            kubeadmFlag is null ? null : $"KUBELET_KUBEADM_ARGS=\"{kubeadmFlag}\"\n",
            extraFlag is null ? null : $"KUBELET_EXTRA_ARGS={extraFlag}\n",
            source == KubeletSettingSource.Default ? null : "cgroupDriver: systemd\n",
            null);

        var settings = KubeletSettings.Read(files);

        Assert.Equal(expected, settings.CgroupDriver);
        Assert.Equal(source, settings.SourceOf(nameof(KubeletSettings.CgroupDriver)));
    }

    [Fact]
    public void TheLastAssignmentAndTheLastFlagWin()
    {
        var files = new KubeletFiles(
            "KUBELET_KUBEADM_ARGS=\"--pod-infra-container-image=old\"\nKUBELET_KUBEADM_ARGS=\"--pod-infra-container-image=a --pod-infra-container-image=b\"\n",
            null, null, null);

        Assert.Equal("b", KubeletSettings.Read(files).PodInfraContainerImage);
    }

    [Fact]
    public void LogSettingsAndConfigPathAreRead()
    {
        var files = new KubeletFiles("KUBELET_KUBEADM_ARGS=\"--config=/etc/kubernetes/kubelet.yaml\"\n", null,
            "containerLogMaxSize: 50Mi\ncontainerLogMaxFiles: 3\n", null);

        var settings = KubeletSettings.Read(files);

        Assert.Equal("/etc/kubernetes/kubelet.yaml", settings.ConfigPath);
        Assert.Equal("50Mi", settings.ContainerLogMaxSize);
        Assert.Equal(3, settings.ContainerLogMaxFiles);
        Assert.Equal(KubeletSettingSource.ConfigYaml, settings.SourceOf(nameof(KubeletSettings.ContainerLogMaxSize)));
    }

    [Theory]
    [InlineData("apiVersion: v1\n  kind: [unclosed\n")]
    [InlineData("- a\n- list\n")]
    [InlineData("a: 1\n---\nb: 2\n")]
    [InlineData("containerLogMaxFiles: many\n")]
    public void BadConfigYamlIsKubeletConfigInvalid(string yaml)
    {
        var error = Assert.Throws<CriException>(() => KubeletSettings.Read(new KubeletFiles(null, null, yaml, null)));

        Assert.Equal("KubeletConfigInvalid", error.ErrorId);
        Assert.Equal(CriErrorCategory.InvalidData, error.Category);
    }

    [Theory]
    [InlineData(null, null, "1.23.17", nameof(KubeletRuntimeKind.Dockershim))]
    [InlineData(null, null, "1.24.0", nameof(KubeletRuntimeKind.Unknown))]
    [InlineData("docker", null, "1.22.3", nameof(KubeletRuntimeKind.Dockershim))]
    [InlineData("docker", "unix:///run/containerd/containerd.sock", "1.23.0", nameof(KubeletRuntimeKind.Dockershim))]
    [InlineData("remote", null, "1.23.0", nameof(KubeletRuntimeKind.Unknown))]
    [InlineData(null, "unix:///var/run/dockershim.sock", "1.23.0", nameof(KubeletRuntimeKind.Dockershim))]
    [InlineData(null, "unix:///var/run/dockershim.sock", "1.25.0", nameof(KubeletRuntimeKind.Unknown))]
    [InlineData("remote", "unix:///var/run/cri-dockerd.sock", "1.24.3", nameof(KubeletRuntimeKind.CriDockerd))]
    [InlineData(null, "/run/cri-dockerd.sock", "1.30.0", nameof(KubeletRuntimeKind.CriDockerd))]
    [InlineData(null, "unix:///run/containerd/containerd.sock", "1.28.0", nameof(KubeletRuntimeKind.Containerd))]
    [InlineData("remote", "unix:///var/run/containerd/containerd.sock", "1.23.0", nameof(KubeletRuntimeKind.Containerd))]
    [InlineData(null, "unix:///var/run/crio/crio.sock", "1.28.0", nameof(KubeletRuntimeKind.Other))]
    public void KindFollowsTheRuntimeFlagEndpointAndVersion(string? runtime, string? endpoint, string version, string expectedKind)
    {
        var expected = Enum.Parse<KubeletRuntimeKind>(expectedKind);
        var flags = string.Join(' ', new[] { runtime is null ? null : "--container-runtime=" + runtime, endpoint is null ? null : "--container-runtime-endpoint=" + endpoint }.OfType<string>());
        var settings = KubeletSettings.Read(new KubeletFiles($"KUBELET_KUBEADM_ARGS=\"{flags}\"\n", null, null, null));

        Assert.Equal(expected, settings.Kind(Version.Parse(version)));
    }
}
