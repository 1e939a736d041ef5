using CriPS.Engine.Configs;

namespace CriPS.Tests;

/// <summary>Pod configs in crictl's format: JSON with either field naming, YAML with its scalar types, errors that name the field.</summary>
public class PodConfigTests
{
    [Fact]
    public void CrictlJsonWithProtoFieldNamesParses()
    {
        var config = PodConfig.FromJson("""
            { "metadata": { "name": "web", "namespace": "shop", "uid": "u-1", "attempt": 1 },
              "hostname": "web-0", "log_directory": "/tmp/logs",
              "port_mappings": [ { "protocol": "TCP", "container_port": 80, "host_port": 8080 } ],
              "labels": { "app": "web" }, "linux": { "security_context": { "namespace_options": { "network": "POD" } } } }
            """, "pod.json");
        Assert.Equal(("web", "shop"), (config.Name, config.Namespace));
        Assert.Equal("/tmp/logs", config.Message.LogDirectory);
        Assert.Equal(8080, config.Message.PortMappings[0].HostPort);
        Assert.Equal("web", config.Message.Labels["app"]);
    }

    [Fact]
    public void CamelCaseFieldNamesParseToo() =>
        Assert.Equal("/tmp/logs", PodConfig.FromJson("""{ "metadata": { "name": "a" }, "logDirectory": "/tmp/logs" }""", "x").Message.LogDirectory);

    [Fact]
    public void YamlScalarsKeepTheirTypes()
    {
        var config = PodConfig.FromText("""
            metadata:
              name: web
              namespace: shop
              attempt: 2
            port_mappings:
              - container_port: 80
                host_port: 8080
            labels:
              version: "1"
            linux:
              security_context:
                readonly_rootfs: true
            """, "pod.yaml");
        Assert.Equal(2u, config.Message.Metadata.Attempt);
        Assert.Equal(80, config.Message.PortMappings[0].ContainerPort);
        Assert.Equal("1", config.Message.Labels["version"]);
        Assert.True(config.Message.Linux.SecurityContext.ReadonlyRootfs);
    }

    [Theory]
    [InlineData("""{ "metadata": { "name": "a" }, "port_mapings": [] }""", "port_mapings")]
    [InlineData("""{ "metadata": { "nmae": "a" } }""", "nmae")]
    [InlineData("metadata:\n  name: a\nhostnme: b\n", "hostnme")]
    public void AnUnknownFieldIsRefusedByName(string text, string field)
    {
        var e = Assert.Throws<CriException>(() => PodConfig.FromText(text, "pod.json"));
        Assert.Equal(("CriInvalidPodConfig", CriErrorCategory.InvalidArgument), (e.ErrorId, e.Category));
        Assert.Contains(field, e.Message);
        Assert.Equal("pod.json", e.Target);
    }

    [Theory]
    [InlineData("""{ "metadata": { "name": "a" }, "hostname": 5 """)]
    [InlineData("metadata: [unclosed")]
    public void BrokenTextIsAnInvalidConfig(string text) =>
        Assert.Equal("CriInvalidPodConfig", Assert.Throws<CriException>(() => PodConfig.FromText(text, "pod")).ErrorId);
}
