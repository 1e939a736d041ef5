using System.Management.Automation;
using CriPS.Engine.Conversion;

namespace CriPS.Cmdlets;

/// <summary>
/// Moves a Kubernetes node from Docker Engine (dockershim or cri-dockerd) to containerd: preflight, backup,
/// images, services, containerd and kubelet configuration, postflight through CRI. Each step is recorded in a state
/// file, so running the command again after a failure or a crash resumes; -Rollback undoes it from the backup.
/// </summary>
// Medium, not High: ShouldContinue asks every time unless -Force, so a High ShouldProcess would only ask twice.
[Cmdlet(VerbsData.Convert, "DockerNodeToContainerd", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ConvertSet)]
[OutputType(typeof(ConversionReport))]
public sealed class ConvertDockerNodeToContainerdCommand : CriPSCmdlet
{
    private const string ConvertSet = "Convert";
    private const string RollbackSet = "Rollback";

    /// <summary>The filesystem prefix of the node's files: / on a live node, a directory for a mounted node image.</summary>
    [Parameter(ParameterSetName = ConvertSet)]
    [Parameter(ParameterSetName = RollbackSet)]
    [ValidateNotNullOrEmpty]
    public string Root { get; set; } = "/";

    /// <summary>The kubelet's version, when `kubelet --version` on PATH cannot tell it.</summary>
    [Parameter(ParameterSetName = ConvertSet)]
    public Version? KubeletVersion { get; set; }

    /// <summary>The sandbox (pause) image; by default the kubelet's --pod-infra-container-image, else kubeadm's for the version.</summary>
    [Parameter(ParameterSetName = ConvertSet)]
    [ValidateNotNullOrEmpty]
    public string? SandboxImage { get; set; }

    /// <summary>containerd's socket, where it is not the address in containerd's config (unix:///path or /path).</summary>
    [Parameter(ParameterSetName = ConvertSet)]
    [ValidateNotNullOrEmpty]
    public string? RuntimeEndpoint { get; set; }

    /// <summary>Docker's API socket; by default daemon.json's unix host, else /var/run/docker.sock.</summary>
    [Parameter(ParameterSetName = ConvertSet)]
    [ValidateNotNullOrEmpty]
    public string? DockerEndpoint { get; set; }

    /// <summary>Move only these Docker images (and the sandbox image); by default every tagged image.</summary>
    [Parameter(ParameterSetName = ConvertSet)]
    [ValidateNotNullOrEmpty]
    public string[]? Image { get; set; }

    /// <summary>All (the default) moves Docker's images into containerd; None moves none.</summary>
    [Parameter(ParameterSetName = ConvertSet)]
    [ValidateSet("All", "None")]
    public string MigrateImages { get; set; } = "All";

    /// <summary>Ids of preflight errors to accept (e.g. DiskSpaceLow); other errors stop the conversion before any change.</summary>
    [Parameter(ParameterSetName = ConvertSet)]
    [ValidateNotNullOrEmpty]
    public string[] AcceptFinding { get; set; } = [];

    /// <summary>Mirror Docker's default-ulimits as a containerd.service drop-in instead of only reporting them.</summary>
    [Parameter(ParameterSetName = ConvertSet)]
    public SwitchParameter CarryUlimits { get; set; }

    /// <summary>Image references to pull through CRI at the end, proving the carried mirrors and registries work.</summary>
    [Parameter(ParameterSetName = ConvertSet)]
    [ValidateNotNullOrEmpty]
    public string[] VerifyPull { get; set; } = [];

    /// <summary>A kubeconfig: the node is then cordoned and drained before, and uncordoned after, through the Kubernetes API.</summary>
    [Parameter(ParameterSetName = ConvertSet)]
    [ValidateNotNullOrEmpty]
    public string? KubeConfig { get; set; }

    /// <summary>The node's name in the cluster; by default this machine's full host name in lower case, as the kubelet registers it.</summary>
    [Parameter(ParameterSetName = ConvertSet)]
    [ValidateNotNullOrEmpty]
    public string? NodeName { get; set; }

    /// <summary>How long the drain may take, in seconds (PodDisruptionBudgets may hold evictions back).</summary>
    [Parameter(ParameterSetName = ConvertSet)]
    [ValidateRange(1, 86400)]
    public int DrainTimeoutSec { get; set; } = 300;

    /// <summary>How many earlier conversions' state and backup directories to keep when a new conversion starts.</summary>
    [Parameter(ParameterSetName = ConvertSet)]
    [ValidateRange(0, 100)]
    public int KeepBackups { get; set; } = 3;

    /// <summary>Undo the last conversion from its backup and start Docker again.</summary>
    [Parameter(Mandatory = true, ParameterSetName = RollbackSet)]
    public SwitchParameter Rollback { get; set; }

