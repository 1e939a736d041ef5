using System.Text;
using CriPS.Engine;
using CriPS.Engine.Streaming;

namespace CriPS.Tests;

/// <summary>The parts of the streaming client that need no server: lines, the exit status, URLs.</summary>
public class StreamingTests
{
    private static List<string> Split(params string[] chunks)
    {
        var splitter = new LineSplitter();
        var lines = new List<string>();
        foreach (var chunk in chunks)
            lines.AddRange(splitter.Add(Encoding.UTF8.GetBytes(chunk)));
        if (splitter.Flush() is { } last)
            lines.Add(last);
        return lines;
    }

    [Fact]
    public void LinesSplitAtLineFeedsAcrossChunksAndKeepTheLastUnterminatedLine() =>
        Assert.Equal(["one", "two", "three"], Split("on", "e\ntw", "o\r", "\nthr", "ee"));

    [Fact]
    public void EmptyLinesStayAndNothingAfterTheLastLineFeedAddsNone() =>
        Assert.Equal(["", "a", ""], Split("\na\n\n"));

    [Fact]
    public void AMultiByteCharacterCutBetweenChunksIsDecodedWhole()
    {
        var bytes = Encoding.UTF8.GetBytes("grüße\n");
        var splitter = new LineSplitter();
        var lines = new List<string>();
        foreach (var b in bytes)
            lines.AddRange(splitter.Add(new[] { b }));
        Assert.Equal(["grüße"], lines);
        Assert.Null(splitter.Flush());
    }

    [Fact]
    public void AnEndlessLineGoesOutInBoundedPieces()
    {
        var splitter = new LineSplitter();
        var chunk = Encoding.UTF8.GetBytes(new string('x', 300_000));
        var lines = new List<string>();
        for (var i = 0; i < 10; i++)
            lines.AddRange(splitter.Add(chunk));
        Assert.Equal(2, lines.Count);
        Assert.All(lines, l => Assert.Equal(LineSplitter.MaxLineChars, l.Length));
        Assert.Equal(3_000_000 - 2 * LineSplitter.MaxLineChars, splitter.Flush()!.Length);
    }

    [Theory]
    [InlineData("{\"metadata\":{},\"status\":\"Success\"}", 0)]
    [InlineData("{\"metadata\":{},\"status\":\"Failure\",\"message\":\"command terminated with non-zero exit code: exit status 3\",\"reason\":\"NonZeroExitCode\",\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"3\"}]}}", 3)]
    public void TheStatusChannelGivesTheExitCode(string status, int expected) =>
        Assert.Equal(expected, RemoteProcess.ExitCodeOf(Encoding.UTF8.GetBytes(status), "c1"));

    [Fact]
    public void AFailureOtherThanAnExitCodeIsTheRuntimesErrorWithItsWords()
    {
        var status = "{\"status\":\"Failure\",\"message\":\"Internal error occurred: error executing command in container: exec: \\\"/no/such\\\": stat /no/such: no such file or directory\",\"reason\":\"InternalError\"}";
        var e = Assert.Throws<CriException>(() => RemoteProcess.ExitCodeOf(Encoding.UTF8.GetBytes(status), "c1"));
        Assert.Equal("CriExecFailed", e.ErrorId);
        Assert.Equal(CriErrorCategory.InvalidOperation, e.Category);
        Assert.Equal("c1", e.Target);
        Assert.Contains("/no/such", e.Message);
    }

    [Fact]
    public void AStreamThatEndsWithoutAStatusSaysSo()
    {
        var e = Assert.Throws<CriException>(() => RemoteProcess.ExitCodeOf([], "c1"));
        Assert.Equal("CriStreamEnded", e.ErrorId);
    }

    [Theory]
    [InlineData("http://127.0.0.1:39161/exec/AbCd", "ws://127.0.0.1:39161/exec/AbCd")]
    [InlineData("https://10.0.0.5:10010/attach/xyz", "wss://10.0.0.5:10010/attach/xyz")]
    [InlineData("http://127.0.0.1:8080/portforward/t?port=80", "ws://127.0.0.1:8080/portforward/t?port=80")]
    public void StreamingUrlsBecomeWebSocketUrls(string url, string expected) =>
        Assert.Equal(expected, ChannelSocket.ToWebSocketUri(CriClient.StreamingUrl(url, null)).AbsoluteUri);

    [Theory]
    [InlineData("/exec/AbCd")]
    [InlineData("ftp://host/exec/x")]
    [InlineData("")]
    public void AStreamingUrlThatIsNotAnAbsoluteHttpUrlIsRefusedWithoutItsToken(string url)
    {
        var e = Assert.Throws<CriException>(() => CriClient.StreamingUrl(url, "c1"));
        Assert.Equal("CriStreamProtocol", e.ErrorId);
        Assert.Equal(CriErrorCategory.ProtocolError, e.Category);
        if (url.Length > 0)
            Assert.DoesNotContain(url, e.Message);
    }
}

/// <summary>The setup of a stream against peers that misbehave: real sockets on loopback, no runtime needed.</summary>
public class StreamSetupTests
{
    [Fact]
    public async Task AServerThatAcceptsButNeverAnswersIsATimeoutWithinTheSetupDeadline()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var accepted = listener.AcceptSocketAsync();
        var url = new Uri($"http://127.0.0.1:{((System.Net.IPEndPoint)listener.LocalEndpoint).Port}/exec/token");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<CriException>(() =>
            ChannelSocket.ConnectAsync(url, ChannelSocket.ExecProtocols, TimeSpan.FromMilliseconds(300), "c1", CancellationToken.None));
        Assert.Equal("CriStreamTimeout", e.ErrorId);
        Assert.Equal(CriErrorCategory.OperationTimeout, e.Category);
        Assert.Equal("c1", e.Target);
        Assert.DoesNotContain("token", e.Message);
        Assert.InRange(watch.Elapsed.TotalSeconds, 0.25, 3);
        (await accepted).Dispose();
    }

    [Fact]
    public async Task CancellingDuringSetupIsACancellationNotAnError()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var url = new Uri($"http://127.0.0.1:{((System.Net.IPEndPoint)listener.LocalEndpoint).Port}/exec/token");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            ChannelSocket.ConnectAsync(url, ChannelSocket.ExecProtocols, TimeSpan.FromSeconds(30), "c1", cancel.Token));
        Assert.InRange(watch.Elapsed.TotalSeconds, 0.15, 3);
    }

    [Fact]
    public async Task AServerThatRefusesTheUpgradeIsUnavailableWithoutTheToken()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var url = new Uri($"http://127.0.0.1:{((System.Net.IPEndPoint)listener.LocalEndpoint).Port}/exec/secret-token");
        var server = Task.Run(async () =>
        {
            using var peer = await listener.AcceptSocketAsync();
            var buffer = new byte[8192];
            await peer.ReceiveAsync(buffer);
            await peer.SendAsync("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray());
        });
        var e = await Assert.ThrowsAsync<CriException>(() =>
            ChannelSocket.ConnectAsync(url, ChannelSocket.ExecProtocols, TimeSpan.FromSeconds(5), "c1", CancellationToken.None));
        Assert.Equal("CriStreamUnavailable", e.ErrorId);
        Assert.Equal(CriErrorCategory.ConnectionError, e.Category);
        Assert.DoesNotContain("secret-token", e.ToString());
        await server;
    }
}
