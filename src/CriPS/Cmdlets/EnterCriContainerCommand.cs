using System.Management.Automation;
using CriPS.Completion;
using CriPS.Engine;
using CriPS.Terminal;

namespace CriPS.Cmdlets;

/// <summary>
/// An interactive terminal in a running container (crictl exec -it), or on its main process with -Attach (crictl
/// attach -it). Keys go through raw, Ctrl+C included; the session ends with the process, whose exit code lands in
/// $LASTEXITCODE.
/// </summary>
[Cmdlet(VerbsCommon.Enter, "CriContainer", DefaultParameterSetName = ExecSet)]
[OutputType(typeof(void))]
public sealed class EnterCriContainerCommand : CriCmdlet
{
    private const string ExecSet = "Exec";
    private const string AttachSet = "Attach";

    /// <summary>The container's id or a unique prefix; Get-CriContainer output binds here.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContainerCompleter))]
    [ContainerIdTransformation]
    public string Id { get; set; } = "";

    /// <summary>The program to run and its arguments: sh by default.</summary>
    [Parameter(Position = 1, ParameterSetName = ExecSet)]
    [ValidateNotNullOrEmpty]
    public string[] Command { get; set; } = ["sh"];

    /// <summary>Joins the container's main process (its terminal) instead of starting a new one.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AttachSet)]
    public SwitchParameter Attach { get; set; }

    protected override void CheckParameters()
    {
        if (!RawTerminal.IsAvailable)
            ThrowTerminating(new CriException("CriTerminalRequired", CriErrorCategory.InvalidOperation,
                "Enter-CriContainer needs a terminal, and this session's input or output is redirected; "
                + "use Invoke-CriContainerCommand -Stream to run a command with piped input.", Id));
    }

    protected override void ProcessRecord()
    {
        var exitCode = Run(async (_, cancel) =>
        {
            var container = await Client.GetContainerAsync(Id, cancel, detailed: false);
            if (container.State != ContainerState.Running)
                throw new CriException("CriContainerNotRunning", CriErrorCategory.InvalidOperation,
                    $"Container {container.Name} ({container.Id}) is {container.State}: a terminal opens only in a running container.", Id);
            var request = new StreamRequest(Stdin: true, Tty: true);
            int? exit;
            await using (var process = Attach
                             ? await Client.AttachAsync(container.Id, request, cancel)
                             : await Client.ExecAsync(container.Id, Command, request, cancel))
                exit = await TerminalSession.RunAsync(process, cancel);
            return exit ?? await MainProcessExitAsync(container.Id, cancel);
        }, Attach ? $"Attach {Id}" : $"Exec {Id}");
        if (exitCode is { } code)
            SessionState.PSVariable.Set("global:LASTEXITCODE", code);
    }

    /// <summary>
    /// An attach ends without an exit code of its own. When it ended because the main process did, the container's
    /// exit code is that process's; the runtime records the exit a moment after the stream ends, so it is waited for,
    /// briefly. A container still running (the stream ended otherwise) has none.
    /// </summary>
    private async Task<int?> MainProcessExitAsync(string id, CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow + ExitRecordWait;
        while (true)
        {
            var container = await Client.GetContainerAsync(id, cancel);
            if (container.State == ContainerState.Exited || DateTime.UtcNow >= deadline)
                return container.ExitCode;
            await Task.Delay(ExitPollInterval, cancel);
        }
    }

    private static readonly TimeSpan ExitPollInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan ExitRecordWait = TimeSpan.FromSeconds(3);
}
