using System.Collections;
using System.Management.Automation;
using CriPS.Completion;
using CriPS.Engine;

namespace CriPS.Cmdlets;

/// <summary>Creates a container in a pod (crictl create) from parameters; Start-CriContainer starts it.</summary>
[Cmdlet(VerbsCommon.New, "CriContainer", SupportsShouldProcess = true)]
[OutputType(typeof(Container))]
public sealed class NewCriContainerCommand : CriCmdlet
{
    /// <summary>The pod's full id; a pod from Get-CriPod or New-CriPod binds here.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PodCompleter))]
    public string PodId { get; set; } = "";

    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ImageCompleter))]
    public string Image { get; set; } = "";

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
    public uint Attempt { get; set; }

    [Parameter]
    public SwitchParameter Tty { get; set; }

    protected override void ProcessRecord()
    {
        if (!ShouldProcess($"{Name} in pod {PodId}", "Create container"))
            return;
        var spec = new ContainerSpec
        {
            Name = Name,
            Attempt = Attempt,
            Image = Image,
            Command = Command,
            Args = Argument,
            WorkingDir = WorkingDirectory,
            Environment = ToStringMap(Environment),
            Labels = ToStringMap(Label),
            Annotations = ToStringMap(Annotation),
            Tty = Tty,
        };
        Container? created = null;
        if (TryAwait(async c => created = await Client.CreateContainerAsync(PodId, spec, c), "CreateContainer"))
            WriteObject(created);
    }
}
