using System.Collections;
using System.Management.Automation;
using CriPS.Engine;

namespace CriPS.Cmdlets;

/// <summary>
/// Runs a new pod sandbox (crictl runp) from parameters, from a crictl pod config (file, JSON text, hashtable),
/// or from a config with parameters on top.
/// </summary>
[Cmdlet(VerbsCommon.New, "CriPod", SupportsShouldProcess = true, DefaultParameterSetName = ParametersSet)]
[OutputType(typeof(Pod))]
public sealed class NewCriPodCommand : CriCmdlet
{
    private const string ParametersSet = "Parameters";
    private const string ConfigSet = "Config";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ParametersSet)]
    [Parameter(Position = 0, ParameterSetName = ConfigSet)]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <summary>A crictl pod config: a JSON or YAML file, JSON text, or a hashtable shaped like crictl's JSON.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ConfigSet)]
    [ValidateNotNull]
    public object? Config { get; set; }

    /// <summary>The pod's namespace; default when neither it nor the config gives one.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Namespace { get; set; }

    /// <summary>The pod's uid; a new GUID when not given.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Uid { get; set; }

    [Parameter]
    public uint? Attempt { get; set; }

    [Parameter]
    public Hashtable? Label { get; set; }

    [Parameter]
    public Hashtable? Annotation { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Hostname { get; set; }

    /// <summary>Where the pod's container logs go; the kubelet's /var/log/pods/NS_NAME_UID when not given.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? LogDirectory { get; set; }

    /// <summary>Ports published on the node: [hostIP:]hostPort:containerPort[/tcp|udp|sctp].</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] PortMapping { get; set; } = [];

    /// <summary>A runtime handler configured in the runtime (e.g. runc); the default handler when not given.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RuntimeHandler { get; set; }

    /// <summary>The cgroup the pod and its containers run under, as the kubelet sets it; the runtime's default when not given.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CgroupParent { get; set; }

    private readonly PodSpec _spec = new();

    /// <summary>The config and port mappings are parsed before anything connects: a typo fails as itself.</summary>
    protected override void CheckParameters()
    {
        try
        {
            _spec.Config = Config is null ? null : ConfigArgument.ToPodConfig(Config, this, "-Config");
            _spec.PortMappings = PortMapping.Select(Engine.PortMapping.Parse).ToList();
        }
        catch (CriException e)
        {
            ThrowTerminating(e);
        }
    }

    protected override void EndProcessing()
    {
        _spec.Name = Name;
        _spec.Namespace = Namespace;
        _spec.Uid = Uid;
        _spec.Attempt = Attempt;
        _spec.Hostname = Hostname;
        _spec.LogDirectory = LogDirectory is null ? null : GetUnresolvedProviderPathFromPSPath(LogDirectory);
        _spec.RuntimeHandler = RuntimeHandler;
        _spec.CgroupParent = CgroupParent;
        _spec.Labels = ToStringMap(Label);
        _spec.Annotations = ToStringMap(Annotation);
        var name = Name ?? _spec.Config?.Name;
        var ns = Namespace ?? (_spec.Config?.Namespace is { Length: > 0 } n ? n : "default");
        if (!ShouldProcess($"{ns}/{name}", "Run pod sandbox"))
            return;
        WriteObject(Await(c => Client.RunPodAsync(_spec, c), "RunPodSandbox"));
    }
}
