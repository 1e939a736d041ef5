using CriPS.Engine.Conversion;

namespace CriPS.Tests.Conversion;

public sealed class ContainerdConfigReadTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void NoFileMeansContainerdDefaults(string? text)
    {
        var facts = ContainerdConfig.Read(text);

        Assert.Equal(new ContainerdConfigFacts(1, "/run/containerd/containerd.sock", false, null, null, null, null, null), facts);
    }

    [Fact]
    public void DockerShippedConfigIsVersion1WithCriDisabled()
    {
        var facts = ContainerdConfig.Read(ContainerdConfigFixtures.DockerShipped);

        Assert.Equal(new ContainerdConfigFacts(1, "/run/containerd/containerd.sock", true, null, null, null, null, null), facts);
    }

    [Fact]
    public void Version2FactsComeFromTablesDottedKeysAndInlineTables()
    {
        var facts = ContainerdConfig.Read(ContainerdConfigFixtures.Version2Mixed);

        Assert.Equal(new ContainerdConfigFacts(2, "/run/containerd/other.sock", false, false, "k8s.gcr.io/pause:3.6", "", "/usr/lib/cni", null), facts);
    }

    [Fact]
    public void Version3FactsUseTheSplitPluginsAndBinDirs()
    {
        const string text = """
            version = 3
            [grpc]
            address = "/run/k8s/containerd.sock"
            [plugins."io.containerd.cri.v1.images".pinned_images]
            sandbox = "registry.k8s.io/pause:3.10"
            [plugins."io.containerd.cri.v1.images".registry]
            config_path = "/etc/containerd/certs.d"
            [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
            SystemdCgroup = true
            [plugins."io.containerd.cri.v1.runtime".cni]
            bin_dirs = ["/usr/libexec/cni", "/opt/cni/bin"]
            conf_dir = "/etc/cni/net.d"
            """;

        var facts = ContainerdConfig.Read(text);

        Assert.Equal(new ContainerdConfigFacts(3, "/run/k8s/containerd.sock", false, true, "registry.k8s.io/pause:3.10",
            "/etc/containerd/certs.d", "/usr/libexec/cni", "/etc/cni/net.d"), facts);
    }

    [Fact]
    public void Version1ReadsTheShortPluginNames()
    {
        const string text = """
            [plugins.cri]
              sandbox_image = "k8s.gcr.io/pause:3.2"
            [plugins.cri.containerd.runtimes.runc.options]
              SystemdCgroup = true
            """;

        var facts = ContainerdConfig.Read(text);

        Assert.Equal(1, facts.Version);
        Assert.Equal("k8s.gcr.io/pause:3.2", facts.SandboxImage);
        Assert.True(facts.SystemdCgroup);
    }

    [Theory]
    [InlineData("cri", true)]
    [InlineData("io.containerd.grpc.v1.cri", true)]
    [InlineData("io.containerd.cri.v1.runtime", true)]
    [InlineData("io.containerd.cri.v1.images", true)]
    [InlineData("io.containerd.snapshotter.v1.zfs", false)]
    public void CriIsDisabledByAnyOfItsIds(string id, bool disabled)
    {
        var facts = ContainerdConfig.Read($"version = 2\ndisabled_plugins = [\"aufs.x\", \"{id}\"]\n");

        Assert.Equal(disabled, facts.CriDisabled);
    }

    [Fact]
    public void BadTomlNamesLineAndColumn()
    {
        var error = Assert.Throws<CriException>(() => ContainerdConfig.Read("version = 2\n\n[plugins\nx = 1\n"));

        Assert.Equal("ContainerdConfigInvalid", error.ErrorId);
        Assert.Equal(CriErrorCategory.InvalidData, error.Category);
        Assert.StartsWith("The containerd config is not valid TOML: line 3, column 9:", error.Message);
    }

    [Fact]
    public void AKeyDefinedTwiceIsBadToml()
    {
        var error = Assert.Throws<CriException>(() => ContainerdConfig.Read("version = 2\nversion = 3\n"));

        Assert.Equal("ContainerdConfigInvalid", error.ErrorId);
        Assert.StartsWith("The containerd config is not valid TOML: line 2, column 1:", error.Message);
    }

    [Fact]
    public void AVersionThatIsNoNumberIsInvalid()
    {
        var error = Assert.Throws<CriException>(() => ContainerdConfig.Read("version = \"2\"\n"));

        Assert.Equal("ContainerdConfigInvalid", error.ErrorId);
    }

    public static TheoryData<ContainerdConfigFacts, bool> MatchCases() => new()
    {
        { new(2, "/s", false, true, "pause:1", "/etc/containerd/certs.d", "/opt/cni/bin", "/etc/cni/net.d"), true },
        { new(3, "/s", false, true, "pause:1", "/etc/containerd/certs.d", null, null), false },
        { new(2, "/s", true, true, "pause:1", "/etc/containerd/certs.d", "/opt/cni/bin", "/etc/cni/net.d"), false },
        { new(2, "/s", false, null, "pause:1", "/etc/containerd/certs.d", "/opt/cni/bin", "/etc/cni/net.d"), false },
        { new(2, "/s", false, true, "pause:2", "/etc/containerd/certs.d", "/opt/cni/bin", "/etc/cni/net.d"), false },
        { new(2, "/s", false, true, "pause:1", null, "/opt/cni/bin", "/etc/cni/net.d"), false },
        { new(2, "/s", false, true, "pause:1", "/etc/containerd/certs.d", "/opt/cni/bin", "/other"), false },
    };

    [Theory]
    [MemberData(nameof(MatchCases))]
    public void MatchesComparesEveryWantedSetting(ContainerdConfigFacts facts, bool expected)
    {
        var wanted = new ContainerdCriSettings(true, "pause:1", "/etc/containerd/certs.d", "/opt/cni/bin", "/etc/cni/net.d");

        Assert.Equal(expected, ContainerdConfig.Matches(facts, wanted));
    }

    [Fact]
    public void MatchesIgnoresCniDirectoriesThatAreNotWanted()
    {
        var facts = new ContainerdConfigFacts(2, "/s", false, false, "pause:1", "/c", null, null);

        Assert.True(ContainerdConfig.Matches(facts, new ContainerdCriSettings(false, "pause:1", "/c", null, null)));
    }
}
