using System.Text.Json;

namespace CriPS.Engine.Conversion;

/// <summary>The read-only checks before any change; each problem becomes a finding with a stable Id.</summary>
internal static class Preflight
{
    private static readonly Version CriV1Minimum = new(1, 6, 0);
    private static readonly Version CniFixed = new(1, 6, 4);

    public static List<ConversionFinding> Check(NodeSurvey survey, NodePlan plan)
    {
        var findings = new List<ConversionFinding>();
        void Add(FindingSeverity severity, string id, string message, string target) =>
            findings.Add(new ConversionFinding { Severity = severity, Id = id, Message = message, Target = target });

        if (survey.KubeletVersion is null)
            Add(FindingSeverity.Error, "KubeletVersionUnknown",
                "The kubelet's version is unknown (`kubelet --version` did not answer); give it with -KubeletVersion.", "kubelet");
        switch (survey.Kind)
        {
            case KubeletRuntimeKind.Unknown when survey.KubeletVersion is not null:
                Add(FindingSeverity.Error, "KubeletRuntimeUnknown", "The kubelet's flags and config do not say which runtime it uses.", NodePaths.KubeadmFlagsEnv);
                break;
            case KubeletRuntimeKind.Other:
                Add(FindingSeverity.Error, "KubeletRuntimeNotDocker",
                    $"The kubelet uses {survey.Kubelet.RuntimeEndpoint}, which is neither Docker (dockershim, cri-dockerd) nor containerd.", survey.Kubelet.RuntimeEndpoint ?? "");
                break;
            case KubeletRuntimeKind.Dockershim when survey.KubeletVersion is { Major: 1, Minor: >= 24 }:
                Add(FindingSeverity.Error, "KubeletRuntimeUnknown", $"kubelet {survey.KubeletVersion} has no dockershim, but its flags name no other runtime.", NodePaths.KubeadmFlagsEnv);
                break;
        }

        if (survey.ContainerdVersion is not { } containerd)
            Add(FindingSeverity.Error, "ContainerdNotFound", $"containerd neither answers on {survey.ContainerdEndpoint} nor is on PATH.", survey.ContainerdEndpoint);
        else if (containerd < CriV1Minimum)
            Add(FindingSeverity.Error, "ContainerdTooOld", $"containerd {containerd} does not serve CRI v1; 1.6 or newer is needed.", survey.ContainerdEndpoint);
        else if (containerd < CniFixed)
            Add(FindingSeverity.Warning, "ContainerdCniBugs", $"containerd {containerd} has CNI bugs fixed in 1.6.4; upgrade it.", survey.ContainerdEndpoint);
        if (survey.KubeletVersion is { } kubelet && survey.ContainerdVersion is { } runtime)
        {
            // containerd 2.0 dropped CRI v1alpha2, the only CRI kubelets up to 1.22 speak; Kubernetes 1.36 needs containerd 2.0 or newer.
            if (runtime.Major >= 2 && !KubeletVersions.AtLeast(kubelet, new Version(1, 23)))
                Add(FindingSeverity.Error, "KubeletContainerdIncompatible",
                    $"kubelet {kubelet} speaks only CRI v1alpha2, which containerd {runtime} no longer serves: upgrade the kubelet to 1.23 or newer first, or use containerd 1.7.", survey.ContainerdEndpoint);
            else if (runtime.Major < 2 && KubeletVersions.AtLeast(kubelet, new Version(1, 36)))
                Add(FindingSeverity.Error, "KubeletContainerdIncompatible",
                    $"kubelet {kubelet} needs containerd 2.0 or newer; this node has containerd {runtime}: upgrade containerd first.", survey.ContainerdEndpoint);
        }
        findings.AddRange(plan.Problems);

        if (Executables.Find("runc") is null)
            Add(FindingSeverity.Error, "RuncNotFound", "runc is not on PATH.", "runc");
        if (Executables.Find("containerd-shim-runc-v2") is null)
            Add(FindingSeverity.Error, "ShimNotFound", "containerd-shim-runc-v2 is not on PATH.", "containerd-shim-runc-v2");
        CheckCni(survey, Add);

        if (survey.DockerState is null && survey.Options.MoveImages)
            Add(FindingSeverity.Error, "DockerUnavailable", $"Docker's images cannot be listed: {survey.DockerError}", survey.DockerEndpoint);
        if (survey.DockerState is { } docker)
        {
            foreach (var container in docker.Containers.Where(c => c.State == "running" && !c.Kubernetes))
                Add(FindingSeverity.Error, "DockerContainerNotKubernetes",
                    $"Docker container {container.Name} runs outside Kubernetes (no pod labels): it stops with Docker and nothing starts it on containerd. "
                    + "Move it to a static pod or a systemd service first, or accept this finding to let it stop.", container.Name);
            foreach (var container in docker.Containers.Where(c => c.MountSources.Any(IsDockerSocket)))
                Add(FindingSeverity.Warning, "DockerSocketMounted",
                    $"Container {container.Name} mounts Docker's socket; it will not work once Docker is stopped.", container.Name);
            CheckDiskSpace(survey, plan.ImagesToMove, Add);
        }
        if (survey.Options.KubeConfig is { } kubeConfig && ClusterSteps.ExecPluginCommand(kubeConfig) is { } command)
            Add(FindingSeverity.Warning, "KubeConfigRunsCommand",
                $"The kubeconfig's user gets its credentials by running '{command}' (an exec plugin): the drain and uncordon run it as root.", kubeConfig);
        if (survey.Docker.LiveRestore)
            Add(FindingSeverity.Info, "DockerLiveRestore", "Docker has live-restore on: its containers are stopped before Docker itself.", NodePaths.DockerDaemonJson);
        if (survey.Docker.CgroupDriver != survey.CgroupDriver)
            Add(FindingSeverity.Warning, "CgroupDriverMismatch",
                $"Docker uses the {survey.Docker.CgroupDriver} cgroup driver but the kubelet {survey.CgroupDriver}; containerd is set to the kubelet's ({survey.CgroupDriver}).",
                survey.KubeletConfigPath);

        foreach (var finding in findings.Where(f => f.Severity == FindingSeverity.Error))
            finding.Accepted = survey.Options.AcceptedFindings.Contains(finding.Id, StringComparer.OrdinalIgnoreCase);
        return findings;
    }

