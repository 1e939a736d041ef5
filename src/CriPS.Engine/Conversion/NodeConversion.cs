namespace CriPS.Engine.Conversion;

/// <summary>
/// Convert-DockerNodeToContainerd's engine: surveys the node, plans the end state, and runs the named steps in
/// order, recording each in the state file so a later run resumes after the last finished step. Every step is
/// safe to run again. The same state and backup drive the rollback.
/// </summary>
public sealed partial class NodeConversion
{
    private readonly ConversionOptions _options;
    private readonly NodeFiles _files;
    private readonly NodeBackup _backup;
    private readonly ConversionState _state;
    private readonly NodeSurvey _survey;
    private readonly NodePlan _plan;
    private readonly List<ConversionFinding> _findings;
    private readonly bool _resuming;
    private bool _previous;

    private NodeConversion(ConversionOptions options, NodeFiles files, NodeBackup backup, ConversionState state, bool resuming,
        NodeSurvey survey, NodePlan plan, List<ConversionFinding> findings)
    {
        _options = options;
        _files = files;
        _backup = backup;
        _state = state;
        _resuming = resuming;
        _survey = survey;
        _plan = plan;
        _findings = findings;
        Report = NewReport();
    }

    /// <summary>The report as planned; Run fills in what happened.</summary>
    public ConversionReport Report { get; }

    /// <summary>The kubelet already uses containerd and containerd's config already matches.</summary>
    public bool NothingToDo { get; private set; }

    /// <summary>Preflight errors not accepted with -AcceptFinding: nothing may change.</summary>
    public IReadOnlyList<ConversionFinding> BlockingFindings => _resuming ? [] : _findings.Where(f => f.Severity == FindingSeverity.Error && !f.Accepted).ToList();

    public bool Resuming => _resuming;

    public static async Task<NodeConversion> OpenAsync(ConversionOptions options, CancellationToken cancel)
    {
        var files = new NodeFiles(options.Root);
        var state = ConversionState.Load(files, NodePaths.StateFile);
        var resuming = state is { InProgress: true };
        // A finished or rolled-back conversion's backup is not this one's: plan from the files as they are now.
        var backup = new NodeBackup(files, NodePaths.BackupDirectory, fresh: !resuming);
        var previous = !resuming && state is not null;
        state = resuming ? state! : new ConversionState { StartedAt = DateTimeOffset.Now };
        var survey = await NodeSurvey.TakeAsync(options, files, backup, state, ContainerdVersionAsync, cancel).ConfigureAwait(false);
        var plan = NodePlan.Make(survey);
        var findings = Preflight.Check(survey, plan);
        var conversion = new NodeConversion(options, files, backup, state, resuming, survey, plan, findings) { _previous = previous };
        conversion.NothingToDo = !resuming && survey.CurrentKind == KubeletRuntimeKind.Containerd
            && survey.CurrentContainerdFacts is { } current && !current.CriDisabled && ContainerdConfig.Matches(current, plan.Containerd);
        if (conversion.NothingToDo)
            conversion.Report.Outcome = ConversionOutcome.NothingToDo;
        else if (!resuming && survey.CurrentKind == KubeletRuntimeKind.Containerd)
            // Not a Docker node: converting would stop services that are not there. Say what differs instead.
            findings.Add(new ConversionFinding
            {
                Severity = FindingSeverity.Error,
                Id = "KubeletAlreadyOnContainerd",
                Message = $"The kubelet already uses containerd, but {NodePaths.ContainerdConfig} does not match it (CRI disabled, or SystemdCgroup, sandbox_image or config_path differ); correct the config by hand.",
                Target = NodePaths.ContainerdConfig,
                Accepted = options.AcceptedFindings.Contains("KubeletAlreadyOnContainerd", StringComparer.OrdinalIgnoreCase),
            });
        return conversion;
    }

    /// <summary>A finished or rolled-back conversion's state and backup move aside when a new one starts.</summary>
    private static void ArchivePrevious(NodeFiles files)
    {
        var directory = files.HostPath(NodePaths.StateDirectory);
        var aside = $"{directory}.{DateTime.UtcNow:yyyyMMddTHHmmssZ}";
        Directory.Move(directory, aside);
    }

    private static async Task<Version?> ContainerdVersionAsync(string endpoint, TimeSpan timeout, CancellationToken cancel)
    {
        try
        {
            var version = await ContainerdClient.Connect(endpoint, "k8s.io", timeout).GetVersionAsync(cancel).ConfigureAwait(false);
            return Executables.ParseVersion(version.Version);
        }
        catch (CriException)
        {
            return null;
        }
    }

