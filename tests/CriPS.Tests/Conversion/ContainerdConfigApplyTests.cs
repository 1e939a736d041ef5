using CriPS.Engine.Conversion;

namespace CriPS.Tests.Conversion;

public sealed class ContainerdConfigApplyTests
{
    private static readonly ContainerdCriSettings Wanted = new(true, "registry.k8s.io/pause:3.9", "/etc/containerd/certs.d", "/opt/cni/bin", null);
    private static readonly Version Containerd16 = new(1, 6, 20);
    private static readonly Version Containerd21 = new(2, 1, 9);
    private static readonly Version Containerd23 = new(2, 3, 4);

    [Fact]
    public void NewConfigForContainerd1IsVersion2()
    {
        var edit = ContainerdConfig.Apply(null, Wanted with { CniConfDir = "/etc/cni/net.d" }, Containerd16);

        Assert.Equal("""
            # containerd config for the kubelet, written by CriPS (Convert-DockerNodeToContainerd).
            # Version 2 is the format of containerd 1.x; the CRI settings are described in
            # https://github.com/containerd/containerd/blob/main/docs/cri/config.md
            version = 2

            [plugins."io.containerd.grpc.v1.cri"]
              # The pause image every pod sandbox runs.
              sandbox_image = "registry.k8s.io/pause:3.9"

            [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
              runtime_type = "io.containerd.runc.v2"

            [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
              # Must match the kubelet's cgroupDriver (true: systemd, false: cgroupfs).
              SystemdCgroup = true

            [plugins."io.containerd.grpc.v1.cri".cni]
              bin_dir = "/opt/cni/bin"
              conf_dir = "/etc/cni/net.d"

            [plugins."io.containerd.grpc.v1.cri".registry]
              # Mirrors, CAs and insecure registries: <config_path>/<host>/hosts.toml (docs/hosts.md).
              config_path = "/etc/containerd/certs.d"

            """, edit.Text);
        Assert.Equal([
            "new config file, version 2",
            "sandbox_image: unset -> \"registry.k8s.io/pause:3.9\"",
            "runtime_type: unset -> \"io.containerd.runc.v2\"",
            "SystemdCgroup: unset -> true",
            "bin_dir: unset -> \"/opt/cni/bin\"",
            "conf_dir: unset -> \"/etc/cni/net.d\"",
            "config_path: unset -> \"/etc/containerd/certs.d\"",
        ], edit.Changes);
    }

    [Fact]
    public void NewConfigForContainerd2IsVersion3WithoutCniWhenNoneIsWanted()
    {
        var edit = ContainerdConfig.Apply(null, Wanted with { CniBinDir = null, SystemdCgroup = false }, Containerd21);

        Assert.Equal("""
            # containerd config for the kubelet, written by CriPS (Convert-DockerNodeToContainerd).
            # Version 3 is the format of containerd 2.0 to 2.2; the CRI settings are described in
            # https://github.com/containerd/containerd/blob/main/docs/cri/config.md
            version = 3

            [plugins."io.containerd.cri.v1.images".pinned_images]
              # The pause image every pod sandbox runs.
              sandbox = "registry.k8s.io/pause:3.9"

            [plugins."io.containerd.cri.v1.images".registry]
              # Mirrors, CAs and insecure registries: <config_path>/<host>/hosts.toml (docs/hosts.md).
              config_path = "/etc/containerd/certs.d"

            [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
              # Must match the kubelet's cgroupDriver (true: systemd, false: cgroupfs).
              SystemdCgroup = false

            """, edit.Text);
    }

    [Fact]
    public void NewConfigForContainerd23IsVersion4WithTheCriTablesOfVersion3()
    {
        var edit = ContainerdConfig.Apply(null, Wanted with { CniBinDir = null }, Containerd23);

        Assert.Contains("version = 4\n", edit.Text);
        Assert.Contains("# Version 4 is the format of containerd 2.3 and later;", edit.Text);
        Assert.Contains("[plugins.\"io.containerd.cri.v1.images\".pinned_images]\n  # The pause image every pod sandbox runs.\n  sandbox = \"registry.k8s.io/pause:3.9\"", edit.Text);
        Assert.Contains("new config file, version 4", edit.Changes);
    }

