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
