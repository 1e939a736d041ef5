using System.Text;
using System.Text.Json;

namespace CriPS.Engine.Streaming;

/// <summary>
/// A process in a container reached through the runtime's streaming server (exec or attach): its stdin, its
/// terminal's size, and its output as it comes, until it ends with an exit code.
/// </summary>
public sealed class RemoteProcess : IAsyncDisposable
{
    /// <summary>The status is one small Kubernetes Status document; more than this is not one.</summary>
    private const int MaxStatusBytes = 64 * 1024;

    private readonly IStreamChannels _channels;
    private readonly string _containerId;
    private readonly MemoryStream _status = new();
    private readonly bool _attached;

    internal RemoteProcess(IStreamChannels channels, string containerId, bool attached)
    {
        _channels = channels;
        _containerId = containerId;
        _attached = attached;
    }

    public Task WriteInputAsync(ReadOnlyMemory<byte> data, CancellationToken cancel) =>
        _channels.SendAsync(StreamChannel.Stdin, data, cancel);

    /// <summary>Ends stdin (the command then reads end of file); CriClient opens streams with stdin to allow it.</summary>
    public Task CloseInputAsync(CancellationToken cancel) => _channels.CloseInputAsync(cancel);

    /// <summary>Tells the process's terminal its new size (what SIGWINCH then reports inside).</summary>
    public Task ResizeAsync(int columns, int rows, CancellationToken cancel) =>
        _channels.SendAsync(StreamChannel.Resize, JsonSerializer.SerializeToUtf8Bytes(new TerminalSize(columns, rows)), cancel);

    private sealed record TerminalSize(int Width, int Height);

    /// <summary>
    /// Hands each piece of stdout (channel 1) and stderr (2) to <paramref name="output"/> until the stream ends, and
    /// returns the process's exit code; null for an attach, whose success says nothing of the main process's exit.
    /// </summary>
    public async Task<int?> ReadOutputAsync(Func<ProcessOutput, ReadOnlyMemory<byte>, ValueTask> output, CancellationToken cancel)
    {
        while (await _channels.ReceiveAsync(cancel).ConfigureAwait(false) is { } message)
        {
            switch (message.Channel)
            {
                case StreamChannel.Stdout or StreamChannel.Stderr when message.Data.Length > 0:
                    await output(message.Channel == StreamChannel.Stdout ? ProcessOutput.Stdout : ProcessOutput.Stderr, message.Data)
                        .ConfigureAwait(false);
                    break;
                case StreamChannel.Status:
                    if (_status.Length + message.Data.Length > MaxStatusBytes)
                        throw new CriException("CriStreamMessageTooLarge", CriErrorCategory.LimitsExceeded,
                            $"The streaming server's status for container {_containerId} is longer than {MaxStatusBytes / 1024} KiB.", _containerId);
                    _status.Write(message.Data.Span);
                    break;
            }
        }
        var exit = ExitCodeOf(_status.ToArray(), _containerId);
        return _attached ? null : exit;
    }

    /// <summary>
    /// <see cref="ReadOutputAsync"/> as lines of text (UTF-8; see <see cref="LineSplitter"/>), each stream's last
    /// unterminated line included.
    /// </summary>
    public async Task<int?> ReadLinesAsync(Func<ProcessOutput, string, ValueTask> line, CancellationToken cancel)
    {
        var stdout = new LineSplitter();
        var stderr = new LineSplitter();
        var exit = await ReadOutputAsync(async (stream, data) =>
        {
            foreach (var text in (stream == ProcessOutput.Stdout ? stdout : stderr).Add(data.Span))
                await line(stream, text).ConfigureAwait(false);
        }, cancel).ConfigureAwait(false);
        if (stdout.Flush() is { } lastOut)
            await line(ProcessOutput.Stdout, lastOut).ConfigureAwait(false);
        if (stderr.Flush() is { } lastErr)
            await line(ProcessOutput.Stderr, lastErr).ConfigureAwait(false);
        return exit;
    }

    /// <summary>
    /// The v4 status: {"status":"Success"}, or "Failure" with reason NonZeroExitCode and the code in a cause of
    /// reason ExitCode; any other failure (no such executable, the container gone) is the runtime's error.
    /// </summary>
    internal static int? ExitCodeOf(byte[] status, string containerId)
    {
        if (status.Length == 0)
            throw new CriException("CriStreamEnded", CriErrorCategory.ConnectionError,
                $"The stream of container {containerId} ended without the process's exit status (the runtime or its streaming server went away?).", containerId);
        StreamStatus? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize<StreamStatus>(status, JsonOptions);
        }
        catch (JsonException)
        {
            parsed = null;
        }
        if (parsed?.Status == "Success")
            return 0;
        if (parsed is { Status: "Failure", Reason: "NonZeroExitCode" }
            && parsed.Details?.Causes?.FirstOrDefault(c => c.Reason == "ExitCode")?.Message is { } code
            && int.TryParse(code, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var exit))
            return exit;
        var text = parsed?.Message is { Length: > 0 } m ? m : Encoding.UTF8.GetString(status);
        throw new CriException("CriExecFailed", CriErrorCategory.InvalidOperation,
            $"The runtime could not run the process in container {containerId}: {text}", containerId);
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNameCaseInsensitive = true };

    private sealed record StreamStatus(string? Status, string? Reason, string? Message, StatusDetails? Details);
    private sealed record StatusDetails(List<StatusCause>? Causes);
    private sealed record StatusCause(string? Reason, string? Message);

    public ValueTask DisposeAsync() => _channels.DisposeAsync();
}

/// <summary>Which of a process's outputs a piece of output came from.</summary>
public enum ProcessOutput
{
    Stdout,
    Stderr,
}