    [Fact]
    public void AVersion4ConfigIsEditedWhereVersion3HasTheCriSettingsAndItsGrpcServerIsRead()
    {
        const string Existing = """
            version = 4

            [plugins."io.containerd.server.v1.grpc"]
              address = "/run/k8s/containerd.sock"

            [plugins."io.containerd.cri.v1.images".pinned_images]
              sandbox = "registry.k8s.io/pause:3.10"
            """;

        var edit = ContainerdConfig.Apply(Existing, Wanted, Containerd23);

        Assert.StartsWith("version = 4", edit.Text);
        Assert.Contains("sandbox = \"registry.k8s.io/pause:3.9\"", edit.Text);
        Assert.Contains("[plugins.\"io.containerd.cri.v1.images\".registry]", edit.Text);
        Assert.Equal("/run/k8s/containerd.sock", ContainerdConfig.Read(Existing).GrpcAddress);
    }

    [Theory]
    [InlineData(1, 7)]
    [InlineData(2, 2)]
    public void AVersion4ConfigIsRefusedForAContainerdBefore23(int major, int minor)
    {
        var e = Assert.Throws<CriException>(() => ContainerdConfig.Apply("version = 4\n", Wanted, new Version(major, minor)));

        Assert.Equal("ContainerdConfigUnsupported", e.ErrorId);
        Assert.Contains("version 4 needs containerd 2.3 or later", e.Message);
    }

    [Fact]
    public void NewVersion3ConfigWritesBinDirForContainerd20()
    {
        var edit = ContainerdConfig.Apply(null, Wanted, Containerd21);

        Assert.EndsWith("""
            [plugins."io.containerd.cri.v1.runtime".cni]
              # bin_dir, not bin_dirs: containerd 2.0 reads only bin_dir; 2.1 and later still accept it.
              bin_dir = "/opt/cni/bin"

            """, edit.Text);
    }

    [Fact]
    public void DockerShippedConfigBecomesVersion2ForContainerd1()
    {
        var edit = ContainerdConfig.Apply(ContainerdConfigFixtures.DockerShipped, Wanted, Containerd16);

        Assert.Equal("""
            #   Copyright 2018-2022 Docker Inc.

            #   Licensed under the Apache License, Version 2.0 (the "License");

            version = 2
            disabled_plugins = []

            #root = "/var/lib/containerd"
            #state = "/run/containerd"

            #[grpc]
            #  address = "/run/containerd/containerd.sock"
            #  uid = 0

            [plugins."io.containerd.grpc.v1.cri"]
            sandbox_image = "registry.k8s.io/pause:3.9"

            [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
            runtime_type = "io.containerd.runc.v2"

            [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
            SystemdCgroup = true

            [plugins."io.containerd.grpc.v1.cri".cni]
            bin_dir = "/opt/cni/bin"

            [plugins."io.containerd.grpc.v1.cri".registry]
            config_path = "/etc/containerd/certs.d"

            """, edit.Text);
        Assert.Equal([
            "version: unset -> 2",
            "disabled_plugins: removed \"cri\"",
            "sandbox_image: unset -> \"registry.k8s.io/pause:3.9\"",
            "runtime_type: unset -> \"io.containerd.runc.v2\"",
            "SystemdCgroup: unset -> true",
            "bin_dir: unset -> \"/opt/cni/bin\"",
            "config_path: unset -> \"/etc/containerd/certs.d\"",
        ], edit.Changes);
    }

    [Fact]
    public void DockerShippedConfigBecomesVersion3ForContainerd2()
    {
        var edit = ContainerdConfig.Apply(ContainerdConfigFixtures.DockerShipped, Wanted with { CniBinDir = null }, Containerd21);

        Assert.Equal("""
            #   Copyright 2018-2022 Docker Inc.

            #   Licensed under the Apache License, Version 2.0 (the "License");

            version = 3
            disabled_plugins = []

            #root = "/var/lib/containerd"
            #state = "/run/containerd"

            #[grpc]
            #  address = "/run/containerd/containerd.sock"
            #  uid = 0

            [plugins."io.containerd.cri.v1.images".pinned_images]
            sandbox = "registry.k8s.io/pause:3.9"

            [plugins."io.containerd.cri.v1.images".registry]
            config_path = "/etc/containerd/certs.d"

            [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
            SystemdCgroup = true

            """, edit.Text);
    }

