using System.Collections;
using System.Management.Automation;
using CriPS.Engine;

namespace CriPS.Cmdlets;

/// <summary>Runs a new pod sandbox (crictl runp) from parameters.</summary>
[Cmdlet(VerbsCommon.New, "CriPod", SupportsShouldProcess = true)]
[OutputType(typeof(Pod))]
public sealed class NewCriPodCommand : CriCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Namespace { get; set; } = "default";

    /// <summary>The pod's uid; a new GUID when not given.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Uid { get; set; }

    [Parameter]
    public uint Attempt { get; set; }

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

    /// <summary>A runtime handler configured in the runtime (e.g. runc); the default handler when not given.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RuntimeHandler { get; set; }

    /// <summary>The cgroup the pod and its containers run under, as the kubelet sets it; the runtime's default when not given.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CgroupParent { get; set; }

    protected override void EndProcessing()
    {
        if (!ShouldProcess($"{Namespace}/{Name}", "Run pod sandbox"))
            return;
        var spec = new PodSpec
        {
            Name = Name,
            Namespace = Namespace,
            Uid = Uid ?? Guid.NewGuid().ToString(),
            Attempt = Attempt,
            Hostname = Hostname,
            LogDirectory = LogDirectory is null ? null : GetUnresolvedProviderPathFromPSPath(LogDirectory),
            RuntimeHandler = RuntimeHandler,
            CgroupParent = CgroupParent,
            Labels = ToStringMap(Label),
            Annotations = ToStringMap(Annotation),
        };
        WriteObject(Await(c => Client.RunPodAsync(spec, c), "RunPodSandbox"));
    }
}
