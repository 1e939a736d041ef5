using System.Diagnostics;
using System.Text;
using System.Text.Json;
using CriPS.Engine;
using CriPS.Engine.Streaming;
using Xunit.Abstractions;

namespace CriPS.Tests;

/// <summary>
/// Runs only against a real runtime: tests/integration/Spdy.Tests.ps1 starts a busybox container and runs these with
/// CRIPS_TEST_ENDPOINT and CRIPS_TEST_SPDY_CONTAINER set (the lead's streaming cmdlets will test the same through
/// PowerShell once they exist).
/// </summary>
public sealed class LiveRuntimeFactAttribute : FactAttribute
{
    public LiveRuntimeFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CRIPS_TEST_ENDPOINT"))
            || string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CRIPS_TEST_SPDY_CONTAINER")))
            Skip = "Needs a runtime and a running busybox container: CRIPS_TEST_ENDPOINT and CRIPS_TEST_SPDY_CONTAINER (tests/integration/Spdy.Tests.ps1 sets them).";
    }
}

public sealed class SpdyLiveTests(ITestOutputHelper log) : IDisposable
{
    private static readonly TimeSpan Setup = TimeSpan.FromSeconds(10);
    private readonly string _container = Environment.GetEnvironmentVariable("CRIPS_TEST_SPDY_CONTAINER") ?? "";
    private readonly CriClient _client = CriClient.Connect(Environment.GetEnvironmentVariable("CRIPS_TEST_ENDPOINT"), null, TimeSpan.FromSeconds(10));
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));

    public void Dispose() => _timeout.Dispose();

    private sealed record Outcome(string Stdout, string Stderr, string Status, byte[] StdoutBytes, TimeSpan Elapsed);

    private async Task<IStreamChannels> OpenAsync(string[] command, bool stdin, bool stderr = true, bool tty = false)
    {
        var url = await _client.ExecUrlAsync(_container, command, tty, stdin, stdout: true, stderr, _timeout.Token);
        return await SpdyChannels.ConnectAsync(url, stdin, stdout: true, stderr, tty, Setup, _container, _timeout.Token);
    }

    private async Task<Outcome> RunAsync(string[] command, byte[]? input, bool stderr = true)
    {
        var watch = Stopwatch.StartNew();
        await using var channels = await OpenAsync(command, stdin: input is not null, stderr);
        log.WriteLine($"setup: {watch.Elapsed.TotalMilliseconds:0} ms");
        // stdin goes out while the output comes back, as a caller must: the server stops reading when nobody reads.
        var send = input is null
            ? Task.CompletedTask
            : Task.Run(async () =>
            {
                await channels.SendAsync(StreamChannel.Stdin, input, _timeout.Token);
                await channels.CloseInputAsync(_timeout.Token);
            });
        var stdout = new MemoryStream();
        var errors = new MemoryStream();
        var status = new MemoryStream();
        while (await channels.ReceiveAsync(_timeout.Token) is { } message)
        {
            var target = message.Channel switch
            {
                StreamChannel.Stdout => stdout,
                StreamChannel.Stderr => errors,
                StreamChannel.Status => status,
                _ => throw new InvalidOperationException($"data on channel {message.Channel}"),
            };
            target.Write(message.Data.Span);
        }
        await send;
        log.WriteLine("frames from the server: " + string.Join(", ", ((SpdyChannels)channels).FramesReceived.Select(f => $"{f.Key} {f.Value}")));
        var outcome = new Outcome(Encoding.UTF8.GetString(stdout.ToArray()), Encoding.UTF8.GetString(errors.ToArray()),
            Encoding.UTF8.GetString(status.ToArray()), stdout.ToArray(), watch.Elapsed);
        log.WriteLine($"total: {outcome.Elapsed.TotalMilliseconds:0} ms; status {outcome.Status}");
        return outcome;
    }

    /// <summary>The exit code the v4 status carries: 0 for Success, else the ExitCode cause of NonZeroExitCode.</summary>
    private static int ExitCode(string status)
    {
        using var json = JsonDocument.Parse(status);
        if (json.RootElement.GetProperty("status").GetString() == "Success")
            return 0;
        Assert.Equal("NonZeroExitCode", json.RootElement.GetProperty("reason").GetString());
        var cause = json.RootElement.GetProperty("details").GetProperty("causes").EnumerateArray()
            .Single(c => c.GetProperty("reason").GetString() == "ExitCode");
        return int.Parse(cause.GetProperty("message").GetString()!);
    }

    [LiveRuntimeFact]
    public async Task CatReturnsStdinOnceStdinIsClosedAndExitsZero()
    {
        var outcome = await RunAsync(["cat"], "hello\n"u8.ToArray());

        Assert.Equal("hello\n", outcome.Stdout);
        Assert.Equal("", outcome.Stderr);
        Assert.Equal(0, ExitCode(outcome.Status));
    }

    [LiveRuntimeFact]
    public async Task TheExitCodeComesFromTheStatusChannel()
    {
        var outcome = await RunAsync(["sh", "-c", "cat; exit 3"], "x"u8.ToArray());

        Assert.Equal("x", outcome.Stdout);
        Assert.Equal(3, ExitCode(outcome.Status));
    }

    [LiveRuntimeFact]
    public async Task OneMiBOfStdinComesBackWholeFromCat()
    {
        var input = new byte[1 << 20];
        new Random(19).NextBytes(input);

        var outcome = await RunAsync(["cat"], input);

        Assert.Equal(input.Length, outcome.StdoutBytes.Length);
        Assert.True(input.AsSpan().SequenceEqual(outcome.StdoutBytes), "the bytes differ");
        Assert.Equal(0, ExitCode(outcome.Status));
        log.WriteLine($"1 MiB through cat: {outcome.Elapsed.TotalMilliseconds:0} ms");
        // The same amount one way only, to tell the directions apart in the numbers.
        var output = await RunAsync(["head", "-c", "1048576", "/dev/zero"], null);
        Assert.Equal(1 << 20, output.StdoutBytes.Length);
        log.WriteLine($"1 MiB of output only: {output.Elapsed.TotalMilliseconds:0} ms");
    }

    [LiveRuntimeFact]
    public async Task StderrArrivesApartFromStdout()
    {
        var outcome = await RunAsync(["sh", "-c", "echo out; echo err >&2; echo out2"], null);

        Assert.Equal("out\nout2\n", outcome.Stdout);
        Assert.Equal("err\n", outcome.Stderr);
        Assert.Equal(0, ExitCode(outcome.Status));
    }

    [LiveRuntimeFact]
    public async Task CancelEndsTheStreamWithinASecond()
    {
        var marker = $"{100 + Random.Shared.Next(1, 800)}";
        var channels = await OpenAsync(["sleep", marker], stdin: true);
        try
        {
            await WaitForProcessAsync(marker, present: true);
            using var cancel = new CancellationTokenSource();
            var receive = channels.ReceiveAsync(cancel.Token).AsTask();
            var watch = Stopwatch.StartNew();
            cancel.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => receive);
            log.WriteLine($"cancel to end: {watch.Elapsed.TotalMilliseconds:0} ms");
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"took {watch.Elapsed}");
        }
        finally
        {
            await channels.DisposeAsync();
        }
        var gone = await WaitForProcessAsync(marker, present: false, TimeSpan.FromSeconds(2));
        log.WriteLine(gone is null ? $"sleep {marker} still runs 2 s after the stream was closed" : $"sleep {marker} gone after {gone.Value.TotalMilliseconds:0} ms");
        // What the servers do with a command whose stream went (measured, the same SPDY close on each): containerd 2
        // kills it at once; 1.6 and 1.7 let it run to its end, as they do for crictl and kubectl.
        var info = await _client.GetRuntimeInfoAsync(_timeout.Token);
        log.WriteLine($"{info.RuntimeName} {info.RuntimeVersion}");
        // Versions read v1.7.24, 2.1.9 or (Debian's) 1.6.20~ds1.
        var major = System.Text.RegularExpressions.Regex.Match(info.RuntimeVersion, @"^v?(\d+)\.");
        Assert.True(info.RuntimeName != "containerd" || major.Success, $"unreadable version {info.RuntimeVersion}");
        if (info.RuntimeName == "containerd")
            Assert.Equal(int.Parse(major.Groups[1].Value) >= 2, gone is not null);
    }

    [LiveRuntimeFact]
    public async Task WithATerminalCtrlCSentAsInputEndsTheCommand()
    {
        // Closing the stream does not end a command the server runs (measured: the runtimes kill an exec only when its
        // request ends, which a hijacked connection never does); with a terminal, Ctrl+C typed as input does.
        var closedOnly = $"{100 + Random.Shared.Next(1, 800)}";
        var channels = await OpenAsync(["sleep", closedOnly], stdin: true, stderr: false, tty: true);
        await WaitForProcessAsync(closedOnly, present: true);
        await channels.DisposeAsync();
        var gone = await WaitForProcessAsync(closedOnly, present: false, TimeSpan.FromSeconds(2));
        log.WriteLine(gone is null ? $"tty: sleep {closedOnly} still runs 2 s after the stream was closed" : $"tty: sleep {closedOnly} gone {gone.Value.TotalMilliseconds:0} ms after the close");

        var interrupted = $"{900 + Random.Shared.Next(1, 99)}";
        await using var second = await OpenAsync(["sleep", interrupted], stdin: true, stderr: false, tty: true);
        await WaitForProcessAsync(interrupted, present: true);
        var watch = Stopwatch.StartNew();
        await second.SendAsync(StreamChannel.Stdin, new byte[] { 0x03 }, _timeout.Token);
        var status = new MemoryStream();
        while (await second.ReceiveAsync(_timeout.Token) is { } message)
            if (message.Channel == StreamChannel.Status)
                status.Write(message.Data.Span);
        log.WriteLine($"tty: Ctrl+C to end of stream: {watch.Elapsed.TotalMilliseconds:0} ms; status {Encoding.UTF8.GetString(status.ToArray())}");
        Assert.Equal(130, ExitCode(Encoding.UTF8.GetString(status.ToArray())));
        Assert.NotNull(await WaitForProcessAsync(interrupted, present: false, TimeSpan.FromSeconds(3)));
    }

    /// <summary>Waits until `ps` in the container (ExecSync, not this transport) does or does not show sleep MARKER.</summary>
    private async Task<TimeSpan?> WaitForProcessAsync(string marker, bool present, TimeSpan? limit = null)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < (limit ?? TimeSpan.FromSeconds(10)))
        {
            var ps = await _client.ExecSyncAsync(_container, ["ps", "-o", "pid,args"], TimeSpan.FromSeconds(5), _timeout.Token);
            var running = ps.Stdout.Split('\n').Any(l => l.TrimEnd().EndsWith($"sleep {marker}", StringComparison.Ordinal));
            if (running == present)
                return watch.Elapsed;
            await Task.Delay(100, _timeout.Token);
        }
        if (present)
            Assert.Fail($"sleep {marker} never showed up in the container");
        return null;
    }
}
