using System.Management.Automation;
using CriPS.Completion;

namespace CriPS.Cmdlets;

/// <summary>
/// Runs a command in a running container and waits for it (crictl exec -s). A non-zero exit is not an error:
/// like a native command it sets $LASTEXITCODE, and the result carries ExitCode, Stdout and Stderr.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "CriContainerCommand")]
[OutputType(typeof(ExecResult))]
public sealed class InvokeCriContainerCommandCommand : CriCmdlet
{
    /// <summary>Container ids or unique prefixes; Get-CriContainer output binds here.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContainerCompleter))]
    [ContainerIdTransformation]
    public string[] Id { get; set; } = [];

    /// <summary>The program and its arguments, e.g. -Command cat, /etc/os-release.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string[] Command { get; set; } = [];

    /// <summary>How long the command may run, in seconds, before the runtime stops it: 30 by default.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int CommandTimeoutSec { get; set; } = 30;

    protected override void ProcessRecord()
    {
        foreach (var typed in Id)
        {
            ExecResult? result = null;
            if (!TryAwait(async c =>
                {
                    var container = await Client.GetContainerAsync(typed, c);
                    if (container.State != ContainerState.Running)
                        throw new CriException("CriContainerNotRunning", CriErrorCategory.InvalidOperation,
                            $"Container {container.Name} ({container.Id}) is {container.State}: a command runs only in a running container.", typed);
                    result = await Client.ExecSyncAsync(container.Id, Command, TimeSpan.FromSeconds(CommandTimeoutSec), c);
                }, $"ExecSync {typed}") || result is null)
                continue;
            SessionState.PSVariable.Set("global:LASTEXITCODE", result.ExitCode);
            WriteObject(result);
        }
    }
}