    [Fact]
    public void Version2SettingsAreEditedWhereTheyAreDottedOrInline()
    {
        var edit = ContainerdConfig.Apply(ContainerdConfigFixtures.Version2Mixed, Wanted with { CniConfDir = "/etc/cni/net.d" }, Containerd16);

        Assert.Equal("""
            version = 2
            root = "/var/lib/containerd"

            [grpc]
              address = "/run/containerd/other.sock"

            [plugins."io.containerd.grpc.v1.cri"]
              sandbox_image = "registry.k8s.io/pause:3.9"  # old pause
              containerd.runtimes.runc.options.SystemdCgroup = true
              cni = { bin_dir = "/opt/cni/bin", conf_dir = "/etc/cni/net.d" }
              containerd.runtimes.runc.runtime_type = "io.containerd.runc.v2"

            # where hosts.toml files live
            [plugins."io.containerd.grpc.v1.cri".registry]
              config_path = "/etc/containerd/certs.d"

            [metrics]
              address = "127.0.0.1:1338"

            """, edit.Text);
        Assert.Equal([
            "sandbox_image: \"k8s.gcr.io/pause:3.6\" -> \"registry.k8s.io/pause:3.9\"",
            "runtime_type: unset -> \"io.containerd.runc.v2\"",
            "SystemdCgroup: false -> true",
            "bin_dir: \"/usr/lib/cni\" -> \"/opt/cni/bin\"",
            "conf_dir: unset -> \"/etc/cni/net.d\"",
            "config_path: \"\" -> \"/etc/containerd/certs.d\"",
        ], edit.Changes);
    }

    [Fact]
    public void Version3KeepsItsQuotingAndBinDirsAndRemovesOnlyCriFromDisabledPlugins()
    {
        var edit = ContainerdConfig.Apply(ContainerdConfigFixtures.Version3, Wanted, Containerd21);

        Assert.Equal("""
            version = 3
            disabled_plugins = ["io.containerd.snapshotter.v1.zfs"]

            [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
              runtime_type = 'io.containerd.runc.v2'
              [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
                BinaryName = '/usr/bin/runc'
                SystemdCgroup = true

            [plugins.'io.containerd.cri.v1.runtime'.cni]
              bin_dirs = ['/opt/cni/bin']

            [plugins."io.containerd.cri.v1.images".pinned_images]
            sandbox = "registry.k8s.io/pause:3.9"

            [plugins."io.containerd.cri.v1.images".registry]
            config_path = "/etc/containerd/certs.d"

            """, edit.Text);
        Assert.DoesNotContain(edit.Changes, c => c.StartsWith("bin_dir", StringComparison.Ordinal));
    }

    [Fact]
    public void Version3BinDirsIsReplacedWhenAnotherDirectoryIsWanted()
    {
        var edit = ContainerdConfig.Apply(ContainerdConfigFixtures.Version3, Wanted with { CniBinDir = "/usr/libexec/cni" }, Containerd21);

        Assert.Contains("  bin_dirs = [\"/usr/libexec/cni\"]\n", edit.Text);
        Assert.DoesNotContain("bin_dir =", edit.Text);
        Assert.Contains("bin_dirs: [\"/opt/cni/bin\"] -> [\"/usr/libexec/cni\"]", edit.Changes);
    }

    [Fact]
    public void Version2FileStaysVersion2OnContainerd2()
    {
        var edit = ContainerdConfig.Apply("version = 2\n", Wanted with { CniBinDir = null }, Containerd21);

        Assert.Equal("""
            version = 2

            [plugins."io.containerd.grpc.v1.cri"]
            sandbox_image = "registry.k8s.io/pause:3.9"

            [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
            runtime_type = "io.containerd.runc.v2"

            [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
            SystemdCgroup = true

            [plugins."io.containerd.grpc.v1.cri".registry]
            config_path = "/etc/containerd/certs.d"

            """, edit.Text);
    }

    [Fact]
    public void NewTablesGoNextToTheirFamilyAndCommentsStayWithTheirSection()
    {
        const string text = """
            version = 2

            [plugins."io.containerd.grpc.v1.cri"]
              sandbox_image = "registry.k8s.io/pause:3.9"
              # kept with the table above

            # about the runc options
            [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
              SystemdCgroup = true

            # about debug
            [debug]
              level = "info"

            """;

        var edit = ContainerdConfig.Apply(text, Wanted with { CniBinDir = null }, Containerd16);

        Assert.Equal("""
            version = 2

            [plugins."io.containerd.grpc.v1.cri"]
              sandbox_image = "registry.k8s.io/pause:3.9"
              # kept with the table above

            [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
            runtime_type = "io.containerd.runc.v2"

            # about the runc options
            [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
              SystemdCgroup = true

            [plugins."io.containerd.grpc.v1.cri".registry]
            config_path = "/etc/containerd/certs.d"

            # about debug
            [debug]
              level = "info"

            """, edit.Text);
    }

