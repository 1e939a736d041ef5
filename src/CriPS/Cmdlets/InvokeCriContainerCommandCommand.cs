using System.Management.Automation;
using System.Text;
using CriPS.Completion;
using CriPS.Engine;
using CriPS.Engine.Streaming;

namespace CriPS.Cmdlets;

/// <summary>
/// Runs a command in a running container. By default it waits for the command and returns its output whole (crictl
/// exec -s, CRI ExecSync); with -Stream the output comes as it is written and pipeline input is the command's stdin
/// (crictl exec -i, CRI Exec). A non-zero exit is not an error: like a native command it sets $LASTEXITCODE.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "CriContainerCommand", DefaultParameterSetName = SyncSet)]
[OutputType(typeof(ExecResult), ParameterSetName = [SyncSet])]
[OutputType(typeof(string), ParameterSetName = [StreamSet])]
public sealed class InvokeCriContainerCommandCommand : CriCmdlet
{
    private const string SyncSet = "Sync";
    private const string StreamSet = "Stream";
    /// <summary>Stdin goes out in messages of this size: what one read of a pipe gives, as the servers send output.</summary>
    private const int InputChunkBytes = 32 * 1024;

    private readonly MemoryStream _input = new();

    /// <summary>Container ids or unique prefixes; Get-CriContainer output binds here (without -Stream, whose pipeline is stdin).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = SyncSet)]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = StreamSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContainerCompleter))]
    [ContainerIdTransformation]
    public string[] Id { get; set; } = [];

    /// <summary>The program and its arguments, e.g. -Command cat, /etc/os-release.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string[] Command { get; set; } = [];

    /// <summary>How long the command may run, in seconds, before the runtime stops it: 30 by default.</summary>
    [Parameter(ParameterSetName = SyncSet)]
    [ValidateRange(1, 86400)]
    public int CommandTimeoutSec { get; set; } = 30;

    /// <summary>Output as it comes, stdout lines to the pipeline and stderr lines as errors; pipeline input is stdin.</summary>
    [Parameter(Mandatory = true, ParameterSetName = StreamSet)]
    public SwitchParameter Stream { get; set; }

    /// <summary>With -Stream: what the command reads on stdin, a line per object (byte arrays as they are).</summary>
    [Parameter(ValueFromPipeline = true, ParameterSetName = StreamSet)]
    [AllowNull]
    [AllowEmptyString]
    public object? InputObject { get; set; }

    protected override void ProcessRecord()
    {
        if (Stream)
        {
            AddInput(InputObject);
            return;
        }
        foreach (var typed in Id)
        {
            ExecResult? result = null;
            if (!TryAwait(async c =>
                {
                    var container = await RunningContainerAsync(typed, c);
                    result = await Client.ExecSyncAsync(container.Id, Command, TimeSpan.FromSeconds(CommandTimeoutSec), c);
                }, $"ExecSync {typed}") || result is null)
                continue;
            SessionState.PSVariable.Set("global:LASTEXITCODE", result.ExitCode);
            WriteObject(result);
        }
    }

    protected override void EndProcessing()
    {
        if (!Stream)
            return;
        // Piped input, even none at all, is stdin that ends; without a pipeline the command gets no stdin.
        var input = MyInvocation.ExpectingInput ? _input.ToArray() : null;
        foreach (var typed in Id)
        {
            int? exit = null;
            if (TryRun(async (output, c) => exit = await StreamAsync(typed, input, output, c), $"Exec {typed}") && exit is { } code)
                SessionState.PSVariable.Set("global:LASTEXITCODE", code);
        }
    }

    private void AddInput(object? item)
    {
        switch (item is PSObject wrapped ? wrapped.BaseObject : item)
        {
            case null:
                return;
            case byte[] bytes:
                _input.Write(bytes);
                break;
            case var other:
                _input.Write(Encoding.UTF8.GetBytes(LanguagePrimitives.ConvertTo<string>(other) + "\n"));
                break;
        }
    }

    private async Task<int?> StreamAsync(string typed, byte[]? input, PipelineOutput output, CancellationToken cancel)
    {
        var container = await RunningContainerAsync(typed, cancel);
        await using var process = await Client.ExecAsync(container.Id, Command, new StreamRequest(Stdin: input is not null, Tty: false), cancel);
        var sending = input is null ? Task.CompletedTask : SendInputAsync(process, input, cancel);
        var exit = await process.ReadLinesAsync((stream, line) => new ValueTask(stream == ProcessOutput.Stdout
            ? output.ObjectAsync(line)
            // Stderr lines are errors, as a native command's are once redirected; the text is the line, unchanged.
            : output.WriteCreditedAsync(c => c.WriteError(new ErrorRecord(new StderrLine(line), "CriCommandStderr", ErrorCategory.NotSpecified, container.Id)))), cancel);
        // A command may end without reading all of its stdin; what could not be sent then is of no use.
        await sending.ContinueWith(_ => { }, TaskScheduler.Default);
        return exit;
    }

    private static async Task SendInputAsync(RemoteProcess process, byte[] input, CancellationToken cancel)
    {
        for (var offset = 0; offset < input.Length; offset += InputChunkBytes)
            await process.WriteInputAsync(input.AsMemory(offset, Math.Min(InputChunkBytes, input.Length - offset)), cancel);
        await process.CloseInputAsync(cancel);
    }

    private async Task<Container> RunningContainerAsync(string typed, CancellationToken cancel)
    {
        var container = await Client.GetContainerAsync(typed, cancel);
        if (container.State != ContainerState.Running)
            throw new CriException("CriContainerNotRunning", CriErrorCategory.InvalidOperation,
                $"Container {container.Name} ({container.Id}) is {container.State}: a command runs only in a running container.", typed);
        return container;
    }
}

/// <summary>A line the command wrote on stderr, as the exception of its error record (the text is the line, unchanged).</summary>
public sealed class StderrLine(string line) : Exception(line);
