using CriPS.Engine.Images;

namespace CriPS.Engine.Conversion;

/// <summary>
/// The end state the conversion works towards, worked out from the survey alone: the containerd settings, the
/// kubelet's new files, each carried Docker setting, and the images to move. Applying it twice changes nothing.
/// </summary>
internal sealed class NodePlan
{
    public required ContainerdCriSettings Containerd { get; init; }
    public required string KubeletEndpoint { get; init; }
    public List<PlannedFile> Files { get; } = new();
    public List<CarriedSetting> Carried { get; } = new();
    public List<DockerImageFacts> ImagesToMove { get; } = new();
    public List<MovedImage> SkippedImages { get; } = new();

    /// <summary>What planning found (a config this conversion cannot edit safely, a setting it cannot carry): preflight findings.</summary>
    public List<ConversionFinding> Problems { get; } = new();

    public IEnumerable<PlannedFile> FilesOf(string step) => Files.Where(f => f.Step == step);

    /// <summary>True when a step's files include a unit file or drop-in, which systemd reads only after a reload.</summary>
    public bool ChangesUnitsOf(string step) => FilesOf(step).Any(f => NodePaths.IsUnitFile(f.NodePath));

    public static NodePlan Make(NodeSurvey survey)
    {
        var plan = new NodePlan
        {
            Containerd = new ContainerdCriSettings(
                SystemdCgroup: survey.CgroupDriver == "systemd",
                SandboxImage: survey.SandboxImage,
                RegistryConfigPath: survey.ContainerdFacts.RegistryConfigPath ?? NodePaths.ContainerdCertsDirectory,
                CniBinDir: survey.Kubelet.CniBinDir,
                CniConfDir: survey.Kubelet.CniConfDir),
            KubeletEndpoint = "unix://" + survey.ContainerdFacts.GrpcAddress,
        };
        plan.PickImages(survey);
        plan.PlanContainerdConfig(survey);
        new DockerSettingsTranslator(survey, plan).Translate();
        plan.PlanKubelet(survey);
        return plan;
    }

    private void PickImages(NodeSurvey survey)
    {
        if (survey.DockerState is not { } docker || !survey.Options.MoveImages)
            return;
        var wanted = survey.Options.Images?.Select(Normalize).ToHashSet(StringComparer.Ordinal);
        var sandbox = Normalize(survey.SandboxImage);
        foreach (var image in docker.Images)
        {
            if (image.Tags.Count == 0)
            {
                if (wanted is null)
                    SkippedImages.Add(new MovedImage { DockerId = image.Id, Size = image.Size, Status = "Skipped", Note = "untagged: containerd has no name to keep it under" });
                continue;
            }
            var names = image.Tags.Select(Normalize).ToList();
            if (wanted is null || names.Any(wanted.Contains) || names.Contains(sandbox))
                ImagesToMove.Add(image);
        }
    }

    private void PlanContainerdConfig(NodeSurvey survey)
    {
        try
        {
            var edit = ContainerdConfig.Apply(survey.ContainerdConfigText, Containerd, survey.ContainerdVersion ?? new Version(1, 6));
            Files.Add(PlannedFile.Text(ContainerdConfigStep.StepName, NodePaths.ContainerdConfig, edit.Text, edit.Changes));
        }
        catch (CriException e)
        {
            Problems.Add(new ConversionFinding { Severity = FindingSeverity.Error, Id = e.ErrorId, Message = e.Message, Target = NodePaths.ContainerdConfig });
        }
    }

