using CriPS.Engine;
using CriPS.Engine.Configs;
using CriPS.Engine.Mapping;

namespace CriPS.Tests;

/// <summary>New-CriPod and New-CriContainer input: port mappings, mounts, and configs with parameters on top.</summary>
public class SpecTests
{
    [Theory]
    [InlineData("8080:80", 8080, 80, "TCP", null)]
    [InlineData("127.0.0.1:8053:53/udp", 8053, 53, "UDP", "127.0.0.1")]
    [InlineData("9000:9000/SCTP", 9000, 9000, "SCTP", null)]
    public void PortMappingsParseAsDockerWritesThem(string text, int host, int container, string protocol, string? ip) =>
        Assert.Equal(new PortMapping(host, container, protocol, ip), PortMapping.Parse(text));

    [Theory]
    [InlineData("80")]
    [InlineData("0:80")]
    [InlineData("8080:70000")]
    [InlineData("8080:80/icmp")]
    [InlineData("nothost:8080:80")]
    [InlineData("a:b")]
    public void MalformedPortMappingsAreRefused(string text)
    {
        var e = Assert.Throws<CriException>(() => PortMapping.Parse(text));
        Assert.Equal(("CriInvalidPortMapping", text), (e.ErrorId, e.Target));
    }

    [Theory]
    [InlineData("/srv/data:/data", "/srv/data", "/data", false)]
    [InlineData("/srv/data:/data:ro", "/srv/data", "/data", true)]
    [InlineData("/srv/data:/data:rw", "/srv/data", "/data", false)]
    public void MountsParseAsDockerWritesThem(string text, string host, string container, bool readOnly) =>
        Assert.Equal(new MountSpec(host, container, readOnly), MountSpec.Parse(text));

    [Theory]
    [InlineData("data:/data")]
    [InlineData("/srv:data")]
    [InlineData("/srv:/data:rx")]
    [InlineData("/srv")]
    public void MalformedMountsAreRefused(string text) =>
        Assert.Equal("CriInvalidMount", Assert.Throws<CriException>(() => MountSpec.Parse(text)).ErrorId);

    [Fact]
    public void ParametersGoOnTopOfAPodConfigAndDefaultsFillTheRest()
    {
        var config = PodConfig.FromText("""
            metadata: { name: web, namespace: shop }
            labels: { app: web, tier: front }
            port_mappings: [ { container_port: 80, host_port: 8080 } ]
            """, "pod.yaml");
        var message = Specs.ToPodSandboxConfig(new PodSpec
        {
            Config = config,
            Namespace = "other",
            Labels = new() { ["tier"] = "back" },
            PortMappings = [PortMapping.Parse("53:53/udp")],
        });
        Assert.Equal(("web", "other"), (message.Metadata.Name, message.Metadata.Namespace));
        Assert.Equal("web", message.Hostname);
        Assert.True(Guid.TryParse(message.Metadata.Uid, out _));
        Assert.Equal($"/var/log/pods/other_web_{message.Metadata.Uid}", message.LogDirectory);
        Assert.Equal(("web", "back"), (message.Labels["app"], message.Labels["tier"]));
        Assert.Equal([8080, 53], message.PortMappings.Select(p => p.HostPort));
        Assert.Equal(CriPS.Engine.Cri.V1.Protocol.Udp, message.PortMappings[1].Protocol);
        // The config object itself is not changed, so it can be used for the next pod.
        Assert.Equal("shop", config.Namespace);
    }

    [Fact]
    public void APodNeedsANameFromTheConfigOrTheParameter()
    {
        var e = Assert.Throws<CriException>(() => Specs.ToPodSandboxConfig(new PodSpec { Config = PodConfig.FromText("hostname: x", "pod.yaml") }));
        Assert.Equal(("CriInvalidPodConfig", "pod.yaml"), (e.ErrorId, e.Target));
        Assert.Contains("metadata.name", e.Message);
    }

    [Fact]
    public void ParametersGoOnTopOfAContainerConfig()
    {
        var config = ContainerConfig.FromText("""
            { "metadata": { "name": "web" }, "image": { "image": "busybox" }, "command": ["sleep"], "args": ["60"],
              "envs": [ { "key": "A", "value": "MQ==" }, { "key": "B", "value": "Mg==" } ] }
            """, "ctr.json");
        var message = Specs.ToContainerConfig(new ContainerSpec
        {
            Config = config,
            Args = ["120"],
            Environment = new() { ["B"] = "3" },
            Mounts = [MountSpec.Parse("/srv:/data:ro")],
        });
        Assert.Equal(("web", "busybox"), (message.Metadata.Name, message.Image.Image));
        Assert.Equal(["sleep"], message.Command);
        Assert.Equal(["120"], message.Args);
        Assert.Equal(["A=1", "B=3"], message.Envs.Select(e => $"{e.Key}={e.Value.ToStringUtf8()}"));
        Assert.True(message.Mounts.Single().Readonly);
        Assert.Equal("web/0.log", message.LogPath);
    }

    [Fact]
    public void AContainerNeedsAnImage()
    {
        var e = Assert.Throws<CriException>(() => Specs.ToContainerConfig(new ContainerSpec { Name = "web" }));
        Assert.Equal("CriInvalidContainerConfig", e.ErrorId);
        Assert.Contains("-Image", e.Message);
    }

