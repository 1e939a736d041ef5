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
    public void RendersAContainerdDropInThatReadsBackTheSame()
    {
        IReadOnlyList<string> environment = ["HTTP_PROXY=http://proxy:3128", "NO_PROXY=a b,\"c\"", "HTTP_PROXY=http://proxy:3128"];

        var text = SystemdDropIn.RenderProxy(environment);

        Assert.Equal(
            "# Docker's proxy settings, carried over by CriPS so containerd pulls through the same proxy.\n[Service]\n"
            + "Environment=\"HTTP_PROXY=http://proxy:3128\"\nEnvironment=\"NO_PROXY=a b,\\\"c\\\"\"\n",
            text);
        Assert.Equal(["HTTP_PROXY=http://proxy:3128", "NO_PROXY=a b,\"c\""], SystemdDropIn.ProxyEnvironment(text));
    }
}
