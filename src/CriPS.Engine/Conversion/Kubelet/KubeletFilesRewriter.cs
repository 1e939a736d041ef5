using System.Globalization;
using System.Text.RegularExpressions;

namespace CriPS.Engine.Conversion;

/// <summary>
/// Points the kubelet's files at a new CRI runtime: the endpoint (where the node keeps it), the flags a Docker
/// runtime needed and containerd does not, the sandbox image and the container log rotation. Files it does not need
/// to change come back as the same text; a second run changes nothing.
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

        var changes = new List<string>();
        var kubeadm = KubeletEnvFile.Kubeadm(files.KubeadmFlagsEnv);
        var extra = KubeletEnvFile.Defaults(files.DefaultsEnv);
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

        foreach (var file in new[] { kubeadm, extra })
        {
            var flags = file.Flags;
            foreach (var name in DockershimFlags)
                Removed(file, flags.Remove(name), "a dockershim flag");

            if (runtimeFlagExists)
                Set(file, RuntimeFlag, "remote");
            else
                Removed(file, flags.Remove(RuntimeFlag), "removed in kubelet 1.27");

            if (KubeletVersions.AtLeast(kubeletVersion, KubeletVersions.PodInfraFlagRemoved))
                Removed(file, flags.Remove(PodInfraFlag), "removed in kubelet 1.35; the runtime's sandbox image is used");
            else
                Set(file, PodInfraFlag, target.SandboxImage);

            if (home is null)
                Set(file, EndpointFlag, target.RuntimeEndpoint);
            else
                Removed(file, flags.Remove(EndpointFlag), $"the endpoint is set in {home.Label}");
            Set(file, "image-service-endpoint", target.RuntimeEndpoint);

            // Flags beat config.yaml, so log flags already there must say the same.
            if (target.ContainerLogMaxSize is { } maxSize)
                Set(file, "container-log-max-size", maxSize);
            if (maxFilesText is not null)
                Set(file, "container-log-max-files", maxFilesText, clampNote);
        }

        if (home is null && !kubeadm.Flags.Has(EndpointFlag) && !extra.Flags.Has(EndpointFlag))
        {
            // A node that never named an endpoint (the dockershim): add it where kubeadm would have put it.
            var flags = kubeadm.Flags;
            var position = flags.Flags.FirstOrDefault(f => f.Name == RuntimeFlag) is { } runtime
                ? (runtime.ValueToken ?? runtime.Token) + 1
                : 0;
            if (runtimeFlagExists && !flags.Has(RuntimeFlag) && !extra.Flags.Has(RuntimeFlag))
            {
                flags.Insert(0, RuntimeFlag, "remote");
                changes.Add($"{kubeadm.Label}: added --{RuntimeFlag}=remote");
                position = 1;
            }
            flags.Insert(position, EndpointFlag, target.RuntimeEndpoint);
            changes.Add($"{kubeadm.Label}: added --{EndpointFlag}={target.RuntimeEndpoint}");
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

        var rewritten = new KubeletFiles(kubeadm.Render(), extra.Render(), config?.Text ?? files.ConfigYaml, instance?.Text ?? files.InstanceConfigYaml);
        return new KubeletRewrite(rewritten, changes);

        void Add(string? change, string note = "")
        {
            if (change is not null)
                changes.Add(change + note);
        }

        void Set(KubeletEnvFile file, string name, string value, string note = "")
        {
            foreach (var flag in file.Flags.Set(name, value))
                changes.Add($"{file.Label}: --{name} {flag.Value ?? "(no value)"} -> {value}{note}");
        }

        void Removed(KubeletEnvFile file, IReadOnlyList<KubeletFlag> removed, string reason)
        {
            foreach (var flag in removed)
                changes.Add($"{file.Label}: removed {flag} ({reason})");
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
