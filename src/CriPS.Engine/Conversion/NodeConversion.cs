namespace CriPS.Engine.Conversion;

/// <summary>
/// Convert-DockerNodeToContainerd's engine: surveys the node, plans the end state, and runs the steps of
/// ConversionSteps.All in order, recording each in the state file so a later run resumes after the last finished
/// step. Every step is safe to run again. The same state and backup drive the rollback, each step undoing its own.
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

    /// <summary>
    /// A finished or rolled-back conversion's state and backup move aside (named with the time) when a new one
    /// starts; of those set aside, the newest <paramref name="keep"/> stay.
    /// </summary>
    internal static void ArchivePrevious(NodeFiles files, int keep)
    {
        var directory = files.HostPath(NodePaths.StateDirectory);
        var aside = $"{directory}.{DateTime.UtcNow:yyyyMMddTHHmmssfffZ}";
        Directory.Move(directory, aside);
        var parent = Path.GetDirectoryName(directory)!;
        var pattern = Path.GetFileName(directory) + ".*Z";
        // The time stamps sort as text in time order.
        foreach (var old in Directory.GetDirectories(parent, pattern).Order(StringComparer.Ordinal).Reverse().Skip(keep))
            Directory.Delete(old, recursive: true);
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
        foreach (var name in ConversionSteps.All.Select(s => s.Name))
        {
            var done = _state.Steps.FirstOrDefault(s => s.Name == name);
            report.Steps.Add(done is { Status: ConversionStepStatus.Done or ConversionStepStatus.DoneBefore }
                ? new ConversionStep { Name = name, Status = ConversionStepStatus.DoneBefore, StartedAt = done.StartedAt, Duration = done.Duration, Details = done.Details }
                : new ConversionStep { Name = name, Status = ConversionStepStatus.Pending });
        }
        return report;
    }

    internal static string RollbackCommandFor(ConversionOptions options) =>
        options.Root == "/" ? "Convert-DockerNodeToContainerd -Rollback" : $"Convert-DockerNodeToContainerd -Rollback -Root {QuoteForPowerShell(options.Root)}";

    /// <summary>A PowerShell single-quoted string: only quote characters are special there, and PowerShell takes the typographic ones as quotes too.</summary>
    private static string QuoteForPowerShell(string text)
    {
        var quoted = new System.Text.StringBuilder("'");
        foreach (var c in text)
            quoted.Append(c is '\'' or '\u2018' or '\u2019' or '\u201A' or '\u201B' ? new string(c, 2) : c.ToString());
        return quoted.Append('\'').ToString();
    }

    /// <summary>Everything the conversion would do, step by step, for -WhatIf. Changes nothing.</summary>
    public IReadOnlyList<PlannedAction> Plan()
    {
        var context = ContextWith(new QuietLog());
        var actions = new List<PlannedAction>();
        foreach (var (step, record) in ConversionSteps.All.Zip(Report.Steps))
            if (record.Status == ConversionStepStatus.DoneBefore)
                actions.Add(new PlannedAction(step.Name, "Skip (done by an earlier run)", step.Name, ""));
            else
                actions.AddRange(step.Plan(context));
        return actions;
    }

    private ConversionContext ContextWith(IConversionLog log) => new(_options, _files, _backup, _state, _survey, _plan, _findings, Report, log);

    /// <summary>Planning runs nothing, so it has nothing to log.</summary>
    private sealed class QuietLog : IConversionLog
    {
        public void Verbose(string message) { }
        public void Warning(string message) { }
        public void Progress(string step, string status, int percent) { }
    }
}