    /// <summary>Do not ask whether to go on; -WhatIf and -Confirm still apply.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void EndProcessing()
    {
        var options = new ConversionOptions
        {
            Root = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Root),
            KubeletVersion = KubeletVersion,
            SandboxImage = SandboxImage,
            ContainerdEndpoint = RuntimeEndpoint,
            DockerEndpoint = DockerEndpoint,
            Images = Image,
            MoveImages = MigrateImages == "All",
            AcceptedFindings = AcceptFinding,
            CarryUlimits = CarryUlimits,
            VerifyPull = VerifyPull,
            KubeConfig = KubeConfig is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(KubeConfig),
            NodeName = NodeName ?? ConversionOptions.DefaultNodeName(),
            KeepBackups = KeepBackups,
            DrainTimeout = TimeSpan.FromSeconds(DrainTimeoutSec),
            CallTimeout = CallTimeout ?? TimeSpan.FromSeconds(30),
        };
        if (Rollback)
        {
            const string rollback = "Roll back the conversion to containerd and start Docker again";
            if (ShouldProcess(options.Root, rollback) && (Force || ShouldContinue($"{rollback} on {options.Root}?", "Convert-DockerNodeToContainerd -Rollback")))
                RunWithLog((log, c) => NodeConversion.RollbackAsync(options, log, c), null);
            return;
        }

        var conversion = Await(c => NodeConversion.OpenAsync(options, c), "Survey of the node");
        if (conversion.NothingToDo)
        {
            WriteVerbose("The kubelet already uses containerd and containerd's config matches: nothing to do.");
            WriteObject(conversion.Report);
            return;
        }
        var what = conversion.Resuming ? "Resume the conversion from Docker Engine to containerd" : "Convert the node from Docker Engine to containerd";
        if (!ShouldProcess($"{what} on {options.Root}.", $"{what} on {options.Root}?", "Convert-DockerNodeToContainerd", out var reason))
        {
            if (reason == ShouldProcessReason.WhatIf)
                WritePlan(conversion);
            return;
        }
        if (conversion.BlockingFindings.Count > 0)
        {
            foreach (var finding in conversion.BlockingFindings)
                WriteError(new ErrorRecord(new InvalidOperationException($"{finding.Id}: {finding.Message} (accept it with -AcceptFinding {finding.Id})"),
                    "ConversionPreflightFailed", ErrorCategory.InvalidOperation, finding.Target));
            Run((output, c) => conversion.RunAsync(new OutputLog(output), c), null); // records Refused, changes nothing
            WriteObject(conversion.Report);
            return;
        }
        if (!Force && !ShouldContinue($"{what} on {options.Root}? Docker is stopped and the kubelet restarted.", "Convert-DockerNodeToContainerd"))
            return;
        RunWithLog((log, c) => conversion.RunAsync(log, c), conversion.Report);
    }

    /// <summary>-WhatIf: each planned action as a What if line, and the report with those steps Planned.</summary>
    private void WritePlan(NodeConversion conversion)
    {
        foreach (var action in conversion.Plan())
            ShouldProcess($"[{action.Step}] {action.Action}: {action.Target}{(action.Detail.Length > 0 ? "\n" + action.Detail : "")}", "", action.Step);
        foreach (var step in conversion.Report.Steps.Where(s => s.Status == ConversionStepStatus.Pending))
            step.Status = ConversionStepStatus.Planned;
        WriteObject(conversion.Report);
    }

    /// <summary>
    /// Runs the engine while the pipeline thread writes what it reports; the report goes out even when a step
    /// fails, before the error, so scripts see which step failed.
    /// </summary>
    private void RunWithLog(Func<IConversionLog, CancellationToken, Task<ConversionReport>> run, ConversionReport? partial) =>
        WriteObject(Run(async (output, cancel) =>
        {
            try
            {
                return await run(new OutputLog(output), cancel).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                if (partial is not null)
                    await output.ObjectAsync(partial).ConfigureAwait(false);
                if (e is IOException io)
                    throw new CriException("ConversionFileError", CriErrorCategory.WriteError, io.Message, Root, io);
                throw;
            }
        }, null));

    private const int ProgressId = 7;

    /// <summary>The engine's messages, handed to the pipeline thread.</summary>
    private sealed class OutputLog(PipelineOutput output) : IConversionLog
    {
        public void Verbose(string message) => output.Verbose(message);
        public void Warning(string message) => output.Warning(message);
        public void Progress(string step, string status, int percent) =>
            output.Progress(new ProgressRecord(ProgressId, "Convert-DockerNodeToContainerd", $"{step}: {status}") { PercentComplete = percent });
    }
}