    [Fact]
    public void AddedKeysTakeTheTableIndentationAndLandBeforeTheNextSectionsComment()
    {
        const string text = """
            version = 2
            [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
                runtime_type = "io.containerd.runc.v2"

            # options follow
            [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
                BinaryName = "runc"
            """;

        var edit = ContainerdConfig.Apply(text, Wanted with { CniBinDir = null }, Containerd16);

        Assert.Contains("""
            [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
                BinaryName = "runc"
                SystemdCgroup = true

            """, edit.Text);
    }

    [Fact]
    public void DisabledPluginsKeepsOtherEntriesAndItsLines()
    {
        const string text = """
            version = 2
            disabled_plugins = [
              "io.containerd.snapshotter.v1.zfs",  # no zfs here
              "io.containerd.grpc.v1.cri",
              "io.containerd.snapshotter.v1.btrfs",
            ]

            """;

        var edit = ContainerdConfig.Apply(text, Wanted, Containerd16);

        Assert.StartsWith("""
            version = 2
            disabled_plugins = [
              "io.containerd.snapshotter.v1.zfs",  # no zfs here
              "io.containerd.snapshotter.v1.btrfs",
            ]

            """, edit.Text);
    }

    [Theory]
    [InlineData("[\"io.containerd.snapshotter.v1.zfs\", \"cri\"]", "[\"io.containerd.snapshotter.v1.zfs\"]")]
    [InlineData("[\"cri\", \"io.containerd.grpc.v1.cri\"]", "[]")]
    [InlineData("[\n  \"io.containerd.grpc.v1.cri\"\n]", "[]")]
    [InlineData("[ \"a.b\" ]", "[ \"a.b\" ]")]
    public void DisabledPluginsLosesOnlyTheCriIds(string before, string after)
    {
        var edit = ContainerdConfig.Apply($"version = 2\ndisabled_plugins = {before}\n", Wanted, Containerd16);

        Assert.StartsWith($"version = 2\ndisabled_plugins = {after}\n", edit.Text);
    }

    public static TheoryData<string?, int> IdempotenceCases() => new()
    {
        { null, 1 },
        { null, 2 },
        { ContainerdConfigFixtures.DockerShipped, 1 },
        { ContainerdConfigFixtures.DockerShipped, 2 },
        { ContainerdConfigFixtures.Version2Mixed, 1 },
        { ContainerdConfigFixtures.Version2Mixed, 2 },
        { ContainerdConfigFixtures.Version3, 2 },
    };

    [Theory]
    [MemberData(nameof(IdempotenceCases))]
    public void ApplyingTwiceChangesNothingTheSecondTime(string? text, int major)
    {
        var wanted = Wanted with { CniConfDir = "/etc/cni/net.d" };
        var first = ContainerdConfig.Apply(text, wanted, new Version(major, major == 2 ? 1 : 6));

        var second = ContainerdConfig.Apply(first.Text, wanted, new Version(major, major == 2 ? 1 : 6));

        Assert.NotEmpty(first.Changes);
        Assert.Empty(second.Changes);
        Assert.Same(first.Text, second.Text);
        Assert.True(ContainerdConfig.Matches(ContainerdConfig.Read(first.Text), wanted));
    }

    [Fact]
    public void AConvertedFileComesBackByteForByte()
    {
        const string text = "version=2 # odd spacing\r\n[plugins.\"io.containerd.grpc.v1.cri\"]\r\nsandbox_image='registry.k8s.io/pause:3.9'\r\n"
            + "containerd.runtimes.runc = {runtime_type='x', options={SystemdCgroup=true}}\r\n"
            + "registry.config_path = \"/etc/containerd/certs.d\"";

        var edit = ContainerdConfig.Apply(text, Wanted with { CniBinDir = null }, Containerd16);

        Assert.Empty(edit.Changes);
        Assert.Same(text, edit.Text);
    }

    [Fact]
    public void CrLfFileWithoutFinalLineBreakGetsCrLfLines()
    {
        var edit = ContainerdConfig.Apply("version = 2\r\n[plugins.\"io.containerd.grpc.v1.cri\"]\r\nsandbox_image = \"p\"", Wanted with { CniBinDir = null }, Containerd16);

        Assert.Equal("version = 2\r\n[plugins.\"io.containerd.grpc.v1.cri\"]\r\nsandbox_image = \"registry.k8s.io/pause:3.9\"\r\n"
            + "\r\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\r\nruntime_type = \"io.containerd.runc.v2\"\r\n"
            + "\r\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\r\nSystemdCgroup = true\r\n"
            + "\r\n[plugins.\"io.containerd.grpc.v1.cri\".registry]\r\nconfig_path = \"/etc/containerd/certs.d\"\r\n", edit.Text);
    }

