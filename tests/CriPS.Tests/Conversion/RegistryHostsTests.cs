using CriPS.Engine.Conversion;

namespace CriPS.Tests.Conversion;

public sealed class RegistryHostsTests
{
    private const string CertsDir = "/etc/containerd/certs.d";

    [Fact]
    public void MirrorsGoToDockerIoInDockersOrder()
    {
        var file = RegistryHosts.Mirrors(["https://mirror.gcr.io/", "https://m2.example.com"], null);

        Assert.Equal("docker.io", file.Host);
        Assert.Equal("""
            # docker.io: written by CriPS from Docker's registry-mirrors (containerd docs/hosts.md).
            server = "https://registry-1.docker.io"

            [host."https://mirror.gcr.io"]
            capabilities = ["pull", "resolve"]

            [host."https://m2.example.com"]
            capabilities = ["pull", "resolve"]

            """, file.Text);
        Assert.Equal([
            "new hosts.toml for docker.io, server \"https://registry-1.docker.io\"",
            "added [host.\"https://mirror.gcr.io\"]",
            "added [host.\"https://m2.example.com\"]",
        ], file.Notes);
    }

    [Fact]
    public void MirrorsAreAddedToAnExistingFileWithoutDroppingTheUsersEntries()
    {
        const string existing = """
            # my mirrors
            server = "https://registry-1.docker.io"

            [host."https://mirror.gcr.io/"]
              capabilities = ["pull"]  # no resolve on purpose
            """;

        var file = RegistryHosts.Mirrors(["https://mirror.gcr.io", "https://m2.example.com"], existing);

        Assert.Equal("""
            # my mirrors
            server = "https://registry-1.docker.io"

            [host."https://mirror.gcr.io/"]
              capabilities = ["pull"]  # no resolve on purpose

            [host."https://m2.example.com"]
            capabilities = ["pull", "resolve"]

            """, file.Text);
        Assert.Equal([
            "kept capabilities = [\"pull\"] in [host.\"https://mirror.gcr.io/\"] (Docker's would be [\"pull\", \"resolve\"])",
            "added [host.\"https://m2.example.com\"]",
        ], file.Notes);
    }

    [Fact]
    public void AnExistingFileWithEverythingComesBackUnchanged()
    {
        const string existing = "server = \"https://registry-1.docker.io\"\n[host.\"https://mirror.gcr.io\"]\ncapabilities = ['pull', 'resolve']";

        var file = RegistryHosts.Mirrors(["https://mirror.gcr.io"], existing);

        Assert.Same(existing, file.Text);
        Assert.Empty(file.Notes);
    }

    [Fact]
    public void AnotherServerIsKeptAndNoted()
    {
        var file = RegistryHosts.Mirrors([], "server = \"https://hub.internal\"\n");

        Assert.Equal("server = \"https://hub.internal\"\n", file.Text);
        Assert.Equal(["kept server = \"https://hub.internal\" (Docker's would be \"https://registry-1.docker.io\")"], file.Notes);
    }

    [Fact]
    public void AMissingServerIsAddedAboveTheHosts()
    {
        var file = RegistryHosts.Mirrors(["https://m.example.com"], "[host.\"https://m.example.com\"]\ncapabilities = [\"pull\", \"resolve\"]\n");

        Assert.Equal("server = \"https://registry-1.docker.io\"\n\n[host.\"https://m.example.com\"]\ncapabilities = [\"pull\", \"resolve\"]\n", file.Text);
        Assert.Equal(["added server = \"https://registry-1.docker.io\""], file.Notes);
    }

    [Fact]
    public void InsecureTriesHttpsWithoutVerifyingThenHttp()
    {
        var file = RegistryHosts.Insecure("reg.local:5000", [], [], CertsDir, null);

        Assert.Equal("reg.local:5000", file.Host);
        Assert.Equal("""
            # reg.local:5000: written by CriPS from Docker's insecure-registries (containerd docs/hosts.md).
            server = "https://reg.local:5000"

            [host."https://reg.local:5000"]
            capabilities = ["pull", "resolve", "push"]
            skip_verify = true

            [host."http://reg.local:5000"]
            capabilities = ["pull", "resolve", "push"]

            """, file.Text);
    }

    [Fact]
    public void InsecureWithCertificatesPutsThemOnTheHttpsHost()
    {
        var file = RegistryHosts.Insecure("Reg.Local:5000", ["ca.crt"], [("client.cert", "client.key")], CertsDir + "/", null);

        Assert.Equal("""
            # reg.local:5000: written by CriPS from Docker's insecure-registries (containerd docs/hosts.md).
            server = "https://reg.local:5000"

            [host."https://reg.local:5000"]
            capabilities = ["pull", "resolve", "push"]
            skip_verify = true
            ca = ["/etc/containerd/certs.d/reg.local:5000/ca.crt"]
            client = [["/etc/containerd/certs.d/reg.local:5000/client.cert", "/etc/containerd/certs.d/reg.local:5000/client.key"]]

            [host."http://reg.local:5000"]
            capabilities = ["pull", "resolve", "push"]

            """, file.Text);
    }

    [Fact]
    public void CertificatesListCasAndClientPairsUnderTheNodeDirectory()
    {
        var file = RegistryHosts.Certificates("reg.example.com", ["a.crt", "b.crt"], [("c1.cert", "c1.key"), ("c2.cert", "c2.key")], CertsDir, null);

        Assert.Equal("""
            # reg.example.com: written by CriPS from Docker's /etc/docker/certs.d (containerd docs/hosts.md).
            server = "https://reg.example.com"

            [host."https://reg.example.com"]
            capabilities = ["pull", "resolve", "push"]
            ca = ["/etc/containerd/certs.d/reg.example.com/a.crt", "/etc/containerd/certs.d/reg.example.com/b.crt"]
            client = [["/etc/containerd/certs.d/reg.example.com/c1.cert", "/etc/containerd/certs.d/reg.example.com/c1.key"], ["/etc/containerd/certs.d/reg.example.com/c2.cert", "/etc/containerd/certs.d/reg.example.com/c2.key"]]

            """, file.Text);
    }

