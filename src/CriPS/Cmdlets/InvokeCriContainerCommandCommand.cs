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
    /// <summary>A command runs this long at most unless -TimeoutSec says otherwise.</summary>
    private static readonly TimeSpan DefaultCommandTimeout = TimeSpan.FromSeconds(30);

    // -TimeoutSec is the command's limit here; the other calls (the lookup) keep the usual deadline.
    protected override TimeSpan? CallTimeout => null;

    private TimeSpan CommandTimeout => TimeoutSec > 0 ? TimeSpan.FromSeconds(TimeoutSec) : DefaultCommandTimeout;

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
                    result = await Client.ExecSyncAsync(container.Id, Command, CommandTimeout, c);
                }, $"ExecSync {typed}") || result is null)
                continue;
            SessionState.PSVariable.Set("global:LASTEXITCODE", result.ExitCode);
            WriteObject(result);
        }
    }
}
