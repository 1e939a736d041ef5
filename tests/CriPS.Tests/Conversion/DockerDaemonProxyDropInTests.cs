using CriPS.Engine.Conversion;

namespace CriPS.Tests.Conversion;

public sealed class DockerDaemonProxyDropInTests
{
    [Fact]
    public void ReadsProxyVariablesFromEnvironmentLinesInAnyQuotingAndCase()
    {
        const string dropIn = """
            # /etc/systemd/system/docker.service.d/http-proxy.conf
            [Unit]
            Environment="HTTP_PROXY=http://ignored:1"

            [Service]
            Environment="HTTP_PROXY=http://proxy.example.com:3128"
            Environment="HTTPS_PROXY=http://proxy.example.com:3128" "NO_PROXY=localhost,127.0.0.1,.example.com"
            ; a comment
            Environment=http_proxy=http://lower:8080 DOCKER_OPTS=--debug
            Environment='no_proxy=a b'
            Environment=FOO=bar \
              https_proxy=http://continued:3128
            ExecStart=
            """;

        Assert.Equal(
        [
            "HTTP_PROXY=http://proxy.example.com:3128",
            "HTTPS_PROXY=http://proxy.example.com:3128",
            "NO_PROXY=localhost,127.0.0.1,.example.com",
            "http_proxy=http://lower:8080",
            "no_proxy=a b",
            "https_proxy=http://continued:3128",
        ], SystemdDropIn.ProxyEnvironment(dropIn));
    }

    [Fact]
    public void AnEmptyEnvironmentLineResetsWhatCameBefore()
    {
        const string dropIn = "[Service]\nEnvironment=HTTP_PROXY=http://old:1\nEnvironment=\nEnvironment=\"HTTPS_PROXY=http://new:2\"\n";

        Assert.Equal(["HTTPS_PROXY=http://new:2"], SystemdDropIn.ProxyEnvironment(dropIn));
    }

    [Fact]
    public void ADropInWithoutProxiesGivesNothing()
    {
        Assert.Empty(SystemdDropIn.ProxyEnvironment("[Service]\nExecStart=\nExecStart=/usr/bin/dockerd -H fd://\nLimitNOFILE=infinity\n"));
        Assert.Empty(SystemdDropIn.ProxyEnvironment(""));
    }

    [Fact]
    public void ReadsEnvironmentFilesInOrderWithTheOptionalDash()
    {
        const string dropIn = "[Service]\nEnvironmentFile=/etc/default/old\nEnvironmentFile=\nEnvironmentFile=-/etc/default/docker /etc/sysconfig/proxy\n[Install]\nEnvironmentFile=/ignored\n";

        Assert.Equal([("/etc/default/docker", true), ("/etc/sysconfig/proxy", false)], SystemdDropIn.EnvironmentFiles(dropIn));
    }

    [Fact]
    public void ReadsProxyVariablesOfAnEnvironmentFileTheLastOneWinning()
    {
        const string file = "# proxy\nHTTP_PROXY=http://first:1\nHTTPS_PROXY=\"http://user:p\\\"w@proxy:3128\"\nno_proxy='localhost, .svc'\nHTTP_PROXY=http://second:2\nOTHER=x\n";

        Assert.Equal(
            [KeyValuePair.Create("HTTP_PROXY", "http://second:2"), KeyValuePair.Create("HTTPS_PROXY", "http://user:p\"w@proxy:3128"), KeyValuePair.Create("no_proxy", "localhost, .svc")],
            SystemdDropIn.ProxyVariablesOfFile(file));
    }

    [Fact]
    public void RendersAnEnvironmentFileThatReadsBackTheSame()
    {
        KeyValuePair<string, string>[] variables = [KeyValuePair.Create("HTTPS_PROXY", "http://user:p\"w\\x@proxy:3128"), KeyValuePair.Create("NO_PROXY", "a b,c")];

        var text = SystemdDropIn.RenderEnvironmentFile(variables);

        Assert.Equal(variables, SystemdDropIn.ProxyVariablesOfFile(text));
    }

    [Fact]
    public void TheContainerdDropInNamesTheFileAndHoldsNoValue()
    {
        var text = SystemdDropIn.RenderProxy("/etc/containerd/proxy.env");

        Assert.Contains("[Service]\nEnvironmentFile=/etc/containerd/proxy.env\n", text);
        Assert.Empty(SystemdDropIn.ProxyEnvironment(text));
    }

    [Theory]
    [InlineData("http://user:secret@proxy:3128", "http://user:***@proxy:3128")]
    [InlineData("HTTPS_PROXY=https://u:s:e:c@proxy/ and socks5://x:y@h", "HTTPS_PROXY=https://u:***@proxy/ and socks5://x:***@h")]
    [InlineData("http://proxy:3128", "http://proxy:3128")]
    [InlineData("http://token@proxy:3128", "http://token@proxy:3128")]
    public void UrlPasswordsAreRedacted(string text, string expected) =>
        Assert.Equal(expected, SecretText.UrlPasswords(text));
}