    private void PlanKubelet(NodeSurvey survey)
    {
        var version = survey.KubeletVersion ?? new Version(1, 28, 0);
        var logSize = survey.Docker.LogMaxSize is { } size ? DockerLogSize.ToKubeletQuantity(size) : null;
        var rewrite = KubeletFilesRewriter.Rewrite(survey.KubeletFiles, version,
            new KubeletTarget(KubeletEndpoint, survey.SandboxImage, logSize, survey.Docker.LogMaxFile));
        void Add(string path, string label, string? before, string? after)
        {
            if (after is null || after == before)
                return;
            // The rewrite names each change's file ("config.yaml: added ..."): keep this file's own.
            var own = rewrite.ChangesByFile.GetValueOrDefault(label) ?? [];
            Files.Add(PlannedFile.Text(KubeletStep.StepName, path, after, own.Count > 0 ? own : rewrite.Changes));
        }
        if (survey.KubeletFiles.Unit is { } unit)
        {
            // Every file of the unit whose flags changed, where it is: environment files, drop-ins.
            foreach (var (path, text) in rewrite.Files.Unit!.Texts.OrderBy(t => t.Key, StringComparer.Ordinal))
                Add(path, path, unit.Texts.GetValueOrDefault(path), text);
        }
        else
        {
            Add(NodePaths.KubeadmFlagsEnv, NodePaths.KubeadmFlagsEnv, survey.KubeletFiles.KubeadmFlagsEnv, rewrite.Files.KubeadmFlagsEnv);
            Add(survey.KubeletDefaultsPath, NodePaths.DebianKubeletDefaults, survey.KubeletFiles.DefaultsEnv, rewrite.Files.DefaultsEnv);
        }
        Add(survey.KubeletConfigPath, "config.yaml", survey.KubeletFiles.ConfigYaml, rewrite.Files.ConfigYaml);
        Add(NodePaths.KubeletInstanceConfig, "instance-config.yaml", survey.KubeletFiles.InstanceConfigYaml, rewrite.Files.InstanceConfigYaml);
        foreach (var (home, change) in rewrite.Unwritable)
            Problems.Add(new ConversionFinding
            {
                Severity = FindingSeverity.Error, Id = "KubeletFlagInUnit", Target = home.File,
                Message = $"The kubelet's flags need a change that CriPS does not make in {home.Label} (it edits environment files and Environment= lines only): {change}. "
                    + $"Make it by hand in {home.File}, run `systemctl daemon-reload` and run the conversion again; accepting this finding leaves the flag as it is.",
            });
        if (KubeletStillOnDocker(rewrite.Files, version, KubeletEndpoint) is { } stillOnDocker)
            Problems.Add(stillOnDocker);
        Files.Add(PlannedFile.Text(KubeletStep.StepName, NodePaths.CrictlYaml, CrictlYaml.Render(KubeletEndpoint), ["crictl talks to containerd"]));
        if (survey.Docker.LogMaxSize is { } maxSize)
            Carried.Add(new CarriedSetting
            {
                Setting = "log-opts.max-size", Value = maxSize, Status = logSize is null ? "Untranslatable" : "Carried",
                Destination = logSize is null ? "not a size Docker or the kubelet understands" : $"{survey.KubeletConfigPath} containerLogMaxSize: {logSize}",
            });
        if (survey.Docker.LogMaxFile is { } maxFile)
            Carried.Add(new CarriedSetting
            {
                Setting = "log-opts.max-file", Value = maxFile.ToString(System.Globalization.CultureInfo.InvariantCulture), Status = "Carried",
                Destination = $"{survey.KubeletConfigPath} containerLogMaxFiles: {Math.Max(2, maxFile)}",
            });
    }

    /// <summary>
    /// Reads the planned kubelet files back as the kubelet will: if the runtime is still not containerd (a flag on
    /// ExecStart, a ${VARIABLE} CriPS does not edit, no place to put the endpoint), the run must not go on and end
    /// Converted with the kubelet still on Docker. Null when the kubelet will use <paramref name="endpoint"/>.
    /// </summary>
    public static ConversionFinding? KubeletStillOnDocker(KubeletFiles planned, Version version, string endpoint)
    {
        var after = KubeletSettings.Read(planned);
        if (after.Kind(version) == KubeletRuntimeKind.Containerd && after.RuntimeEndpoint == endpoint)
            return null;
        var setting = nameof(KubeletSettings.RuntimeEndpoint);
        return new ConversionFinding
        {
            Severity = FindingSeverity.Error, Id = "KubeletStillOnDocker", Target = after.HomeOf(setting)?.File ?? after.Describe(setting),
            Message = $"After the planned edits the kubelet would still use {after.RuntimeEndpoint ?? "no runtime endpoint"} "
                + $"(set by {after.Describe(setting)}), not containerd's {endpoint}: make it --container-runtime-endpoint={endpoint} there by hand "
                + "(then `systemctl daemon-reload` for a unit file) and run the conversion again.",
        };
    }

    /// <summary>Docker and containerd spell the same image differently (busybox vs docker.io/library/busybox:latest).</summary>
    public static string Normalize(string name) => ImageReference.TryParse(name)?.FullName ?? name;
}