    [Fact]
    public void AContainerCarriesTheImageAsTheUserWroteItAsTheKubeletSendsIt()
    {
        var message = Specs.ToContainerConfig(new ContainerSpec { Name = "web", Image = "registry.example/web:1" });

        Assert.Equal("registry.example/web:1", message.Image.Image);
        Assert.Equal("registry.example/web:1", message.Image.UserSpecifiedImage);
    }

    [Fact]
    public void AConfigsOwnUserSpecifiedImageIsKept()
    {
        var config = ContainerConfig.FromText("""
            { "metadata": { "name": "web" }, "image": { "image": "sha256:abc", "user_specified_image": "web:1" } }
            """, "ctr.json");

        Assert.Equal("web:1", Specs.ToContainerConfig(new ContainerSpec { Config = config }).Image.UserSpecifiedImage);
    }

    [Fact]
    public void APodGetsTheKubeletsNamespaceOptionsAndLabels()
    {
        var message = Specs.ToPodSandboxConfig(new PodSpec { Name = "web", Namespace = "shop", Uid = "u-1" });

        var options = message.Linux.SecurityContext.NamespaceOptions;
        Assert.Equal((Engine.Cri.V1.NamespaceMode.Pod, Engine.Cri.V1.NamespaceMode.Container, Engine.Cri.V1.NamespaceMode.Pod),
            (options.Network, options.Pid, options.Ipc));
        Assert.Equal("web", message.Labels["io.kubernetes.pod.name"]);
        Assert.Equal("shop", message.Labels["io.kubernetes.pod.namespace"]);
        Assert.Equal("u-1", message.Labels["io.kubernetes.pod.uid"]);
        Assert.Equal("/var/log/pods/shop_web_u-1", message.LogDirectory);
    }

    [Fact]
    public void APodConfigsOwnNamespaceOptionsAndLabelsWin()
    {
        var config = PodConfig.FromText("""
            { "metadata": { "name": "web", "namespace": "shop", "uid": "u-1" }, "labels": { "io.kubernetes.pod.name": "mine" },
              "linux": { "security_context": { "namespace_options": { "network": 2 } } } }
            """, "pod.json");

        var message = Specs.ToPodSandboxConfig(new PodSpec { Config = config });

        Assert.Equal(Engine.Cri.V1.NamespaceMode.Node, message.Linux.SecurityContext.NamespaceOptions.Network);
        Assert.Equal("mine", message.Labels["io.kubernetes.pod.name"]);
    }

    [Fact]
    public void APodAsTheRuntimeReportsItBecomesItsConfigWithTheKubeletsLogFolderWhereNoneIsReported()
    {
        var pod = new Pod { Id = "p1", Name = "web", Namespace = "shop", Uid = "u-1", Attempt = 2, CgroupParent = "/kubepods",
                            Labels = new() { ["app"] = "web" } };

        var message = Specs.ToPodSandboxConfig(Specs.PodSpecOf(pod));

        Assert.Equal(("web", "shop", "u-1", 2u), (message.Metadata.Name, message.Metadata.Namespace, message.Metadata.Uid, message.Metadata.Attempt));
        Assert.Equal("/var/log/pods/shop_web_u-1", message.LogDirectory);
        Assert.Equal("/kubepods", message.Linux.CgroupParent);
        Assert.Equal("web", message.Labels["app"]);

        pod.LogDirectory = "/srv/logs/web";
        Assert.Equal("/srv/logs/web", Specs.ToPodSandboxConfig(Specs.PodSpecOf(pod)).LogDirectory);
    }

    [Fact]
    public void AContainerGetsTheKubeletsLabelsNamingItAndItsPod()
    {
        var message = Specs.ToContainerConfig(new ContainerSpec { Name = "app", Image = "busybox", Labels = new() { ["io.kubernetes.pod.uid"] = "given" } });
        var pod = new Pod { Id = "p1", Name = "web", Namespace = "shop", Uid = "u-1" };

        Specs.AddKubeletLabels(message, pod);

        Assert.Equal("app", message.Labels["io.kubernetes.container.name"]);
        Assert.Equal("web", message.Labels["io.kubernetes.pod.name"]);
        Assert.Equal("shop", message.Labels["io.kubernetes.pod.namespace"]);
        Assert.Equal("given", message.Labels["io.kubernetes.pod.uid"]);
    }

    [Fact]
    public void AContainerSharesThePodsNamespacesAsTheKubeletSetsThem()
    {
        var shared = Specs.ToPodSandboxConfig(new PodSpec { Config = PodConfig.FromText("""
            { "metadata": { "name": "web", "namespace": "shop", "uid": "u-1" },
              "linux": { "security_context": { "namespace_options": { "pid": 0, "network": 2 } } } }
            """, "pod.json") });
        var own = Specs.ToPodSandboxConfig(new PodSpec { Name = "web" });

        var inShared = Specs.ToContainerConfig(new ContainerSpec { Name = "a", Image = "busybox" });
        Specs.ShareThePodsNamespaces(inShared, shared);
        var inOwn = Specs.ToContainerConfig(new ContainerSpec { Name = "a", Image = "busybox" });
        Specs.ShareThePodsNamespaces(inOwn, own);

        Assert.Equal((Engine.Cri.V1.NamespaceMode.Node, Engine.Cri.V1.NamespaceMode.Pod),
            (inShared.Linux.SecurityContext.NamespaceOptions.Network, inShared.Linux.SecurityContext.NamespaceOptions.Pid));
        Assert.Equal(Engine.Cri.V1.NamespaceMode.Container, inOwn.Linux.SecurityContext.NamespaceOptions.Pid);
    }
}
