using System.Management.Automation;
using CriPS.Completion;
using CriPS.Engine;
using CriPS.Engine.Logs;

namespace CriPS.Cmdlets;

/// <summary>
/// Reads containers' logs (crictl logs) from the files the runtime writes on this node, as one object per line
/// with its partial records joined, or with -Raw as text; -Follow keeps reading until the container stops.
/// </summary>
[Cmdlet(VerbsCommon.Get, "CriContainerLog")]
[OutputType(typeof(ContainerLogEntry), typeof(string))]
public sealed class GetCriContainerLogCommand : CriCmdlet
{
    /// <summary>A file line that is no CRI record gets a warning; after this many per file, one more says the rest are skipped quietly.</summary>
    private const int WarningsPerFile = 10;

    /// <summary>Container ids or unique prefixes; Get-CriContainer output binds here.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContainerCompleter))]
    [ContainerIdTransformation]
    public string[] Id { get; set; } = [];

    /// <summary>Only the last this many lines (after -Stream, -Since and -Until).</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int Tail { get; set; }

    /// <summary>Lines from this time on; a TimeSpan or a duration such as 10m means that long ago.</summary>
    [Parameter]
    [PastTimeTransformation]
    public DateTime Since { get; set; }

    /// <summary>Lines up to this time; a TimeSpan or a duration means that long ago.</summary>
    [Parameter]
    [PastTimeTransformation]
    public DateTime Until { get; set; }

    [Parameter]
    [ValidateSet("All", "Stdout", "Stderr")]
    public string Stream { get; set; } = "All";

    /// <summary>The log of the container's previous attempt (kubectl logs --previous).</summary>
    [Parameter]
    public SwitchParameter Previous { get; set; }

    /// <summary>Keeps reading new lines until the container stops or Ctrl+C.</summary>
    [Parameter]
    public SwitchParameter Follow { get; set; }

    /// <summary>Each line's text as a string instead of an object; a piece of a line longer than 1 MiB carries a note property IsPartial.</summary>
    [Parameter]
    public SwitchParameter Raw { get; set; }

    private readonly List<ContainerLogSource> _toFollow = new();
    private readonly Dictionary<string, int> _warnings = new(StringComparer.Ordinal);
    private LogQuery? _query;

    protected override void CheckParameters()
    {
        var bound = MyInvocation.BoundParameters;
        _query = new LogQuery
        {
            Streams = Enum.Parse<LogStreams>(Stream, ignoreCase: true),
            Tail = bound.ContainsKey(nameof(Tail)) ? Tail : null,
            Since = bound.ContainsKey(nameof(Since)) ? Since.ToUniversalTime() : null,
            Until = bound.ContainsKey(nameof(Until)) ? Until.ToUniversalTime() : null,
        };
        if (_query.Since > _query.Until)
            ThrowTerminating(new CriException("CriInvalidTimeRange", CriErrorCategory.InvalidArgument,
                $"-Since ({_query.Since:O}) is later than -Until ({_query.Until:O}): no line can match.", _query.Since));
    }

    protected override void ProcessRecord()
    {
        foreach (var typed in Id)
        {
            ContainerLogSource? source = null;
            if (!TryAwait(async c => source = await Client.FindContainerLogAsync(typed, Previous, c), $"Find the log of {typed}") || source is null)
                continue;
            WriteVerbose($"Log of {source.WriterName} (attempt {source.WriterAttempt}{(source.WriterId.Length > 0 ? ", " + source.WriterId : ", no longer known to the runtime")}): {source.Path}");
            if (Follow)
            {
                // Followed together in EndProcessing, so a container piped in later is not kept waiting for the first to stop.
                if (!_toFollow.Any(s => s.Path == source.Path))
                    _toFollow.Add(source);
                continue;
            }
            ReadLog(source);
        }
    }

    protected override void EndProcessing()
    {
        if (_toFollow.Count > 0)
            FollowLogs();
    }

    private void ReadLog(ContainerLogSource source) =>
        TryRun(async (output, cancel) =>
        {
            foreach (var item in Client.ReadContainerLog(source, _query!, cancel))
                await Hand(output, item).ConfigureAwait(false);
        }, $"Read {source.Path}");

    private void FollowLogs() =>
        // Ctrl+C, or a downstream Select-Object -First, cancels the followers; Run waits for them to end.
        Run(async (output, cancel) =>
        {
            await foreach (var item in Client.FollowContainerLogsAsync(_toFollow, _query!, null, cancel).ConfigureAwait(false))
                await Hand(output, item).ConfigureAwait(false);
            return true;
        }, "Follow");

    /// <summary>Entries are objects (they wait for the pipeline, so an endless log stays flat); the rest is written as it comes.</summary>
    private Task Hand(PipelineOutput output, ContainerLogItem item)
    {
        if (item.Entry is not null)
            return output.ObjectAsync(ToOutput(item.Entry));
        if (item.Error is { IsEndpointFailure: true } error)
            throw error;
        output.Write(_ => Write(item));
        return Task.CompletedTask;
    }

    private object ToOutput(ContainerLogEntry entry)
    {
        if (!Raw)
            return entry;
        if (!entry.IsPartial)
            return entry.Message;
        // The text stays a string; the note says the next string of the stream continues it.
        var piece = PSObject.AsPSObject(entry.Message);
        piece.Properties.Add(new PSNoteProperty(nameof(ContainerLogEntry.IsPartial), true));
        return piece;
    }

    /// <summary>What a log holds besides its entries, written on the pipeline thread: warnings (counted per file) and per-file errors.</summary>
    private void Write(ContainerLogItem item)
    {
        if (item.WaitingForStart)
            WriteVerbose($"{item.Source.WriterName} had not been started when the follow began: waiting for its output in {item.Source.Path}.");
        else if (item.Malformed is { } line)
        {
            var count = _warnings[line.Path] = _warnings.GetValueOrDefault(line.Path) + 1;
            if (count <= WarningsPerFile)
                WriteWarning($"Skipped a line that is not in the CRI log format at byte {line.Offset} of {line.Path}: {line.Text}");
            if (count == WarningsPerFile)
                WriteWarning($"Further lines of {line.Path} that are not in the CRI log format are skipped without a warning.");
        }
        else if (item.Error is { } error)
            WriteError(ToErrorRecord(error));
    }
}