    [Fact]
    public void DockerHubCertificatesUseDockerIoAndItsRegistryHost()
    {
        var file = RegistryHosts.Certificates("index.docker.io", ["ca.crt"], [], CertsDir, null);

        Assert.Equal("docker.io", file.Host);
        Assert.Contains("server = \"https://registry-1.docker.io\"\n\n[host.\"https://registry-1.docker.io\"]\n", file.Text);
        Assert.Contains("ca = [\"/etc/containerd/certs.d/docker.io/ca.crt\"]\n", file.Text);
    }

    [Fact]
    public void CertificatesAfterInsecureCompleteTheSameFile()
    {
        var insecure = RegistryHosts.Insecure("reg.local:5000", [], [], CertsDir, null);

        var combined = RegistryHosts.Certificates("reg.local:5000", ["ca.crt"], [], CertsDir, insecure.Text);

        Assert.Contains("""
            [host."https://reg.local:5000"]
            capabilities = ["pull", "resolve", "push"]
            skip_verify = true
            ca = ["/etc/containerd/certs.d/reg.local:5000/ca.crt"]

            [host."http://reg.local:5000"]
            """, combined.Text);
        Assert.Equal(["added ca to [host.\"https://reg.local:5000\"]"], combined.Notes);
    }

    [Fact]
    public void InlineHostTablesAreCompletedInPlaceAndDottedHostsGetDottedSiblings()
    {
        const string existing = "server = \"https://reg.local:5000\"\nhost.\"https://reg.local:5000\" = { capabilities = [\"pull\", \"resolve\", \"push\"] }\n";

        var file = RegistryHosts.Insecure("reg.local:5000", [], [], CertsDir, existing);

        // `host` is a table made by dotted keys here, so the new host is a dotted key too rather than a [header].
        Assert.Equal("server = \"https://reg.local:5000\"\n"
            + "host.\"https://reg.local:5000\" = { capabilities = [\"pull\", \"resolve\", \"push\"], skip_verify = true }\n"
            + "host.\"http://reg.local:5000\".capabilities = [\"pull\", \"resolve\", \"push\"]\n", file.Text);
        Assert.Equal(["added skip_verify to [host.\"https://reg.local:5000\"]", "added [host.\"http://reg.local:5000\"]"], file.Notes);
    }

    [Fact]
    public void BuildingTwiceChangesNothingTheSecondTime()
    {
        var first = RegistryHosts.Insecure("reg.local:5000", ["ca.crt"], [("c.cert", "c.key")], CertsDir, null);

        var second = RegistryHosts.Insecure("reg.local:5000", ["ca.crt"], [("c.cert", "c.key")], CertsDir, first.Text);

        Assert.Same(first.Text, second.Text);
        Assert.Empty(second.Notes);
    }

    [Fact]
    public void BadHostsTomlIsRefused()
    {
        var error = Assert.Throws<CriException>(() => RegistryHosts.Mirrors(["https://m"], "server = \n"));

        Assert.Equal("RegistryHostsInvalid", error.ErrorId);
        Assert.StartsWith("The hosts.toml of docker.io is not valid TOML: line 1", error.Message);
    }

    [Theory]
    [InlineData("docker.io", "docker.io")]
    [InlineData("index.docker.io", "docker.io")]
    [InlineData("https://registry-1.docker.io/", "docker.io")]
    [InlineData("Registry.Example.com:5000", "registry.example.com:5000")]
    [InlineData("http://10.1.2.3:5000", "10.1.2.3:5000")]
    public void HostNamesAreCanonical(string registry, string host)
    {
        Assert.Equal(host, RegistryHosts.CanonicalHost(registry));
    }

    [Fact]
    public void RangesAndWildcardsAreNotTranslatable()
    {
        var warnings = RegistryHosts.Untranslatable(["10.0.0.0/8", "reg.local:5000", "*.corp.example", "[::1]:5000"]);

        Assert.Equal([
            "insecure-registries \"10.0.0.0/8\" is a network range; containerd has no per-network setting, so each registry in it needs its own certs.d/<host:port>/hosts.toml.",
            "insecure-registries \"*.corp.example\" is a wildcard; containerd's hosts.toml names one host each, so each matching registry needs its own certs.d/<host:port>/hosts.toml.",
        ], warnings);
        Assert.True(RegistryHosts.IsTranslatable("reg.local:5000"));
        Assert.False(RegistryHosts.IsTranslatable("192.168.0.0/16"));
    }

    [Theory]
    [InlineData("registry.example.internal:5000", true)]
    [InlineData("127.0.0.1:5100", true)]
    [InlineData("[fd00::1]:5000", true)]
    [InlineData("docker.io", true)]
    [InlineData("../../systemd/system/evil", false)]
    [InlineData("..", false)]
    [InlineData("reg/path", false)]
    [InlineData("reg:99999", false)]
    [InlineData("reg:0", false)]
    [InlineData("-reg", false)]
    [InlineData("reg example", false)]
    [InlineData("", false)]
    public void OnlyAHostAndPortMayBecomeADirectoryName(string host, bool valid) =>
        Assert.Equal(valid, RegistryHosts.IsHostPort(host));
}
