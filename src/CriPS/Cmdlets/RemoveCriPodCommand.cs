using System.Management.Automation;
using CriPS.Completion;

namespace CriPS.Cmdlets;

/// <summary>Removes pod sandboxes and their containers (crictl rmp). A ready pod needs -Force, which stops it first.</summary>
[Cmdlet(VerbsCommon.Remove, "CriPod", SupportsShouldProcess = true)]
public sealed class RemoveCriPodCommand : CriCmdlet
{
    /// <summary>Full pod ids (alias -Id); pods bind their id here, and containers the id of their pod.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PodCompleter))]
    [PodIdTransformation]
    public string[] PodId { get; set; } = [];

    /// <summary>Stops a pod that is still ready before removing it.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var id in PodId)
        {
            if (!ShouldProcess(id, Force ? "Stop and remove pod sandbox" : "Remove pod sandbox"))
                continue;
            TryAwait(async c =>
            {
                var pod = await Client.GetPodAsync(id, c);
                if (pod.State == PodState.Ready)
                {
                    if (!Force)
                        throw new CriException("CriPodRunning", CriErrorCategory.InvalidOperation,
                            $"Pod {pod} ({id}) is still ready; stop it first (Stop-CriPod) or use -Force.", id);
                    await Client.StopPodAsync(pod.Id, c);
                }
                // The full id from the lookup: runtimes treat removing an unknown id as success.
                await Client.RemovePodAsync(pod.Id, c);
            }, $"RemovePodSandbox {id}");
        }
    }
}
