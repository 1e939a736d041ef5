using System.Globalization;
using System.Text.RegularExpressions;

namespace CriPS.Engine.Conversion;

/// <summary>
/// Points the kubelet's files at a new CRI runtime: the endpoint (where the node keeps it), the flags a Docker
/// runtime needed and containerd does not, the sandbox image and the container log rotation. Each flag is edited
/// in the file and variable it is written in (an environment file, a unit's Environment= line); a flag written on
/// ExecStart itself is not edited but reported as Unwritable. Files it does not need to change come back as the
/// same text; a second run changes nothing.
/// </summary>
internal static partial class KubeletFilesRewriter
{
    private const string EndpointFlag = "container-runtime-endpoint";
    private const string EndpointKey = "containerRuntimeEndpoint";
    private const string RuntimeFlag = "container-runtime";
    private const string PodInfraFlag = "pod-infra-container-image";

    /// <summary>The dockershim's own flags, all removed with it in kubelet 1.24; containerd has its own CNI settings.</summary>
    private static readonly string[] DockershimFlags =
        ["network-plugin", "network-plugin-mtu", "cni-bin-dir", "cni-conf-dir", "cni-cache-dir", "docker-endpoint",
         "image-pull-progress-deadline", "experimental-dockershim-root-directory"];

    /// <exception cref="CriException">KubeletConfigInvalid for malformed YAML, KubeletTargetInvalid for a value
    /// that cannot be written unquoted into a flag.</exception>
    public static KubeletRewrite Rewrite(KubeletFiles files, Version kubeletVersion, KubeletTarget target)
    {
        CheckFlagValue(target.RuntimeEndpoint, nameof(target.RuntimeEndpoint));
        CheckFlagValue(target.SandboxImage, nameof(target.SandboxImage));
        if (target.ContainerLogMaxSize is { } size)
            CheckFlagValue(size, nameof(target.ContainerLogMaxSize));

        var changes = new List<(string File, string Line)>();
        var unwritable = new List<(KubeletFlagHome Home, string Change)>();
        var commandLine = KubeletCommandLine.Of(files);
        var config = files.ConfigYaml is null ? null : new KubeletYamlFile(files.ConfigYaml, "config.yaml");
        var instance = files.InstanceConfigYaml is null ? null : new KubeletYamlFile(files.InstanceConfigYaml, "instance-config.yaml");

        var runtimeFlagExists = !KubeletVersions.AtLeast(kubeletVersion, KubeletVersions.ContainerRuntimeFlagRemoved);
        // Before 1.27 the config has no containerRuntimeEndpoint field: the flag is the only place.
        var home = runtimeFlagExists ? null
            : instance is not null ? instance
            : config is not null && config.Has(EndpointKey) ? config
            : null;

        var maxFiles = target.ContainerLogMaxFiles is { } asked ? Math.Max(2, asked) : (int?)null;
        var maxFilesText = maxFiles?.ToString(CultureInfo.InvariantCulture);
        var clampNote = target.ContainerLogMaxFiles < 2
            ? $" (the kubelet keeps at least 2 log files; asked for {target.ContainerLogMaxFiles})" : "";

        // Each list once, even when its variable is used twice.
        foreach (var part in commandLine.Parts.DistinctBy(p => p.Flags))
        {
            var flags = part.Flags;
            foreach (var name in DockershimFlags)
                Removed(part, flags.Remove(name), "a dockershim flag");

            if (runtimeFlagExists)
                Set(part, RuntimeFlag, "remote");
            else
                Removed(part, flags.Remove(RuntimeFlag), "removed in kubelet 1.27");

            if (KubeletVersions.AtLeast(kubeletVersion, KubeletVersions.PodInfraFlagRemoved))
                Removed(part, flags.Remove(PodInfraFlag), "removed in kubelet 1.35; the runtime's sandbox image is used");
            else
                Set(part, PodInfraFlag, target.SandboxImage);

            if (home is null)
                Set(part, EndpointFlag, target.RuntimeEndpoint);
            else
                Removed(part, flags.Remove(EndpointFlag), $"the endpoint is set in {home.Label}");
            Set(part, "image-service-endpoint", target.RuntimeEndpoint);

            // Flags beat config.yaml, so log flags already there must say the same.
            if (target.ContainerLogMaxSize is { } maxSize)
                Set(part, "container-log-max-size", maxSize);
            if (maxFilesText is not null)
                Set(part, "container-log-max-files", maxFilesText, clampNote);
        }

        // A node that never named an endpoint (the dockershim): add it where kubeadm would have put it, else in
        // the first variable of an environment file on the command line.
        if (home is null && !commandLine.Has(EndpointFlag)
            && commandLine.Parts.Where(p => p.Editable).OrderBy(p => p.Home.Label == "kubeadm-flags.env" ? 0 : p.Home.Kind == KubeletFlagHomeKind.EnvironmentFile ? 1 : 2)
                .FirstOrDefault() is { Flags: not null } insertion)
        {
            var flags = insertion.Flags;
            var position = flags.Flags.FirstOrDefault(f => f.Name == RuntimeFlag) is { } runtime
                ? (runtime.ValueToken ?? runtime.Token) + 1
                : 0;
            if (runtimeFlagExists && !commandLine.Has(RuntimeFlag))
            {
                flags.Insert(0, RuntimeFlag, "remote");
                changes.Add((insertion.Home.File, $"{insertion.Home.Label}: added --{RuntimeFlag}=remote"));
                position = 1;
            }
            flags.Insert(position, EndpointFlag, target.RuntimeEndpoint);
            changes.Add((insertion.Home.File, $"{insertion.Home.Label}: added --{EndpointFlag}={target.RuntimeEndpoint}"));
        }

        if (config is not null)
        {
            Add(config.Set(EndpointKey, target.RuntimeEndpoint, add: home is not null));
            if (config.Has("imageServiceEndpoint"))
                Add(config.Set("imageServiceEndpoint", target.RuntimeEndpoint, add: false));
            if (target.ContainerLogMaxSize is { } maxSize)
                Add(config.Set("containerLogMaxSize", maxSize, add: true));
            if (maxFilesText is not null)
                Add(config.Set("containerLogMaxFiles", maxFilesText, add: true), clampNote);
        }
        if (instance is not null && home == instance)
            Add(instance.Set(EndpointKey, target.RuntimeEndpoint, add: true));

        var texts = commandLine.Render();
        var configText = config?.Text ?? files.ConfigYaml;
        var instanceText = instance?.Text ?? files.InstanceConfigYaml;
        var rewritten = files.Unit is { } unit
            ? files with { Unit = unit.WithTexts(texts), ConfigYaml = configText, InstanceConfigYaml = instanceText }
            : new KubeletFiles(
                texts.TryGetValue(NodePaths.KubeadmFlagsEnv, out var kubeadm) ? kubeadm : files.KubeadmFlagsEnv,
                texts.TryGetValue(NodePaths.DebianKubeletDefaults, out var extra) ? extra : files.DefaultsEnv,
                configText, instanceText);
        return new KubeletRewrite(rewritten, changes.Select(c => c.Line).ToList())
        {
            ChangesByFile = changes.GroupBy(c => c.File).ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(c => c.Line).ToList(), StringComparer.Ordinal),
            Unwritable = unwritable,
        };

