using System.Management.Automation;
using CriPS.Completion;

namespace CriPS.Cmdlets;

/// <summary>Starts created containers (crictl start).</summary>
[Cmdlet(VerbsLifecycle.Start, "CriContainer", SupportsShouldProcess = true)]
[OutputType(typeof(Container))]
public sealed class StartCriContainerCommand : CriCmdlet
{
    /// <summary>Full container ids; Get-CriContainer or New-CriContainer output binds here.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContainerCompleter))]
    [ContainerIdTransformation]
    public string[] Id { get; set; } = [];

    /// <summary>Writes each started container to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
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
}
