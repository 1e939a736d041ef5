using System.Text;
using CriPS.Engine.Conversion;

namespace CriPS.Tests.Conversion;

/// <summary>The node tree below -Root: paths stay inside it, writes are atomic and keep owner and mode, the backup keeps first copies.</summary>
[Collection(ProcessUmask.Name)]
public sealed class NodeFilesTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("crips-node-files-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("/etc/../../outside", "/outside")]
    [InlineData("/../etc", "/etc")]
    [InlineData("/etc/./a//b/", "/etc/a/b")]
    public void DotDotStopsAtTheRoot(string nodePath, string resolved)
    {
        var files = new NodeFiles(_root);
        Assert.Equal(resolved, files.Resolve(nodePath));
        Assert.Equal(_root + resolved, files.HostPath(nodePath));
    }

    [Fact]
    public void RelativeNodePathsAreRefused() =>
        Assert.Throws<ArgumentException>(() => new NodeFiles(_root).HostPath("relative/path"));

    [Fact]
    public void LinksAreFollowedInsideTheRootAsTheNodeWouldSeeThem()
    {
        // The host's own /etc must never be reached: absolute targets start again at the root, and ".." stops there.
        Directory.CreateDirectory(Path.Combine(_root, "opt/configs"));
        Directory.CreateDirectory(Path.Combine(_root, "etc"));
        File.CreateSymbolicLink(Path.Combine(_root, "etc/containerd"), "/opt/configs");
        File.CreateSymbolicLink(Path.Combine(_root, "etc/escape"), "../../../../../../etc");
        File.CreateSymbolicLink(Path.Combine(_root, "etc/host-root"), "/");
        var files = new NodeFiles(_root);
        Assert.Equal("/opt/configs/config.toml", files.Resolve("/etc/containerd/config.toml"));
        Assert.Equal("/etc/passwd", files.Resolve("/etc/escape/passwd"));
        Assert.Equal("/etc/passwd", files.Resolve("/etc/host-root/etc/passwd"));
        Assert.Null(files.ReadBytes("/etc/escape/passwd")); // the root's /etc has no passwd, the host's does
    }

    [Fact]
    public void ALinkLoopIsAnErrorNotAHang()
    {
        Directory.CreateDirectory(Path.Combine(_root, "etc"));
        File.CreateSymbolicLink(Path.Combine(_root, "etc/a"), "b");
        File.CreateSymbolicLink(Path.Combine(_root, "etc/b"), "/etc/a");
        var e = Assert.Throws<CriException>(() => new NodeFiles(_root).Resolve("/etc/a/config.toml"));
        Assert.Equal("ConversionLinkLoop", e.ErrorId);
    }

    [Fact]
    public void AWriteGoesThroughALinkToItsTargetWithTheTargetsModeAndTheLinkStays()
    {
        var files = new NodeFiles(_root);
        files.WriteAtomic("/opt/configs/containerd.toml", "old"u8.ToArray(), Facts("0600"));
        Directory.CreateDirectory(Path.Combine(_root, "etc/containerd"));
        var link = Path.Combine(_root, "etc/containerd/config.toml");
        File.CreateSymbolicLink(link, "../../opt/configs/containerd.toml");
        Assert.Equal("0600", files.Facts("/etc/containerd/config.toml")!.Value.ModeText); // the target's, not the link's 0777

        var backup = new NodeBackup(files, "/var/lib/backup");
        Assert.True(new NodeChanges(files, backup).WriteText("/etc/containerd/config.toml", "new"));
        Assert.Equal("../../opt/configs/containerd.toml", new FileInfo(link).LinkTarget);
        Assert.Equal("new", File.ReadAllText(Path.Combine(_root, "opt/configs/containerd.toml")));
        Assert.Equal("0600", files.Facts("/opt/configs/containerd.toml")!.Value.ModeText);
        var entry = Assert.Single(backup.Entries);
        Assert.Equal(("/opt/configs/containerd.toml", "0600"), (entry.Path, entry.Mode));
        Assert.Equal("old", backup.ReadOriginalText("/etc/containerd/config.toml"));
    }

    [Fact]
    public void APlantedLinkOutsideTheRootDoesNotRedirectAWrite()
    {
        var outside = Path.Combine(Path.GetTempPath(), $"crips-outside-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(_root, "etc"));
        File.CreateSymbolicLink(Path.Combine(_root, "etc/crictl.yaml"), outside);
        new NodeFiles(_root).WriteAtomic("/etc/crictl.yaml", "x"u8.ToArray(), Facts("0644"));
        Assert.False(File.Exists(outside));
        Assert.Equal("x", File.ReadAllText(_root + outside));
    }

    [Fact]
    public async Task ATemporaryFileIsNeverWiderThanTheFinalModeWhileItIsWritten()
    {
        // Another thread stats every temporary file in the folder while 64 MiB are written: a file created with a
        // wider mode and narrowed afterwards (umask 0 gives 0666) shows that mode to it.
        var old = umask(0);
        try
        {
            var files = new NodeFiles(_root);
            files.WriteAtomic("/etc/pki/client.key", "k"u8.ToArray(), Facts("0600"));
            var folder = Path.Combine(_root, "etc/pki");
            var widest = 0;
            using var stop = new CancellationTokenSource();
            var watcher = Task.Run(() =>
            {
                while (!stop.IsCancellationRequested)
                    foreach (var file in Directory.EnumerateFiles(folder, "*.tmp"))
                        try { widest |= (int)UnixFileFacts.Of(file).Mode; } catch (IOException) { }
            });
            for (var i = 0; i < 3; i++)
                files.WriteAtomic("/etc/pki/client.key", new byte[64 << 20], Facts("0600"));
            await stop.CancelAsync();
            await watcher;
            Assert.Equal(0, widest & ~Convert.ToInt32("0600", 8));
        }
        finally
        {
            umask(old);
        }
    }

    [Fact]
    public void ALinkPlantedWhereATemporaryFileWouldGoRedirectsNothing()
    {
        var files = new NodeFiles(_root);
        files.WriteAtomic("/etc/crictl.yaml", "old"u8.ToArray(), Facts("0644"));
        var outside = Path.Combine(Path.GetTempPath(), $"crips-planted-{Guid.NewGuid():N}");
        // The name a temporary file of this process would have had without a random part.
        File.CreateSymbolicLink(Path.Combine(_root, $"etc/crictl.yaml.crips-{Environment.ProcessId}.tmp"), outside);
        files.WriteAtomic("/etc/crictl.yaml", "new"u8.ToArray(), Facts("0644"));
        Assert.False(File.Exists(outside));
        Assert.Equal("new", files.ReadText("/etc/crictl.yaml"));
    }

    [Fact]
    public void NewFilesAndDirectoriesGetTheirModeWhateverTheUmask()
    {
        var old = umask(0);
        try
        {
            var files = new NodeFiles(_root);
            files.WriteAtomic("/etc/new/a.conf", "x"u8.ToArray(), Facts("0640"));
            files.CreateDirectory("/var/lib/private", (UnixFileMode)Convert.ToInt32("0700", 8));
            umask(Convert.ToInt32("0077", 8));
            files.WriteAtomic("/etc/new/b.conf", "x"u8.ToArray(), Facts("0644"));
            Assert.Equal("0640", files.Facts("/etc/new/a.conf")!.Value.ModeText);
            Assert.Equal("0644", files.Facts("/etc/new/b.conf")!.Value.ModeText);
            Assert.Equal("755", DirectoryMode("etc/new"));
            Assert.Equal("700", DirectoryMode("var/lib/private"));
            Assert.Equal("755", DirectoryMode("var/lib"));
        }
        finally
        {
            umask(old);
        }
    }

    [Fact]
    public void AHugeFileIsRefusedNotRead()
    {
        Directory.CreateDirectory(Path.Combine(_root, "etc"));
        using (var stream = File.Create(Path.Combine(_root, "etc/config.toml")))
            stream.SetLength(5L << 20);
        var e = Assert.Throws<CriException>(() => new NodeFiles(_root).ReadBytes("/etc/config.toml"));
        Assert.Equal("ConversionFileTooLarge", e.ErrorId);
    }

    [Fact]
    public void ListingsCountLinksToFilesAndNameBrokenLinks()
    {
        var files = new NodeFiles(_root);
        files.WriteAtomic("/etc/pki/client.key", "k"u8.ToArray(), Facts("0600"));
        Directory.CreateDirectory(Path.Combine(_root, "etc/docker/certs.d/reg:5000"));
        File.CreateSymbolicLink(Path.Combine(_root, "etc/docker/certs.d/reg:5000/client.key"), "../../../pki/client.key");
        File.CreateSymbolicLink(Path.Combine(_root, "etc/docker/certs.d/reg:5000/client.cert"), "/etc/pki/absent.cert");
        Assert.Equal(["/etc/docker/certs.d/reg:5000/client.key"], files.List("/etc/docker/certs.d/reg:5000", "*"));
        Assert.Equal([("/etc/docker/certs.d/reg:5000/client.cert", "/etc/pki/absent.cert")], files.BrokenLinks("/etc/docker/certs.d/reg:5000"));
        Assert.Equal("0600", files.Facts("/etc/docker/certs.d/reg:5000/client.key")!.Value.ModeText);
    }

    private string DirectoryMode(string relative) => Convert.ToString((int)UnixFileFacts.Of(Path.Combine(_root, relative)).Mode, 8);

    [Fact]
    public void DirectoriesAreRecordedForRollbackBeforeTheWriteThatCreatesThem()
    {
        var files = new NodeFiles(_root);
        var backup = new NodeBackup(files, "/var/lib/backup");
        Directory.CreateDirectory(Path.Combine(_root, "etc"));
        // The write fails once its parents exist, as if killed in between: the file's name is valid, but its
        // temporary file's (the name plus ".crips-PID-XXXXXXXX.tmp") is longer than Linux's 255 bytes.
        var path = "/etc/newdir/sub/" + new string('a', 240);
        Assert.Equal(["/etc/newdir", "/etc/newdir/sub"], files.MissingParents(path));
        Assert.ThrowsAny<IOException>(() => new NodeChanges(files, backup).WriteText(path, "x"));
        Assert.True(Directory.Exists(Path.Combine(_root, "etc/newdir/sub")));
        Assert.Equal(["/etc/newdir", "/etc/newdir/sub"], new NodeBackup(files, "/var/lib/backup").CreatedDirectories);
    }

    [Fact]
    public void LeftoverTemporariesOfADeadRunAreRemovedOnRequest()
    {
        var files = new NodeFiles(_root);
        files.WriteAtomic("/etc/crictl.yaml", "x"u8.ToArray(), Facts("0644"));
        var dead = Path.Combine(_root, "etc/crictl.yaml.crips-4194305-00000000.tmp");
        File.WriteAllText(dead, "half");
        files.RemoveLeftoverTemporaries("/etc/crictl.yaml");
        Assert.False(File.Exists(dead));
    }

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern int umask(int mask);

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
        var dead = Path.Combine(_root, "etc/crictl.yaml.crips-4194305-0A1B2C3D.tmp");
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

/// <summary>Tests that change the process's umask run alone: other tests' new files would get the wrong mode meanwhile.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessUmask
{
    public const string Name = "process umask";
}
