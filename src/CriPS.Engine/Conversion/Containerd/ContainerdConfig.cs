using System.Text;
using Tomlyn.Syntax;

namespace CriPS.Engine.Conversion;

/// <summary>
/// Reads and edits containerd's config.toml for a kubelet node (text in, text out; the caller does the I/O).
/// Edits go through the TOML syntax tree, so the file keeps its comments and every key this does not set.
/// </summary>
public static class ContainerdConfig
{
    public const string DefaultGrpcAddress = "/run/containerd/containerd.sock";
    private const string GrpcServerPlugin = "io.containerd.server.v1.grpc";

    /// <summary>The config version a containerd reads without migrating it: 2 for 1.x, 3 for 2.0-2.2, 4 from 2.3.</summary>
    public static int ConfigVersionFor(Version containerd) =>
        containerd.Major < 2 ? 2 : containerd.Major == 2 && containerd.Minor < 3 ? 3 : 4;

    private const string InvalidErrorId = "ContainerdConfigInvalid";
    private const string UnsupportedErrorId = "ContainerdConfigUnsupported";
    private const string FileDescription = "containerd config";

    public static ContainerdConfigFacts Read(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return new ContainerdConfigFacts(1, DefaultGrpcAddress, false, null, null, null, null, null);
        }
        var editor = TomlDocumentEditor.Parse(text, InvalidErrorId, UnsupportedErrorId, FileDescription);
        var version = ReadVersion(editor);
        var layout = ContainerdConfigLayout.For(version);
        // Version 4 (containerd 2.3) names the socket in its grpc server plugin; the old table is still read, deprecated.
        var address = (version >= 4 ? TomlValues.AsString(editor.Get("plugins", GrpcServerPlugin, "address")) : null)
            ?? TomlValues.AsString(editor.Get("grpc", "address"));
        var binDir = TomlValues.AsString(editor.Get(layout.CniBinDir));
        if (string.IsNullOrEmpty(binDir) && version >= 3)
        {
            binDir = TomlValues.Items(editor.Get(layout.CniBinDirs)).Select(TomlValues.AsString).FirstOrDefault();
        }
        return new ContainerdConfigFacts(
            version,
            string.IsNullOrEmpty(address) ? DefaultGrpcAddress : address,
            TomlValues.Items(editor.Get("disabled_plugins")).Any(v => TomlValues.AsString(v) is { } id && ContainerdConfigLayout.CriPluginIds.Contains(id)),
            TomlValues.AsBoolean(editor.Get(layout.SystemdCgroup)),
            TomlValues.AsString(editor.Get(layout.SandboxImage)),
            TomlValues.AsString(editor.Get(layout.RegistryConfigPath)),
            string.IsNullOrEmpty(binDir) ? null : binDir,
            TomlValues.AsString(editor.Get(layout.CniConfDir)));
    }

    /// <summary>True when the config already gives the kubelet what it needs ("already converted").</summary>
    public static bool Matches(ContainerdConfigFacts facts, ContainerdCriSettings wanted) =>
        !facts.CriDisabled
        && facts.SystemdCgroup == wanted.SystemdCgroup
        && facts.SandboxImage == wanted.SandboxImage
        && facts.RegistryConfigPath == wanted.RegistryConfigPath
        && (wanted.CniBinDir is null || facts.CniBinDir == wanted.CniBinDir)
        && (wanted.CniConfDir is null || facts.CniConfDir == wanted.CniConfDir);

    /// <summary>
    /// Sets the CRI settings in the existing config (null or empty: writes a new one for the containerd major version).
    /// A file without `version` (version 1, like the config.toml Docker's containerd.io package ships) is moved to
    /// version 2 (containerd 1.x) or 3 (2.x) when it has no plugin sections, as version 1 only renames plugins;
    /// with version 1 plugin sections it is refused: `containerd config migrate` converts those.
    /// </summary>
    public static ContainerdConfigEdit Apply(string? existingText, ContainerdCriSettings wanted, Version containerdVersion)
    {
        var containerdMajorVersion = containerdVersion.Major;
        if (string.IsNullOrEmpty(existingText))
        {
            return Generate(wanted, containerdVersion);
        }
        var editor = TomlDocumentEditor.Parse(existingText, InvalidErrorId, UnsupportedErrorId, FileDescription);
        var changes = new List<string>();
        var version = ReadVersion(editor);
        if (version == 3 && containerdMajorVersion < 2)
        {
            throw Unsupported($"it is a version 3 config, which containerd {containerdMajorVersion}.x cannot read (version 3 needs containerd 2.x).");
        }
        if (version == 4 && ConfigVersionFor(containerdVersion) < 4)
        {
            throw Unsupported($"it is a version 4 config, which containerd {containerdVersion.ToString(2)} cannot read (version 4 needs containerd 2.3 or later).");
        }
        if (version is < 1 or > 4)
        {
            throw Unsupported($"config version {version} is not known (containerd reads versions 1 to 4).");
        }
        if (version == 1)
        {
            version = UpgradeVersion1(editor, containerdMajorVersion, changes);
        }

        foreach (var removed in editor.RemoveFromStringArray(["disabled_plugins"], ContainerdConfigLayout.CriPluginIds.Contains))
        {
            changes.Add($"disabled_plugins: removed {TomlValues.Quote(removed)}");
        }

        var layout = ContainerdConfigLayout.For(version);
        Set(editor, layout.SandboxImage, TomlValues.String(wanted.SandboxImage), changes);
        if (layout.RuncRuntimeType is { } runtimeType && editor.Get(runtimeType) is null)
        {
            Set(editor, runtimeType, TomlValues.String(ContainerdConfigLayout.RuncV2RuntimeType), changes);
        }
        Set(editor, layout.SystemdCgroup, TomlValues.Boolean(wanted.SystemdCgroup), changes);
        if (wanted.CniBinDir is { } binDir)
        {
            SetCniBinDir(editor, layout, binDir, changes);
        }
        if (wanted.CniConfDir is { } confDir)
        {
            Set(editor, layout.CniConfDir, TomlValues.String(confDir), changes);
        }
        Set(editor, layout.RegistryConfigPath, TomlValues.String(wanted.RegistryConfigPath), changes);
        RefuseRegistryConflicts(editor, layout, wanted);

        return new ContainerdConfigEdit(changes.Count == 0 ? existingText : editor.Text, changes);
    }

    private static void SetCniBinDir(TomlDocumentEditor editor, ContainerdConfigLayout layout, string binDir, List<string> changes)
    {
        // containerd 2.1 refuses bin_dir and bin_dirs together: a file that already uses bin_dirs keeps using it.
        if (layout.Version >= 3 && editor.Get(layout.CniBinDirs) is not null && editor.Get(layout.CniBinDir) is null)
        {
            Set(editor, layout.CniBinDirs, TomlValues.StringArray([binDir]), changes);
            return;
        }
        Set(editor, layout.CniBinDir, TomlValues.String(binDir), changes);
    }

    private static int UpgradeVersion1(TomlDocumentEditor editor, int containerdMajorVersion, List<string> changes)
    {
        // containerd 1.x reads a version 1 file's plugin tables by short id ([plugins.cri]) and ignores tables named
        // by full id ([plugins."io.containerd.grpc.v1.cri"]), which are already in version 2 form: those are kept,
        // and become active with the version line (the change lines say so). Short ids need a real migration.
        var pluginIds = editor.KeyPaths().Where(p => p.Count > 1 && p[0] == "plugins").Select(p => p[1]).Distinct().ToList();
        if (editor.HasAnythingUnder("plugins") && (pluginIds.Count == 0 || pluginIds.Any(id => !id.StartsWith("io.containerd.", StringComparison.Ordinal))))
        {
            throw Unsupported("it is a version 1 config (no `version = 2`) with [plugins] sections. Convert it first: "
                + "`containerd config migrate` (containerd 2.x) or rewrite it as version 2 (plugin ids such as "
                + "plugins.\"io.containerd.grpc.v1.cri\" instead of plugins.cri).");
        }
        foreach (var list in new[] { "disabled_plugins", "required_plugins" })
        {
            var shortIds = TomlValues.Items(editor.Get(list)).Select(TomlValues.AsString)
                .Where(id => id is not null && !id.Contains('.') && !ContainerdConfigLayout.CriPluginIds.Contains(id)).ToList();
            if (shortIds.Count > 0)
            {
                throw Unsupported($"it is a version 1 config whose {list} names plugins by short id ({string.Join(", ", shortIds)}); "
                    + "later versions need full ids such as io.containerd.snapshotter.v1.aufs. Convert it with `containerd config migrate` "
                    + "or rename them first.");
            }
        }
        if (pluginIds.Count > 0)
        {
            changes.Add($"plugin tables {string.Join(", ", pluginIds)}: written for version 2, ignored under version 1, now read by containerd");
        }
        // Tables in version 2 form stay version 2: containerd 2.x migrates a version 2 file itself.
        var target = containerdMajorVersion >= 2 && pluginIds.Count == 0 ? 3 : 2;
        var old = editor.Get("version");
        if (old is null)
        {
            editor.InsertFirst("version", TomlValues.Integer(target));
        }
        else
        {
            editor.Set(["version"], TomlValues.Integer(target));
        }
        changes.Add($"version: {TomlValues.Display(old)} -> {target}");
        return target;
    }

    /// <summary>containerd refuses `registry.mirrors` (and 1.x `configs.*.tls`) next to `config_path`.</summary>
    private static void RefuseRegistryConflicts(TomlDocumentEditor editor, ContainerdConfigLayout layout, ContainerdCriSettings wanted)
    {
        if (string.IsNullOrEmpty(wanted.RegistryConfigPath))
        {
            return;
        }
        string[] mirrors = [.. layout.Registry, "mirrors"];
        string[] configs = [.. layout.Registry, "configs"];
        var tlsUnderConfigs = editor.KeyPaths().Any(p => p.Count > configs.Length + 1
            && TomlKeyPath.StartsWith(p, configs) && p[configs.Length + 1] == "tls");
        if (editor.HasAnythingUnder(mirrors) || tlsUnderConfigs)
        {
            throw Unsupported($"it sets registry mirrors or TLS under `{TomlKeyPath.Display(layout.Registry)}`, which containerd refuses "
                + "together with config_path. Move them to hosts.toml files under the config_path directory and remove them first.");
        }
    }

    private static void Set(TomlDocumentEditor editor, string[] path, ValueSyntax value, List<string> changes)
    {
        var old = editor.Get(path);
        if (editor.Set(path, value))
        {
            changes.Add($"{path[^1]}: {TomlValues.Display(old)} -> {TomlValues.Display(value)}");
        }
    }

    private static int ReadVersion(TomlDocumentEditor editor)
    {
        var value = editor.Get("version");
        if (value is null)
        {
            return 1;
        }
        return TomlValues.AsInteger(value) is { } version and >= int.MinValue and <= int.MaxValue
            ? (int)version
            : throw new CriException(InvalidErrorId, CriErrorCategory.InvalidData,
                $"The {FileDescription} has `version = {TomlValues.Display(value)}`; containerd expects a number.", FileDescription);
    }

    private static CriException Unsupported(string reason) =>
        new(UnsupportedErrorId, CriErrorCategory.InvalidData, $"The {FileDescription} cannot be converted: {reason}", FileDescription);

    /// <summary>A small commented config with exactly the wanted settings, in the format of the containerd major version.</summary>
    private static ContainerdConfigEdit Generate(ContainerdCriSettings wanted, Version containerdVersion)
    {
        var version = ConfigVersionFor(containerdVersion);
        var layout = ContainerdConfigLayout.For(version);
        var text = new StringBuilder();
        var changes = new List<string> { $"new config file, version {version}" };
        text.Append("# containerd config for the kubelet, written by CriPS (Convert-DockerNodeToContainerd).\n");
        text.Append($"# Version {version} is the format of containerd {version switch { 2 => "1.x", 3 => "2.0 to 2.2", _ => "2.3 and later" }}; the CRI settings are described in\n");
        text.Append("# https://github.com/containerd/containerd/blob/main/docs/cri/config.md\n");
        text.Append($"version = {version}\n");

        void Table(string[] path, string? comment, params (string Key, ValueSyntax Value)[] keys)
        {
            text.Append($"\n[{TomlKeyPath.Display(path)}]\n");
            if (comment is not null)
            {
                text.Append($"  # {comment}\n");
            }
            foreach (var (key, value) in keys)
            {
                text.Append($"  {key} = {TomlValues.Display(value)}\n");
                changes.Add($"{key}: unset -> {TomlValues.Display(value)}");
            }
        }

        var sandbox = (layout.SandboxImage[^1], TomlValues.String(wanted.SandboxImage));
        var systemd = (layout.SystemdCgroup[^1], TomlValues.Boolean(wanted.SystemdCgroup));
        var configPath = (layout.RegistryConfigPath[^1], TomlValues.String(wanted.RegistryConfigPath));
        var cni = new List<(string, ValueSyntax)>();
        if (wanted.CniBinDir is { } binDir)
        {
            cni.Add(("bin_dir", TomlValues.String(binDir)));
        }
        if (wanted.CniConfDir is { } confDir)
        {
            cni.Add(("conf_dir", TomlValues.String(confDir)));
        }

        const string SandboxComment = "The pause image every pod sandbox runs.";
        const string CgroupComment = "Must match the kubelet's cgroupDriver (true: systemd, false: cgroupfs).";
        const string RegistryComment = "Mirrors, CAs and insecure registries: <config_path>/<host>/hosts.toml (docs/hosts.md).";
        if (version == 2)
        {
            Table(layout.SandboxImage[..^1], SandboxComment, sandbox);
            Table(layout.RuncRuntimeType![..^1], null, ("runtime_type", TomlValues.String(ContainerdConfigLayout.RuncV2RuntimeType)));
            Table(layout.SystemdCgroup[..^1], CgroupComment, systemd);
            if (cni.Count > 0)
            {
                Table(layout.Cni, null, [.. cni]);
            }
            Table(layout.Registry, RegistryComment, configPath);
        }
        else
        {
            Table(layout.SandboxImage[..^1], SandboxComment, sandbox);
            Table(layout.Registry, RegistryComment, configPath);
            Table(layout.SystemdCgroup[..^1], CgroupComment, systemd);
            if (cni.Count > 0)
            {
                Table(layout.Cni, "bin_dir, not bin_dirs: containerd 2.0 reads only bin_dir; 2.1 and later still accept it.", [.. cni]);
            }
        }
        return new ContainerdConfigEdit(text.ToString(), changes);
    }
}
