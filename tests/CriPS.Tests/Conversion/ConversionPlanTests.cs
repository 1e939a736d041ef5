using CriPS.Engine.Conversion;

namespace CriPS.Tests.Conversion;

/// <summary>The small pure parts of the conversion's plan: names, versions, defaults, diffs.</summary>
public sealed class ConversionPlanTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("crips-plan-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("busybox", "docker.io/library/busybox:latest")]
    [InlineData("busybox:1.36", "docker.io/library/busybox:1.36")]
    [InlineData("127.0.0.1:5100/crips/pause:3.9", "127.0.0.1:5100/crips/pause:3.9")]
    [InlineData("Not A Reference", "Not A Reference")]
    public void DockerAndContainerdNamesCompareInFullForm(string name, string expected) =>
        Assert.Equal(expected, NodePlan.Normalize(name));

    [Theory]
    [InlineData("Kubernetes v1.26.15", "1.26.15")]
    [InlineData("containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+b1", "1.6.20")]
    [InlineData("v2.1.0", "2.1.0")]
    public void VersionsAreTheFirstTripleInAProgramsOutput(string output, string expected) =>
        Assert.Equal(Version.Parse(expected), Executables.ParseVersion(output));

    [Fact]
    public void NoVersionInTheOutputIsNull() => Assert.Null(Executables.ParseVersion("kubelet: command not found"));

    [Theory]
    [InlineData("1.23.17", "k8s.gcr.io/pause:3.6")]
    [InlineData("1.24.0", "registry.k8s.io/pause:3.7")]
    [InlineData("1.26.15", "registry.k8s.io/pause:3.9")]
    [InlineData("1.31.2", "registry.k8s.io/pause:3.10")]
    public void KubeadmsSandboxImageFollowsTheKubeletVersion(string kubelet, string expected) =>
        Assert.Equal(expected, NodeSurvey.DefaultSandboxImage(Version.Parse(kubelet)));

    [Fact]
    public void TheDiffOfANewFileIsAgainstDevNull()
    {
        var files = new NodeFiles(_root);
        var diff = PlannedFile.Text("Kubelet", "/etc/crictl.yaml", "timeout: 10\n", []).Diff(files);
        Assert.Contains("--- /dev/null", diff);
        Assert.Contains("+++ b/etc/crictl.yaml", diff);
        Assert.Contains("+timeout: 10", diff);
    }

    [Fact]
    public void TheDiffOfAnEditedFileShowsOnlyTheChange()
    {
        var files = new NodeFiles(_root);
        files.WriteAtomic("/etc/a.conf", "one\ntwo\nthree\n"u8.ToArray(), new UnixFileFacts(UnixFileMode.UserRead | UnixFileMode.UserWrite, 0, 0));
        var diff = PlannedFile.Text("Kubelet", "/etc/a.conf", "one\n2\nthree\n", []).Diff(files);
        Assert.Contains("--- a/etc/a.conf", diff);
        Assert.Contains("-two", diff);
        Assert.Contains("+2", diff);
        Assert.DoesNotContain("-one", diff);
    }

    [Fact]
    public void APrivateKeyIsNeverShownInADiff()
    {
        var diff = PlannedFile.Text("DockerSettings", "/etc/containerd/certs.d/r:5000/client.key", "-----BEGIN PRIVATE KEY-----\nsecret\n", []).Diff(new NodeFiles(_root));
        Assert.DoesNotContain("secret", diff);
        Assert.Contains("private key", diff);
    }

    [Theory]
    [InlineData("/", "Convert-DockerNodeToContainerd -Rollback")]
    [InlineData("/mnt/node", "Convert-DockerNodeToContainerd -Rollback -Root '/mnt/node'")]
    [InlineData("/mnt/it's; rm -rf /", "Convert-DockerNodeToContainerd -Rollback -Root '/mnt/it''s; rm -rf /'")]
    [InlineData("/mnt/\u2019x", "Convert-DockerNodeToContainerd -Rollback -Root '/mnt/\u2019\u2019x'")]
    public void TheRollbackCommandQuotesTheRootForPowerShell(string root, string expected) =>
        Assert.Equal(expected, NodeConversion.RollbackCommandFor(new ConversionOptions { Root = root }));

    [Fact]
    public void OnlyTheNewestBackupsAreKeptWhenANewConversionStarts()
    {
        var files = new NodeFiles(_root);
        var parent = Path.Combine(_root, "var/lib/crips");
        foreach (var stamp in new[] { "20260101T000000000Z", "20260301T000000000Z", "20260201T000000000Z" })
            Directory.CreateDirectory(Path.Combine(parent, "docker-to-containerd." + stamp));
        Directory.CreateDirectory(Path.Combine(parent, "docker-to-containerd"));
        Directory.CreateDirectory(Path.Combine(parent, "unrelated"));

        NodeConversion.ArchivePrevious(files, keep: 2);

        var left = Directory.GetDirectories(parent).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(3, left.Count); // the one set aside now, the newest earlier one, and the unrelated directory
        Assert.Contains("docker-to-containerd.20260301T000000000Z", left);
        Assert.Contains("unrelated", left);
        Assert.DoesNotContain("docker-to-containerd.20260201T000000000Z", left);
        Assert.DoesNotContain("docker-to-containerd", left);
    }

    [Fact]
    public void TheDefaultNodeNameIsTheFullHostName()
    {
        // .NET's MachineName stops at the first dot. A thread of its own gets its own UTS namespace (root, as
        // converting a node needs) with a host name that has dots; the machine's own ("vm" here) has none.
        string? name = null;
        var error = 0;
        var thread = new Thread(() =>
        {
            const string hostName = "Node-1.Example.Internal";
            if (unshare(0x04000000 /* CLONE_NEWUTS */) != 0 || sethostname(hostName, hostName.Length) != 0)
                error = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            else
                name = ConversionOptions.DefaultNodeName();
        });
        thread.Start();
        thread.Join();
        Assert.Equal(0, error);
        Assert.Equal("node-1.example.internal", name);
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int unshare(int flags);

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int sethostname(string name, int length);
}
