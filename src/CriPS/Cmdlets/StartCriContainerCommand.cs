using System.Management.Automation;
using CriPS.Completion;
using CriPS.Engine;

namespace CriPS.Cmdlets;

/// <summary>
/// Starts created containers (crictl start), or, with -Config and -PodConfig, runs a new pod with a new container in
/// it and starts it (crictl run): all or nothing, a failure after RunPodSandbox removes what the call made.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "CriContainer", SupportsShouldProcess = true, DefaultParameterSetName = IdSet)]
[OutputType(typeof(Container))]
public sealed class StartCriContainerCommand : CriCmdlet
{
    private const string IdSet = "Id";
    private const string RunSet = "Run";

    /// <summary>Full container ids; Get-CriContainer or New-CriContainer output binds here.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = IdSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContainerCompleter))]
    [ContainerIdTransformation]
    public string[] Id { get; set; } = [];

    /// <summary>Writes each started container to the pipeline.</summary>
    [Parameter(ParameterSetName = IdSet)]
    public SwitchParameter PassThru { get; set; }

    /// <summary>The container's crictl config (file, JSON or YAML text, hashtable), as New-CriContainer -Config takes it.</summary>
    [Parameter(Mandatory = true, ParameterSetName = RunSet)]
    [ValidateNotNull]
    public object? Config { get; set; }

    /// <summary>The pod's crictl config, as New-CriPod -Config takes it: the pod is made anew from it.</summary>
    [Parameter(Mandatory = true, ParameterSetName = RunSet)]
    [ValidateNotNull]
    public object? PodConfig { get; set; }

    /// <summary>Pulls the image first when the runtime does not have it (with the kubelet's Docker config files for credentials).</summary>
    [Parameter(ParameterSetName = RunSet)]
    public SwitchParameter Pull { get; set; }

    /// <summary>How long the pull of -Pull may take, in seconds: 300 by default.</summary>
    [Parameter(ParameterSetName = RunSet)]
    [ValidateRange(1, 86400)]
    public int PullTimeoutSec { get; set; } = 300;

    /// <summary>A runtime handler configured in the runtime (crictl run --runtime); the default handler when not given.</summary>
    [Parameter(ParameterSetName = RunSet)]
    [ValidateNotNullOrEmpty]
    public string? RuntimeHandler { get; set; }

    private Engine.Configs.ContainerConfig? _config;
    private Engine.Configs.PodConfig? _podConfig;

    /// <summary>Both configs are parsed before anything connects, so a typo fails as itself and nothing is made.</summary>
    protected override void CheckParameters()
    {
        if (ParameterSetName != RunSet)
            return;
        try
        {
            _config = ConfigArgument.ToContainerConfig(Config!, this, "-Config");
            _podConfig = ConfigArgument.ToPodConfig(PodConfig!, this, "-PodConfig");
        }
        catch (CriException e)
        {
            ThrowTerminating(e);
        }
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == RunSet)
        {
            RunContainer();
            return;
        }
        foreach (var id in Id)
        {
            if (!ShouldProcess(id, "Start container"))
                continue;
            Container? started = null;
            if (TryAwait(async c => { await Client.StartContainerAsync(id, c); if (PassThru) started = await Client.GetContainerAsync(id, c); },
                    $"StartContainer {id}") && started is not null)
                WriteObject(started);
        }
    }

    private void RunContainer()
    {
        var podSpec = new PodSpec { Config = _podConfig, RuntimeHandler = RuntimeHandler };
        var containerSpec = new ContainerSpec { Config = _config };
        var image = _config!.Image;
        var pod = $"{(_podConfig!.Namespace is { Length: > 0 } ns ? ns : "default")}/{_podConfig.Name}";
        if (!ShouldProcess($"{_config.Name} ({image}) in a new pod {pod}", "Run pod sandbox, create and start container"))
            return;
        var home = System.Environment.GetEnvironmentVariable("HOME");
        // Pulled before the pod is made: a pull that fails leaves nothing to undo.
        WriteObject(Run((output, c) => Client.RunContainerAsync(podSpec, containerSpec,
            Pull && image is { Length: > 0 } ? pull => Client.PullIfMissingAsync(image, home, TimeSpan.FromSeconds(PullTimeoutSec), output.Verbose, pull, _podConfig) : null,
            output.Verbose, c), "Run"));
    }
}
