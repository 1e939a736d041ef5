using System.Collections;
using System.Management.Automation;
using CriPS.Completion;
using CriPS.Engine;

namespace CriPS.Cmdlets;

/// <summary>
/// Creates a container in a pod (crictl create) from parameters, from a crictl container config, or from a config
/// with parameters on top; -Pull fetches a missing image first. Start-CriContainer starts it.
/// </summary>
[Cmdlet(VerbsCommon.New, "CriContainer", SupportsShouldProcess = true, DefaultParameterSetName = ParametersSet)]
[OutputType(typeof(Container))]
public sealed class NewCriContainerCommand : CriCmdlet
{
    private const string ParametersSet = "Parameters";
    private const string ConfigSet = "Config";

    /// <summary>The pod's full id; a pod from Get-CriPod or New-CriPod binds here.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PodCompleter))]
    [PodIdTransformation]
    public string PodId { get; set; } = "";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ParametersSet)]
    [Parameter(Position = 0, ParameterSetName = ConfigSet)]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    [Parameter(Mandatory = true, Position = 1, ParameterSetName = ParametersSet)]
    [Parameter(Position = 1, ParameterSetName = ConfigSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ImageCompleter))]
    public string? Image { get; set; }

    /// <summary>A crictl container config: a JSON or YAML file, JSON text, or a hashtable shaped like crictl's JSON.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ConfigSet)]
    [ValidateNotNull]
    public object? Config { get; set; }

    /// <summary>
    /// The config the pod was created with, as crictl create takes it (file, JSON, YAML or hashtable). Without it the
    /// config this session created the pod with is used, else what the runtime reports of it.
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public object? PodConfig { get; set; }

    /// <summary>Host paths to mount: /host/path:/container/path[:ro|rw].</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] Mount { get; set; } = [];

    /// <summary>Pulls the image first when the runtime does not have it (with the kubelet's Docker config files for credentials).</summary>
    [Parameter]
    public SwitchParameter Pull { get; set; }

    /// <summary>How long the pull of -Pull may take, in seconds: 300 by default (-TimeoutSec is the deadline of the other calls).</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int PullTimeoutSec { get; set; } = 300;

    /// <summary>Replaces the image's entrypoint.</summary>
    [Parameter]
    public string[] Command { get; set; } = [];

    /// <summary>Replaces the image's command (its arguments to the entrypoint).</summary>
    [Parameter]
    [Alias("Args")]
    public string[] Argument { get; set; } = [];

    [Parameter]
    public Hashtable? Environment { get; set; }

    [Parameter]
    public Hashtable? Label { get; set; }

    [Parameter]
    public Hashtable? Annotation { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? WorkingDirectory { get; set; }

    [Parameter]
    public uint? Attempt { get; set; }

    [Parameter]
    public SwitchParameter Tty { get; set; }

    private Engine.Configs.ContainerConfig? _config;
    private Engine.Configs.PodConfig? _podConfig;
    private List<MountSpec> _mounts = new();

    /// <summary>The config and mounts are read once, before any pod is touched.</summary>
    protected override void CheckParameters()
    {
        try
        {
            _config = Config is null ? null : ConfigArgument.ToContainerConfig(Config, this, "-Config");
            _podConfig = PodConfig is null ? null : ConfigArgument.ToPodConfig(PodConfig, this, "-PodConfig");
            _mounts = Mount.Select(MountSpec.Parse).ToList();
        }
        catch (CriException e)
        {
            ThrowTerminating(e);
        }
    }

    protected override void ProcessRecord()
    {
        var name = Name ?? _config?.Name;
        var image = Image ?? _config?.Image;
        if (!ShouldProcess($"{name} ({image}) in pod {PodId}", "Create container"))
            return;
        var spec = new ContainerSpec
        {
            Config = _config,
            Name = Name,
            Attempt = Attempt,
            Image = Image,
            Command = Command,
            Args = Argument,
            WorkingDir = WorkingDirectory,
            Environment = ToStringMap(Environment),
            Labels = ToStringMap(Label),
            Annotations = ToStringMap(Annotation),
            Mounts = _mounts,
            Tty = Tty.IsPresent ? true : null,
        };
        if (Pull && image is { Length: > 0 } && !PullIfMissing(image))
            return;
        Container? created = null;
        if (TryAwait(async c => created = await Client.CreateContainerAsync(PodId, spec, c, _podConfig), "CreateContainer"))
            WriteObject(created);
    }

    /// <summary>False after a pull failed (written as the item's error).</summary>
    private bool PullIfMissing(string image) =>
        TryRun((output, c) => Client.PullIfMissingAsync(image, System.Environment.GetEnvironmentVariable("HOME"),
            TimeSpan.FromSeconds(PullTimeoutSec), output.Verbose, c), $"PullImage {image}");
}
