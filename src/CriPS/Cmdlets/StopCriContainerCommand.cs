using System.Management.Automation;
using CriPS.Completion;

namespace CriPS.Cmdlets;

/// <summary>Stops running containers (crictl stop): SIGTERM, then SIGKILL after -GracePeriodSec seconds.</summary>
[Cmdlet(VerbsLifecycle.Stop, "CriContainer", SupportsShouldProcess = true)]
[OutputType(typeof(Container))]
public sealed class StopCriContainerCommand : CriCmdlet
{
    /// <summary>Full container ids; Get-CriContainer output binds here.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContainerCompleter))]
    [ContainerIdTransformation]
    public string[] Id { get; set; } = [];

    /// <summary>Seconds the container gets to stop after SIGTERM before it is killed (crictl stop --timeout): 10 by default.</summary>
    [Parameter]
    [ValidateRange(0, 86400)]
    public int GracePeriodSec { get; set; } = 10;

    /// <summary>Writes each stopped container to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var id in Id)
        {
            if (!ShouldProcess(id, $"Stop container (grace {GracePeriodSec} s)"))
                continue;
            Container? stopped = null;
            // Looked up first: a stop of an unknown id succeeds on some runtimes, and must be CriContainerNotFound.
            if (TryAwait(async c =>
                    {
                        stopped = await Client.GetContainerAsync(id, c);
                        await Client.StopContainerAsync(stopped.Id, GracePeriodSec, c);
                        stopped = PassThru ? await Client.GetContainerAsync(stopped.Id, c) : null;
                    }, $"StopContainer {id}") && stopped is not null)
                WriteObject(stopped);
        }
    }
}