    [Fact]
    public void AnotherRuncRuntimeTypeIsKept()
    {
        const string text = "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\nruntime_type = \"io.containerd.runc.v1\"\n";

        var edit = ContainerdConfig.Apply(text, Wanted, Containerd16);

        Assert.Contains("runtime_type = \"io.containerd.runc.v1\"\n", edit.Text);
        Assert.DoesNotContain(edit.Changes, c => c.StartsWith("runtime_type", StringComparison.Ordinal));
    }

    [Fact]
    public void Version3IsRefusedForContainerd1()
    {
        var error = Assert.Throws<CriException>(() => ContainerdConfig.Apply(ContainerdConfigFixtures.Version3, Wanted, Containerd16));

        Assert.Equal("ContainerdConfigUnsupported", error.ErrorId);
        Assert.Equal(CriErrorCategory.InvalidData, error.Category);
        Assert.Contains("version 3 needs containerd 2.x", error.Message);
    }

    [Fact]
    public void Version1WithPluginSectionsIsRefusedWithTheMigrateHint()
    {
        var error = Assert.Throws<CriException>(() => ContainerdConfig.Apply("[plugins.cri]\nsandbox_image = \"p\"\n", Wanted, Containerd16));

        Assert.Equal("ContainerdConfigUnsupported", error.ErrorId);
        Assert.Contains("containerd config migrate", error.Message);
    }

    [Fact]
    public void Version1WithTablesInVersion2FormBecomesVersion2AndKeepsThem()
    {
        // containerd 1.x ignores full-id tables in a version 1 file; the version line makes them count.
        var text = ContainerdConfigFixtures.DockerShipped + "\n[plugins.\"io.containerd.grpc.v1.cri\"]\n  restrict_oom_score_adj = true\n";

        foreach (var major in new[] { 1, 2 })
        {
            var edit = ContainerdConfig.Apply(text, Wanted, new Version(major, major == 2 ? 1 : 6));

            var facts = ContainerdConfig.Read(edit.Text);
            Assert.Equal((2, false, "registry.k8s.io/pause:3.9", true), (facts.Version, facts.CriDisabled, facts.SandboxImage, facts.SystemdCgroup));
            Assert.Contains("restrict_oom_score_adj = true", edit.Text);
            Assert.Contains(edit.Changes, c => c.Contains("io.containerd.grpc.v1.cri") && c.Contains("now read by containerd"));
            Assert.Empty(ContainerdConfig.Apply(edit.Text, Wanted, new Version(major, major == 2 ? 1 : 6)).Changes);
        }
    }

    [Fact]
    public void Version1WithShortPluginIdsIsRefused()
    {
        var error = Assert.Throws<CriException>(() => ContainerdConfig.Apply("disabled_plugins = [\"cri\", \"aufs\"]\n", Wanted, Containerd16));

        Assert.Equal("ContainerdConfigUnsupported", error.ErrorId);
        Assert.Contains("(aufs)", error.Message);
    }

    [Fact]
    public void RegistryMirrorsBesideConfigPathAreRefused()
    {
        const string text = """
            version = 2
            [plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]
              endpoint = ["https://mirror.gcr.io"]
            """;

        var error = Assert.Throws<CriException>(() => ContainerdConfig.Apply(text, Wanted, Containerd16));

        Assert.Equal("ContainerdConfigUnsupported", error.ErrorId);
        Assert.Contains("mirrors", error.Message);
    }

    [Fact]
    public void AValueWhereATableIsNeededIsRefused()
    {
        var error = Assert.Throws<CriException>(() => ContainerdConfig.Apply("version = 2\n[plugins.\"io.containerd.grpc.v1.cri\"]\ncni = \"x\"\n", Wanted, Containerd16));

        Assert.Equal("ContainerdConfigUnsupported", error.ErrorId);
        Assert.Contains("`plugins.\"io.containerd.grpc.v1.cri\".cni` holds a value", error.Message);
    }

    [Fact]
    public void BadTomlIsRefusedBeforeAnyEdit()
    {
        var error = Assert.Throws<CriException>(() => ContainerdConfig.Apply("version = 2\nsandbox_image = \n", Wanted, Containerd16));

        Assert.Equal("ContainerdConfigInvalid", error.ErrorId);
        Assert.Contains("line 2", error.Message);
    }
}
