using CriPS.Engine.Conversion;

namespace CriPS.Tests.Conversion;

public sealed class DockerDaemonSettingsTests
{
    private const string FullDaemonJson = """
        {
          "registry-mirrors": ["https://mirror.gcr.io", "https://registry.example.com:5000"],
          "insecure-registries": ["10.0.0.0/8", "registry.local:5000"],
          "exec-opts": ["native.cgroupdriver=systemd", "native.umask=normal"],
          "log-driver": "json-file",
          "log-opts": { "max-size": "100m", "max-file": "3", "labels": "team" },
          "live-restore": true,
          "default-ulimits": {
            "nofile": { "Name": "nofile", "Hard": 65536, "Soft": 1024 },
            "memlock": { "name": "memlock", "hard": -1, "soft": -1 }
          },
          "data-root": "/srv/docker",
          "hosts": ["unix:///var/run/docker.sock", "tcp://127.0.0.1:2375"],
          "storage-driver": "overlay2",
          "bip": "172.26.0.1/16"
        }
        """;

    [Fact]
    public void ReadsEveryCarriedField()
    {
        var settings = DockerDaemonSettings.Parse(FullDaemonJson);

        Assert.Equal(["https://mirror.gcr.io", "https://registry.example.com:5000"], settings.RegistryMirrors);
        Assert.Equal(["10.0.0.0/8", "registry.local:5000"], settings.InsecureRegistries);
        Assert.Equal("systemd", settings.CgroupDriver);
        Assert.True(settings.CgroupDriverExplicit);
        Assert.Equal("json-file", settings.LogDriver);
        Assert.Equal("100m", settings.LogMaxSize);
        Assert.Equal(3, settings.LogMaxFile);
        Assert.True(settings.LiveRestore);
        Assert.Equal(2, settings.DefaultUlimits.Count);
        Assert.Equal((1024L, 65536L), settings.DefaultUlimits["nofile"]);
        Assert.Equal((-1L, -1L), settings.DefaultUlimits["memlock"]);
        Assert.Equal("/srv/docker", settings.DataRoot);
        Assert.Equal(["unix:///var/run/docker.sock", "tcp://127.0.0.1:2375"], settings.Hosts);
        Assert.Equal(["exec-opts native.umask=normal", "log-opts.labels", "storage-driver", "bip"], settings.OtherKeys);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" \n\t")]
    [InlineData("{}")]
    public void AbsentEmptyOrBareFilesGiveDockersDefaults(string? json)
    {
        var settings = DockerDaemonSettings.Parse(json);

        Assert.Empty(settings.RegistryMirrors);
        Assert.Empty(settings.InsecureRegistries);
        Assert.Equal("cgroupfs", settings.CgroupDriver);
        Assert.False(settings.CgroupDriverExplicit);
        Assert.Equal("json-file", settings.LogDriver);
        Assert.Null(settings.LogMaxSize);
        Assert.Null(settings.LogMaxFile);
        Assert.False(settings.LiveRestore);
        Assert.Empty(settings.DefaultUlimits);
        Assert.Null(settings.DataRoot);
        Assert.Empty(settings.Hosts);
        Assert.Empty(settings.OtherKeys);
    }

    [Fact]
    public void KeysMatchWithoutCaseTheLaterDuplicateWinsAndGraphIsTheOldDataRoot()
    {
        var settings = DockerDaemonSettings.Parse("""
            { "Live-Restore": false, "live-restore": true, "graph": "/data/docker",
              "exec-opts": [" native.cgroupdriver = cgroupfs "], "log-driver": "local" }
            """);

        Assert.True(settings.LiveRestore);
        Assert.Equal("/data/docker", settings.DataRoot);
        Assert.Equal("cgroupfs", settings.CgroupDriver);
        Assert.True(settings.CgroupDriverExplicit);
        Assert.Equal("local", settings.LogDriver);
    }

    [Theory]
    [InlineData("{ \"live-restore\": true, }")]
    [InlineData("// comment\n{ \"live-restore\": true }")]
    [InlineData("{ \"live-restore\": true")]
    [InlineData("[\"registry-mirrors\"]")]
    [InlineData("{ \"registry-mirrors\": \"https://mirror.gcr.io\" }")]
    [InlineData("{ \"live-restore\": \"yes\" }")]
    [InlineData("{ \"log-opts\": { \"max-file\": 3 } }")]
    [InlineData("{ \"log-opts\": { \"max-file\": \"0\" } }")]
    [InlineData("{ \"exec-opts\": [\"native.cgroupdriver=cgroupfs2\"] }")]
    [InlineData("{ \"default-ulimits\": { \"nofile\": { \"Soft\": \"many\" } } }")]
    public void FilesDockerdWouldRefuseAreDockerConfigInvalid(string json)
    {
        var error = Assert.Throws<CriException>(() => DockerDaemonSettings.Parse(json));

        Assert.Equal("DockerConfigInvalid", error.ErrorId);
        Assert.Equal(CriErrorCategory.InvalidData, error.Category);
    }

    [Fact]
    public void ProxiesOfDocker23AreTheirEnvironmentVariables()
    {
        var settings = DockerDaemonSettings.Parse("""{"proxies": {"http-proxy": "http://p:3128", "no-proxy": "localhost", "ftp-proxy": "x"}}""");

        Assert.Equal([KeyValuePair.Create("HTTP_PROXY", "http://p:3128"), KeyValuePair.Create("NO_PROXY", "localhost")], settings.Proxies);
        Assert.Equal(["proxies.ftp-proxy"], settings.OtherKeys);
    }
}