        void Add(string? change, string note = "")
        {
            // The YAML files are keyed by their label: only the caller knows their paths.
            if (change is not null)
                changes.Add((change[..change.IndexOf(':')], change + note));
        }

        // A change to flags written on ExecStart (or in an Environment= word quoted another way) is not made but reported.
        void Note((KubeletFlagHome Home, KubeletFlagList Flags, bool Editable) part, string change)
        {
            if (part.Editable)
                changes.Add((part.Home.File, $"{part.Home.Label}: {change}"));
            else
                unwritable.Add((part.Home, change));
        }

        void Set((KubeletFlagHome Home, KubeletFlagList Flags, bool Editable) part, string name, string value, string note = "")
        {
            foreach (var flag in part.Flags.Set(name, value))
                Note(part, $"--{name} {flag.Value ?? "(no value)"} -> {value}{note}");
        }

        void Removed((KubeletFlagHome Home, KubeletFlagList Flags, bool Editable) part, IReadOnlyList<KubeletFlag> removed, string reason)
        {
            foreach (var flag in removed)
                Note(part, $"removed {flag} ({reason})");
        }
    }

    private static void CheckFlagValue(string value, string name)
    {
        if (!FlagValue().IsMatch(value))
            throw new CriException("KubeletTargetInvalid", CriErrorCategory.InvalidArgument,
                $"The kubelet's {name} '{value}' cannot be written as a flag value: it must be one word without quotes.", value);
    }

    // Written unquoted into KUBELET_*_ARGS: no blanks, quotes, backslashes or $ that the file would interpret.
    [GeneratedRegex(@"^[^\s""'\\$`]+$")]
    private static partial Regex FlagValue();
}
