using System.Text;
using CriPS.Engine.Conversion;

namespace CriPS.Tests.Conversion;

/// <summary>The node tree below -Root: paths stay inside it, writes are atomic and keep owner and mode, the backup keeps first copies.</summary>
public sealed class NodeFilesTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("crips-node-files-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("/etc/../../outside")]
    [InlineData("/../etc")]
    [InlineData("relative/path")]
    public void PathsNeverLeaveTheRoot(string nodePath) =>
        Assert.Throws<ArgumentException>(() => new NodeFiles(_root).HostPath(nodePath));

    [Fact]
    public void NodePathsAreBelowTheRoot() =>
        Assert.Equal(Path.Combine(_root, "etc/containerd/config.toml"), new NodeFiles(_root).HostPath("/etc/containerd/config.toml"));

    [Fact]
    public void AMissingRootIsAnError()
    {
        var e = Assert.Throws<CriException>(() => new NodeFiles(Path.Combine(_root, "absent")));
        Assert.Equal("ConversionRootNotFound", e.ErrorId);
    }

    [Fact]
    public void AtomicWriteKeepsTheOwnerAndModeOfTheFileItReplaces()
    {
        // Giving a file another owner needs root, as converting a node does.
        var files = new NodeFiles(_root);
        files.WriteAtomic("/etc/kubelet.env", "old"u8.ToArray(), new UnixFileFacts((UnixFileMode)Convert.ToInt32("0640", 8), 1234, 5678));
        files.WriteAtomic("/etc/kubelet.env", "new"u8.ToArray(), files.Facts("/etc/kubelet.env")!.Value);
        var facts = files.Facts("/etc/kubelet.env")!.Value;
        Assert.Equal(("0640", 1234u, 5678u), (facts.ModeText, facts.Uid, facts.Gid));
        Assert.Equal("new", files.ReadText("/etc/kubelet.env"));
        Assert.Single(Directory.GetFiles(Path.Combine(_root, "etc"))); // no temporary file left
    }

    [Fact]
    public void AWriteRemovesTheTemporaryAKilledRunLeftButNotOneOfALiveProcess()
    {
        var files = new NodeFiles(_root);
        files.WriteAtomic("/etc/crictl.yaml", "old"u8.ToArray(), Facts("0644"));
        // pid_max is at most 4194304 on Linux: no process has this id. Process 1 always runs.
        var dead = Path.Combine(_root, "etc/crictl.yaml.crips-4194305.tmp");
        var live = Path.Combine(_root, "etc/crictl.yaml.crips-1.tmp");
        var other = Path.Combine(_root, "etc/crio.yaml.crips-4194305.tmp");
        foreach (var leftover in new[] { dead, live, other })
            File.WriteAllText(leftover, "half");
        files.WriteAtomic("/etc/crictl.yaml", "new"u8.ToArray(), Facts("0644"));
        Assert.Equal(["crictl.yaml", "crictl.yaml.crips-1.tmp", "crio.yaml.crips-4194305.tmp"],
            Directory.GetFiles(Path.Combine(_root, "etc")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void WritesReportTheDirectoriesTheyCreated()
    {
        var files = new NodeFiles(_root);
        var created = files.WriteAtomic("/etc/containerd/certs.d/docker.io/hosts.toml", "x"u8.ToArray(), Facts("0644"));
        Assert.Equal(["/etc", "/etc/containerd", "/etc/containerd/certs.d", "/etc/containerd/certs.d/docker.io"], created);
        Assert.Empty(files.WriteAtomic("/etc/containerd/config.toml", "y"u8.ToArray(), Facts("0600")));
        Assert.Equal("0600", files.Facts("/etc/containerd/config.toml")!.Value.ModeText);
    }

    [Fact]
    public void TheBackupKeepsTheFirstCopyAndReadsOriginalsFromIt()
    {
        var files = new NodeFiles(_root);
        files.WriteAtomic("/etc/a.conf", "original"u8.ToArray(), Facts("0600"));
        var changes = new NodeChanges(files, new NodeBackup(files, "/var/lib/backup"));
        Assert.True(changes.WriteText("/etc/a.conf", "first change"));
        Assert.True(changes.WriteText("/etc/a.conf", "second change"));
        Assert.False(changes.WriteText("/etc/a.conf", "second change"));
        Assert.True(changes.WriteText("/etc/new/b.conf", "created"));

        // A new NodeBackup reads the manifest back, as a resumed run does.
        var backup = new NodeBackup(files, "/var/lib/backup");
        Assert.Equal("original", backup.ReadOriginalText("/etc/a.conf"));
        Assert.Null(backup.ReadOriginalText("/etc/new/b.conf"));
        Assert.Equal("untouched", WriteAndReadOriginal(files, backup, "/etc/c.conf", "untouched"));
        var entry = Assert.Single(backup.Entries, e => e.Path == "/etc/a.conf");
        Assert.Equal(("0600", 8L), (entry.Mode, entry.Size));
        Assert.Equal(["/etc/new"], backup.CreatedDirectories);
        Assert.Equal("second change", files.ReadText("/etc/a.conf"));
        Assert.Equal("0600", files.Facts("/etc/a.conf")!.Value.ModeText);
    }

    [Fact]
    public void ListingsAreSortedNodePaths()
    {
        var files = new NodeFiles(_root);
        foreach (var name in new[] { "20-b.conflist", "10-a.conflist", "notes.txt" })
            files.WriteAtomic("/etc/cni/net.d/" + name, Encoding.UTF8.GetBytes(name), Facts("0644"));
        Assert.Equal(["/etc/cni/net.d/10-a.conflist", "/etc/cni/net.d/20-b.conflist"], files.List("/etc/cni/net.d", "*.conflist"));
        Assert.Empty(files.List("/etc/absent", "*"));
    }

    private static string? WriteAndReadOriginal(NodeFiles files, NodeBackup backup, string path, string text)
    {
        files.WriteAtomic(path, Encoding.UTF8.GetBytes(text), Facts("0644"));
        return backup.ReadOriginalText(path);
    }

    private static UnixFileFacts Facts(string mode) => new((UnixFileMode)Convert.ToInt32(mode, 8), 0, 0);
}