    private static bool IsDockerSocket(string source) => source.EndsWith("/docker.sock", StringComparison.Ordinal);

    private static void CheckCni(NodeSurvey survey, Action<FindingSeverity, string, string, string> add)
    {
        var conflists = survey.Files.List(survey.CniConfDir, "*.conflist").Concat(survey.Files.List(survey.CniConfDir, "*.conf")).Order(StringComparer.Ordinal).ToList();
        if (conflists.Count == 0)
        {
            add(FindingSeverity.Error, "CniConfigMissing", $"No CNI network config in {survey.CniConfDir}: pods would get no network.", survey.CniConfDir);
            return;
        }
        // containerd loads the first file in lexical order, as the kubelet did.
        var first = conflists[0];
        try
        {
            using var document = JsonDocument.Parse(survey.Files.ReadText(first) ?? "");
            var root = document.RootElement;
            if (!root.TryGetProperty("cniVersion", out var version) || version.GetString() is not { Length: > 0 })
                add(FindingSeverity.Error, "CniVersionMissing", $"{first} has no cniVersion, which containerd requires.", first);
            var plugins = root.TryGetProperty("plugins", out var list) ? list.EnumerateArray().ToList() : [root];
            foreach (var plugin in plugins)
                if (plugin.TryGetProperty("type", out var type) && type.GetString() is { } name && !survey.Files.Exists(survey.CniBinDir + "/" + name))
                    add(FindingSeverity.Error, "CniPluginMissing", $"{first} uses the CNI plugin '{name}', which is not in {survey.CniBinDir}.", survey.CniBinDir + "/" + name);
        }
        catch (JsonException e)
        {
            add(FindingSeverity.Error, "CniConfigInvalid", $"{first} is not valid JSON: {e.Message}", first);
        }
    }

    /// <summary>Moved images take their compressed size in the content store and about as much again once unpacked.</summary>
    private static void CheckDiskSpace(NodeSurvey survey, IReadOnlyList<DockerImageFacts> images, Action<FindingSeverity, string, string, string> add)
    {
        var needed = images.Sum(i => i.Size);
        if (needed == 0)
            return;
        var directory = survey.Files.HostPath(NodePaths.ContainerdRootDefault);
        while (!Directory.Exists(directory) && Path.GetDirectoryName(directory) is { } parent)
            directory = parent;
        var free = new DriveInfo(directory).AvailableFreeSpace;
        if (free < needed)
            add(FindingSeverity.Error, "DiskSpaceLow", $"The images need {Display.Bytes(needed)} but {NodePaths.ContainerdRootDefault} has {Display.Bytes(free)} free.", NodePaths.ContainerdRootDefault);
        else if (free < 2 * needed)
            add(FindingSeverity.Warning, "DiskSpaceTight", $"The images need {Display.Bytes(needed)}, about twice that once unpacked; {Display.Bytes(free)} is free.", NodePaths.ContainerdRootDefault);
    }
}
