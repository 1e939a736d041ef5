using System.Management.Automation;
using CriPS.Completion;

namespace CriPS.Cmdlets;

/// <summary>Stops pod sandboxes (crictl stopp): their containers stop and their network is torn down.</summary>
[Cmdlet(VerbsLifecycle.Stop, "CriPod", SupportsShouldProcess = true)]
[OutputType(typeof(Pod))]
public sealed class StopCriPodCommand : CriCmdlet
{
    /// <summary>Full pod ids (alias -Id); pods bind their id here, and containers the id of their pod.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PodCompleter))]
    [PodIdTransformation]
    public string[] PodId { get; set; } = [];

    /// <summary>Writes each stopped pod to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var id in PodId)
        {
            if (!ShouldProcess(id, "Stop pod sandbox"))
                continue;
            Pod? pod = null;
            // Looked up first: a stop of an unknown id succeeds on most runtimes, and must be CriPodNotFound.
            if (TryAwait(async c =>
                    {
                        pod = await Client.GetPodAsync(id, c);
                        await Client.StopPodAsync(pod.Id, c);
                        pod = PassThru ? await Client.GetPodAsync(pod.Id, c) : null;
                    }, $"StopPodSandbox {id}") && pod is not null)
                WriteObject(pod);
        }
    }
}