    private ConversionReport NewReport()
    {
        var report = new ConversionReport
        {
            Root = _files.Root,
            Outcome = ConversionOutcome.Planned,
            From = _survey.Kind.ToString(),
            KubeletVersion = _survey.KubeletVersion?.ToString() ?? "",
            ContainerdVersion = _survey.ContainerdVersion?.ToString() ?? "",
            ContainerdEndpoint = _survey.ContainerdEndpoint,
            Findings = _findings,
            CarriedSettings = _plan.Carried,
            StateFile = NodePaths.StateFile,
            BackupDirectory = NodePaths.BackupDirectory,
            RollbackCommand = RollbackCommandFor(_options),
            RuntimeEndpoint = _survey.ContainerdEndpoint,
            ComputerName = Environment.MachineName,
        };
        report.Images.AddRange(_plan.ImagesToMove.Select(i => new MovedImage
        {
            Name = i.Tags[0], DockerId = i.Id, Size = i.Size, Status = "Planned",
            Note = i.Tags.Count > 1 ? "also " + string.Join(", ", i.Tags.Skip(1)) : "",
        }));
        report.Images.AddRange(_plan.SkippedImages);
        foreach (var name in StepNames.All)
        {
            var done = _state.Steps.FirstOrDefault(s => s.Name == name);
            report.Steps.Add(done is { Status: ConversionStepStatus.Done or ConversionStepStatus.DoneBefore }
                ? new ConversionStep { Name = name, Status = ConversionStepStatus.DoneBefore, StartedAt = done.StartedAt, Duration = done.Duration, Details = done.Details }
                : new ConversionStep { Name = name, Status = ConversionStepStatus.Pending });
        }
        return report;
    }

    private static string RollbackCommandFor(ConversionOptions options) =>
        options.Root == "/" ? "Convert-DockerNodeToContainerd -Rollback" : $"Convert-DockerNodeToContainerd -Rollback -Root '{options.Root}'";

    /// <summary>Everything the conversion would do, step by step, for -WhatIf. Changes nothing.</summary>
    public IReadOnlyList<PlannedAction> Plan()
    {
        var actions = new List<PlannedAction>();
        void Add(string step, string action, string target, string detail = "") => actions.Add(new PlannedAction(step, action, target, detail));
        foreach (var step in Report.Steps)
        {
            if (step.Status == ConversionStepStatus.DoneBefore)
            {
                Add(step.Name, "Skip (done by an earlier run)", step.Name);
                continue;
            }
            switch (step.Name)
            {
                case StepNames.Preflight:
                    foreach (var finding in _findings)
                        Add(step.Name, $"Report {finding.Severity}{(finding.Accepted ? " (accepted)" : "")}", finding.Target, $"{finding.Id}: {finding.Message}");
                    break;
                case StepNames.Backup:
                    foreach (var file in _plan.Files.Select(f => f.NodePath).Distinct())
                        Add(step.Name, "Back up", file, $"to {NodePaths.BackupDirectory}");
                    break;
                case StepNames.Drain:
                    if (_options.KubeConfig is null)
                        Add(step.Name, "Manual step", _options.NodeName, DrainAdvice);
                    else
                        Add(step.Name, "Cordon and drain through the Kubernetes API", _options.NodeName,
                            $"evictions respect PodDisruptionBudgets; DaemonSet and mirror pods stay; deadline {_options.DrainTimeout.TotalSeconds:0} s");
                    break;
                case StepNames.Images:
                    foreach (var image in _plan.ImagesToMove)
                        Add(step.Name, "Move image to containerd (k8s.io)", string.Join(", ", image.Tags), $"{image.Id}, {Display.Bytes(image.Size)}");
                    foreach (var image in _plan.SkippedImages)
                        Add(step.Name, "Skip image", image.DockerId, image.Note);
                    break;
                case StepNames.StopServices:
                    foreach (var action in StopActions())
                        Add(step.Name, action.Describe, action.Target);
                    break;
                case StepNames.ContainerdConfig or StepNames.DockerSettings or StepNames.Kubelet:
                    foreach (var file in _plan.FilesOf(step.Name))
                        Add(step.Name, _files.Exists(file.NodePath) ? "Edit file" : "Create file", file.NodePath,
                            string.Join("; ", file.Changes) + "\n" + file.Diff(_files));
                    if (step.Name == StepNames.DockerSettings && _plan.ChangesUnits)
                        Add(step.Name, "Run", "systemctl daemon-reload");
                    break;
                case StepNames.StartServices:
                    Add(step.Name, "Run", "systemctl enable containerd");
                    Add(step.Name, "Run", "systemctl restart containerd", "then wait until CRI reports RuntimeReady");
                    Add(step.Name, "Run", "systemctl start kubelet");
                    break;
                case StepNames.Postflight:
                    Add(step.Name, "Verify through CRI", _survey.ContainerdEndpoint,
                        "containerd answers CRI v1; RuntimeReady and NetworkReady; sandbox image present; every moved image listed with the same ID"
                        + (_options.VerifyPull.Count > 0 ? "; pull " + string.Join(", ", _options.VerifyPull) : ""));
                    break;
                case StepNames.Uncordon:
                    if (_options.KubeConfig is null)
                        Add(step.Name, "Manual step", _options.NodeName, UncordonAdvice);
                    else
                        Add(step.Name, "Uncordon through the Kubernetes API", _options.NodeName,
                            $"and set {CriSocketAnnotation.Key} to {_plan.KubeletEndpoint} where it names dockershim or cri-dockerd");
                    break;
            }
        }
        return actions;
    }

    private string DrainAdvice => $"kubectl drain {_options.NodeName} --ignore-daemonsets --delete-emptydir-data (before the services stop)";

    private string UncordonAdvice => $"kubectl uncordon {_options.NodeName}; if the node's {CriSocketAnnotation.Key} annotation names dockershim or cri-dockerd, set it to {_plan.KubeletEndpoint}";
}
