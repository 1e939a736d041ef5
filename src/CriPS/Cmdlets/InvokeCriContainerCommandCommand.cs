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
            // Piped input goes to the command as it comes, as a native command's does: the command starts with the
            // first record, and what it wrote so far is written while each record is sent. Without a pipeline (and
            // no -InputObject) this call has no input: EndProcessing runs the command without stdin.
            if (MyInvocation.ExpectingInput || MyInvocation.BoundParameters.ContainsKey(nameof(InputObject)))
            {
                OpenPipedStreams();
                SendInput(InputObject);
            }
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
        if (_sessions is null && !MyInvocation.ExpectingInput)
        {
            // Without a pipeline the command gets no stdin.
            foreach (var typed in Id)
            {
                int? exit = null;
                if (TryRun(async (output, c) => exit = await StreamAsync(typed, output, c), $"Exec {typed}") && exit is { } code)
                    SessionState.PSVariable.Set("global:LASTEXITCODE", code);
            }
            return;
        }
        // Piped input, even none at all, is stdin that ends: every command gets its end of input first, then each
        // is waited for in turn (their output keeps coming meanwhile).
        OpenPipedStreams();
        var open = _sessions!.Where(s => s.Reading is not null).ToList();
        Run(async (_, c) =>
        {
            foreach (var session in open.Where(s => s.TakesInput))
            {
                try
                {
                    await session.Process!.CloseInputAsync(c);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The command ended before its input did; its reading says how.
                }
            }
            return true;
        }, null, _shared);
        foreach (var session in open)
        {
            int? exit = null;
            if (TryRun(async (_, c) => exit = await session.Reading!.WaitAsync(c), $"Exec {session.Typed}", _shared) && exit is { } code)
                SessionState.PSVariable.Set("global:LASTEXITCODE", code);
        }
    }

    /// <summary>One container's process fed by pipeline input: its stream, and the reading of its output.</summary>
    private sealed class PipedSession(string typed)
    {
        public string Typed { get; } = typed;
        public RemoteProcess? Process { get; set; }
        public Task<int?>? Reading { get; set; }
        /// <summary>A send failed: the process ended or its stream broke, and the rest of the input is dropped.</summary>
        public bool InputBroken { get; set; }
        /// <summary>Open, and still reading: a process whose output has ended takes no more input.</summary>
        public bool TakesInput => Reading is { IsCompleted: false } && !InputBroken;
    }

    private List<PipedSession>? _sessions;
    private PipelineOutput? _shared;
    // Ends the readers and their shared output when the cmdlet is disposed, however the pipeline ended (Ctrl+C is
    // linked in; a downstream Select-Object -First or an error elsewhere is not a Ctrl+C).
    private CancellationTokenSource? _readersStop;

    private void OpenPipedStreams()
    {
        if (_sessions is not null)
            return;
        _sessions = [];
        _readersStop = CancellationTokenSource.CreateLinkedTokenSource(StopToken);
        _shared = NewSharedOutput(_readersStop.Token);
        foreach (var typed in Id)
        {
            var session = new PipedSession(typed);
            _sessions.Add(session);
            TryRun(async (_, c) =>
            {
                var container = await RunningContainerAsync(typed, c);
                session.Process = await Client.ExecAsync(container.Id, Command, new StreamRequest(Stdin: true, Tty: false), c);
                // The output is read for as long as the process runs, across records, into the shared output.
                session.Reading = ReadAsync(session.Process, container.Id, _shared, _readersStop.Token);
            }, $"Exec {typed}", _shared);
        }
    }

    private void SendInput(object? item)
    {
        if (ToBytes(item) is not { } bytes || !_sessions!.Any(s => s.TakesInput))
            return;
        Run(async (_, c) =>
        {
            foreach (var session in _sessions!.Where(s => s.TakesInput))
            {
                try
                {
                    for (var offset = 0; offset < bytes.Length; offset += InputChunkBytes)
                        await session.Process!.WriteInputAsync(bytes.AsMemory(offset, Math.Min(InputChunkBytes, bytes.Length - offset)), c);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A command may end without reading all of its stdin; why it ended, if it failed, its reading says.
                    session.InputBroken = true;
                }
            }
            return true;
        }, null, _shared);
    }

    private static byte[]? ToBytes(object? item) => (item is PSObject wrapped ? wrapped.BaseObject : item) switch
    {
        null => null,
        byte[] bytes => bytes,
        var other => Encoding.UTF8.GetBytes(LanguagePrimitives.ConvertTo<string>(other) + "\n"),
    };

    private async Task<int?> StreamAsync(string typed, PipelineOutput output, CancellationToken cancel)
    {
        var container = await RunningContainerAsync(typed, cancel);
        await using var process = await Client.ExecAsync(container.Id, Command, new StreamRequest(Stdin: false, Tty: false), cancel);
        return await ReadAsync(process, container.Id, output, cancel);
    }

    /// <summary>Stdout lines to the pipeline; stderr lines as errors, as a native command's are once redirected (the line unchanged).</summary>
    private static Task<int?> ReadAsync(RemoteProcess process, string containerId, PipelineOutput output, CancellationToken cancel) =>
        process.ReadLinesAsync((stream, line) => new ValueTask(stream == ProcessOutput.Stdout
            ? output.ObjectAsync(line)
            : output.WriteCreditedAsync(c => c.WriteError(new ErrorRecord(new StderrLine(line), "CriCommandStderr", ErrorCategory.NotSpecified, containerId)))), cancel);

    /// <summary>Ends what piped input left open when the pipeline ends early (Ctrl+C, an error downstream).</summary>
    protected override void ReleaseResources()
    {
        if (_sessions is null)
            return;
        _readersStop!.Cancel();
        var closing = _sessions.Where(s => s.Process is not null).Select(s => s.Process!.DisposeAsync().AsTask()).ToArray();
        try
        {
            // Bounded like Run's clean-up: a stream that does not close in time is left to the socket's own end.
            Task.WaitAll(closing, CleanupWait);
        }
        catch (AggregateException)
        {
            // A stream that broke while closing is closed all the same.
        }
        _readersStop.Dispose();
        _sessions = null;
    }

    private async Task<Container> RunningContainerAsync(string typed, CancellationToken cancel)
    {
        var container = await Client.GetContainerAsync(typed, cancel, detailed: false);
        if (container.State != ContainerState.Running)
            throw new CriException("CriContainerNotRunning", CriErrorCategory.InvalidOperation,
                $"Container {container.Name} ({container.Id}) is {container.State}: a command runs only in a running container.", typed);
        return container;
    }
}

/// <summary>A line the command wrote on stderr, as the exception of its error record (the text is the line, unchanged).</summary>
public sealed class StderrLine(string line) : Exception(line);
