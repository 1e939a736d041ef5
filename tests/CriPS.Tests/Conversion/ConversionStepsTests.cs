using CriPS.Engine.Conversion;

namespace CriPS.Tests.Conversion;

/// <summary>The list of steps, and how a file step's undo finds its own files in the backup.</summary>
public sealed class ConversionStepsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("crips-steps-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void TheStepsKeepTheNamesAndOrderOfTheStateFile() =>
        Assert.Equal(["Preflight", "Backup", "Drain", "Images", "StopServices", "ContainerdConfig", "DockerSettings", "Kubelet",
            "StartServices", "Postflight", "Uncordon"], ConversionSteps.All.Select(s => s.Name));

    [Fact]
    public async Task AFileStepsUndoRestoresOnlyItsOwnFiles()
    {
        var files = new NodeFiles(_root);
        var mode = new UnixFileFacts(UnixFileMode.UserRead | UnixFileMode.UserWrite, 0, 0);
        files.WriteAtomic("/etc/crictl.yaml", "old crictl"u8.ToArray(), mode);
        files.WriteAtomic("/etc/hosts.toml", "old hosts"u8.ToArray(), mode);
        var changes = new NodeChanges(files, new NodeBackup(files, "/backup"));
        changes.WriteBytes("/etc/crictl.yaml", "new crictl"u8.ToArray(), step: KubeletStep.StepName);
        changes.WriteBytes("/var/lib/kubelet/new.env", "created"u8.ToArray(), step: KubeletStep.StepName);
        changes.WriteBytes("/etc/hosts.toml", "new hosts"u8.ToArray(), step: DockerSettingsStep.StepName);

        var backup = new NodeBackup(files, "/backup");
        Assert.Equal([KubeletStep.StepName, KubeletStep.StepName, DockerSettingsStep.StepName], backup.Entries.Select(e => e.Step));
        var record = new ConversionStep { Name = "Rollback" };
        var context = new RollbackContext(files, backup, new ConversionState(), new Systemctl(TimeSpan.FromSeconds(5)), record, new ConversionOptions());
        await new KubeletStep().UndoAsync(context, CancellationToken.None);

        Assert.Equal("old crictl", files.ReadText("/etc/crictl.yaml"));
        Assert.False(files.Exists("/var/lib/kubelet/new.env"));
        Assert.Equal("new hosts", files.ReadText("/etc/hosts.toml"));
        Assert.Equal(["restored /etc/crictl.yaml", "removed /var/lib/kubelet/new.env"], record.Details);
    }

    [Fact]
    public void AnEntryOfAnOlderManifestNamesNoStep()
    {
        var files = new NodeFiles(_root);
        files.WriteAtomic("/backup/manifest.json", """{"Entries":[{"Path":"/etc/crictl.yaml","Existed":false}]}"""u8.ToArray(),
            new UnixFileFacts(UnixFileMode.UserRead | UnixFileMode.UserWrite, 0, 0));
        Assert.Null(Assert.Single(new NodeBackup(files, "/backup").Entries).Step);
    }
}
