using System.Diagnostics;
using System.Text;
using CriPS.Engine.Logs;

namespace CriPS.Tests;

/// <summary>The CRI log format and the reader, on temporary files: joins, filters, -Tail, following, rotation.</summary>
public sealed class CriLogReaderTests : IDisposable
{
    private static readonly DateTime T0 = new(2026, 11, 28, 0, 21, 17, DateTimeKind.Utc);
    private static readonly FollowTiming Fast = new(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(50),
        TimeSpan.FromMilliseconds(60), TimeSpan.FromMilliseconds(500));

    private readonly string _dir = Directory.CreateTempSubdirectory("crips-logtest-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // ---- format ----

    [Theory]
    [InlineData("2026-11-28T00:21:17.468915528Z", 4689155)]   // nanoseconds, cut to 100 ns ticks
    [InlineData("2026-11-28T00:21:17.46908034Z", 4690803)]    // Go drops trailing zeros
    [InlineData("2026-11-28T00:21:17.5Z", 5000000)]
    [InlineData("2026-11-28T00:21:17Z", 0)]
    [InlineData("2026-11-28t00:21:17.000000001z", 0)]
    public void TimestampsKeepTheirFractionToTheTick(string text, long fractionTicks)
    {
        Assert.True(CriLogFormat.TryParseTimestamp(Encoding.ASCII.GetBytes(text), out var utc));
        Assert.Equal(DateTimeKind.Utc, utc.Kind);
        Assert.Equal(T0.Ticks + fractionTicks, utc.Ticks);
    }

    [Theory]
    [InlineData("2026-11-28T01:21:17.25+01:00")]   // CRI-O writes local time with its offset
    [InlineData("2026-11-27T19:51:17.25-04:30")]
    public void OffsetsAreTurnedIntoUtc(string text)
    {
        Assert.True(CriLogFormat.TryParseTimestamp(Encoding.ASCII.GetBytes(text), out var utc));
        Assert.Equal(T0.AddMilliseconds(250), utc);
        Assert.Equal(DateTimeKind.Utc, utc.Kind);
    }

    [Theory]
    [InlineData("2026-11-28T00:21:17.5")]        // no zone
    [InlineData("2026-11-28 00:21:17Z")]
    [InlineData("2026-13-28T00:21:17Z")]
    [InlineData("2026-02-30T00:21:17Z")]
    [InlineData("2026-11-28T24:00:00Z")]
    [InlineData("2026-11-28T00:21:17.Z")]
    [InlineData("2026-11-28T00:21:17+0100")]
    [InlineData("2O26-11-28T00:21:17Z")]
    [InlineData("")]
    public void OtherTimestampsAreRefused(string text) =>
        Assert.False(CriLogFormat.TryParseTimestamp(Encoding.ASCII.GetBytes(text), out _));

    [Theory]
    [InlineData("2026-11-28T00:21:17Z stdout F hello world", LogStreams.Stdout, false, "hello world")]
    [InlineData("2026-11-28T00:21:17Z stderr P  two spaces ", LogStreams.Stderr, true, " two spaces ")]
    [InlineData("2026-11-28T00:21:17Z stdout F ", LogStreams.Stdout, false, "")]
    [InlineData("2026-11-28T00:21:17Z stdout F", LogStreams.Stdout, false, "")]   // trailing blank trimmed away
    [InlineData("2026-11-28T00:21:17Z stdout F:x-tag text", LogStreams.Stdout, false, "text")]
    public void RecordsSplitIntoHeaderAndContent(string line, LogStreams stream, bool partial, string content)
    {
        var bytes = Encoding.UTF8.GetBytes(line);
        Assert.True(CriLogFormat.TryParse(bytes, out var record));
        Assert.Equal(stream, record.Stream);
        Assert.Equal(partial, record.IsPartial);
        Assert.Equal(content, Encoding.UTF8.GetString(bytes.AsSpan(record.ContentStart)));
    }

    [Theory]
    [InlineData("hello")]
    [InlineData("2026-11-28T00:21:17Z stdin F text")]
    [InlineData("2026-11-28T00:21:17Z stdout X text")]
    [InlineData("2026-11-28T00:21:17Z stdout text")]
    [InlineData("2026-11-28T00:21:17Z stdout")]
    [InlineData("{\"log\":\"docker json-file\\n\",\"stream\":\"stdout\",\"time\":\"2026-11-28T00:21:17Z\"}")]
    public void OtherLinesAreNoRecords(string line) => Assert.False(CriLogFormat.TryParse(Encoding.UTF8.GetBytes(line), out _));

    // ---- reading ----

    [Fact]
    public void PartialRecordsJoinUpToTheFullOneWithItsTime()
    {
        var path = Write(Rec(0, "stdout", 'P', "one-"), Rec(1, "stdout", 'P', "two-"), Rec(2, "stdout", 'F', "three"), Rec(3, "stdout", 'F', "next"));

        var lines = Read(path, new LogQuery());

        Assert.Equal(["one-two-three", "next"], lines.Select(l => l.Text));
        Assert.Equal(At(2), lines[0].Timestamp);
        Assert.Equal("stdout", lines[0].StreamName);
    }

    [Fact]
    public void InterleavedStreamsJoinSeparatelyInTheOrderTheyEnd()
    {
        var path = Write(Rec(0, "stdout", 'P', "out-a "), Rec(1, "stderr", 'P', "err-a "), Rec(2, "stderr", 'F', "err-b"),
            Rec(3, "stdout", 'P', "out-b "), Rec(4, "stderr", 'F', "err-2"), Rec(5, "stdout", 'F', "out-c"));

        var lines = Read(path, new LogQuery());

        Assert.Equal([("stderr", "err-a err-b"), ("stderr", "err-2"), ("stdout", "out-a out-b out-c")], lines.Select(l => (l.StreamName, l.Text)));
        Assert.Equal([At(2), At(4), At(5)], lines.Select(l => l.Timestamp));
    }

    [Fact]
    public void ACharacterSplitBetweenRecordsIsJoinedWhole()
    {
        // containerd splits by bytes, so a record may end inside a multi-byte character.
        var euro = Encoding.UTF8.GetBytes("€");
        var first = Concat(Encoding.UTF8.GetBytes(Rec(0, "stdout", 'P', "price 5").TrimEnd('\n')), euro[..1], "\n"u8.ToArray());
        var second = Concat(Encoding.UTF8.GetBytes(Rec(1, "stdout", 'F', "").TrimEnd('\n')), euro[1..], " ok\n"u8.ToArray());
        var path = Path.Combine(_dir, "0.log");
        File.WriteAllBytes(path, Concat(first, second));

        Assert.Equal("price 5€ ok", Assert.Single(Read(path, new LogQuery())).Text);
    }

    [Fact]
    public void AStreamThatEndsWithoutANewlineGivesItsLastPartsAsALine()
    {
        // What containerd writes when the container exits after printf without a newline.
        var path = Write(Rec(0, "stdout", 'F', "first"), Rec(1, "stderr", 'P', "def"), Rec(2, "stdout", 'P', "abc"), Rec(3, "stdout", 'P', "ghi"));

        var lines = Read(path, new LogQuery());

        Assert.Equal([("stdout", "first"), ("stderr", "def"), ("stdout", "abcghi")], lines.Select(l => (l.StreamName, l.Text)));
        Assert.Equal(At(3), lines[2].Timestamp);
    }

    [Fact]
    public void AFileThatEndsWithoutANewlineStillGivesItsLastRecord()
    {
        var path = Path.Combine(_dir, "0.log");
        File.WriteAllText(path, Rec(0, "stdout", 'F', "one") + Rec(1, "stdout", 'F', "two").TrimEnd('\n'));

        Assert.Equal(["one", "two"], Read(path, new LogQuery()).Select(l => l.Text));
    }

    [Fact]
    public void MalformedLinesAreReportedWhereTheyAreAndReadingGoesOn()
    {
        var first = Rec(0, "stdout", 'F', "before");
        var path = Path.Combine(_dir, "0.log");
        File.WriteAllText(path, first + "garbage without a header\n\n   \n" + Rec(1, "stdout", 'F', "after"));

        var lines = CriLogReader.Read(path, new LogQuery(), CancellationToken.None).ToList();

        Assert.Equal(["before", "garbage without a header", "after"], lines.Select(l => l.Text));
        var bad = lines[1];
        Assert.True(bad.IsMalformed);
        Assert.Equal(first.Length, bad.Offset);
        Assert.Equal(path, bad.Path);
    }

    [Fact]
    public void StreamSinceAndUntilSelectLinesWithBothEndsIncluded()
    {
        var path = Write(Rec(0, "stdout", 'F', "o0"), Rec(1, "stderr", 'F', "e1"), Rec(2, "stdout", 'P', "o2-"), Rec(3, "stdout", 'F', "o3"),
            Rec(4, "stderr", 'F', "e4"), Rec(5, "stdout", 'F', "o5"));

        Assert.Equal(["e1", "e4"], Read(path, new LogQuery { Streams = LogStreams.Stderr }).Select(l => l.Text));
        Assert.Equal(["o0", "o2-o3", "o5"], Read(path, new LogQuery { Streams = LogStreams.Stdout }).Select(l => l.Text));
        Assert.Equal(["e1", "o2-o3", "e4"], Read(path, new LogQuery { Since = At(1), Until = At(4) }).Select(l => l.Text));
        // A joined line has its last part's time: o2- was written at 2, the line ended at 3.
        Assert.Equal(["o2-o3", "e4", "o5"], Read(path, new LogQuery { Since = At(3) }).Select(l => l.Text));
        Assert.Empty(Read(path, new LogQuery { Since = At(6) }));
    }

    [Fact]
    public void SinceInLocalTimeMeansTheSameInstant()
    {
        var path = Write(Rec(0, "stdout", 'F', "early"), Rec(10, "stdout", 'F', "late"));
        var local = At(5).ToLocalTime();

        Assert.Equal(["late"], Read(path, new LogQuery { Since = local }).Select(l => l.Text));
    }

    [Fact]
    public void TailGivesTheLastLinesAfterTheFilters()
    {
        var path = Write(Rec(0, "stdout", 'F', "o0"), Rec(1, "stderr", 'F', "e1"), Rec(2, "stdout", 'P', "o2-"), Rec(3, "stderr", 'F', "e3"),
            Rec(4, "stdout", 'F', "o4"), Rec(5, "stderr", 'F', "e5"));

        Assert.Equal(["e3", "o2-o4", "e5"], Read(path, new LogQuery { Tail = 3 }).Select(l => l.Text));
        Assert.Equal(["o0", "o2-o4"], Read(path, new LogQuery { Tail = 2, Streams = LogStreams.Stdout }).Select(l => l.Text));
        Assert.Equal(["e1", "e3"], Read(path, new LogQuery { Tail = 2, Streams = LogStreams.Stderr, Until = At(4) }).Select(l => l.Text));
        Assert.Equal(6 - 1, Read(path, new LogQuery { Tail = 100 }).Count);
        Assert.Empty(Read(path, new LogQuery { Tail = 0 }));
    }

    [Fact]
    public void TailJoinsALongLineWhosePartsSpanManyReadBlocks()
    {
        var part = new string('x', 16 * 1024);
        var records = new List<string> { Rec(0, "stdout", 'F', "before") };
        for (var i = 0; i < 20; i++)
            records.Add(Rec(1, "stdout", 'P', part));
        records.Add(Rec(2, "stderr", 'F', "interleaved"));
        records.Add(Rec(3, "stdout", 'F', "end"));
        var path = Write([.. records]);

        var lines = Read(path, new LogQuery { Tail = 1 });

        Assert.Equal(20 * part.Length + 3, Assert.Single(lines).Text.Length);
        Assert.Equal(["interleaved", string.Concat(Enumerable.Repeat(part, 20)) + "end"], Read(path, new LogQuery { Tail = 2 }).Select(l => l.Text));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void TailEqualsTheEndOfAFullReadOnRandomLogs(int seed)
    {
        var random = new Random(seed);
        var records = new List<string>();
        var lastTag = new Dictionary<string, char>();
        for (var i = 0; i < 3000; i++)
        {
            var stream = random.Next(3) == 0 ? "stderr" : "stdout";
            var tag = random.Next(4) == 0 ? 'P' : 'F';
            // Mostly short records, some longer than a backward read block.
            var length = random.Next(50) == 0 ? random.Next(60_000, 140_000) : random.Next(0, 200);
            records.Add(random.Next(200) == 0 ? "not a record\n" : Rec(i, stream, tag, new string((char)('a' + random.Next(26)), length)));
            lastTag[stream] = tag;
        }
        // A line is left unfinished only where containerd leaves one: at the end, when the container's streams close.
        foreach (var (stream, tag) in lastTag.Where(t => t.Value == 'P'))
            records.Add(Rec(3000, stream, 'F', "end"));
        for (var i = 0; i < random.Next(4); i++)
            records.Add(Rec(3001 + i, random.Next(2) == 0 ? "stderr" : "stdout", 'P', "unfinished"));
        var path = Write([.. records]);

        foreach (var streams in new[] { LogStreams.All, LogStreams.Stdout, LogStreams.Stderr })
        {
            var since = At(random.Next(2000));
            foreach (var query in new[] { new LogQuery { Streams = streams }, new LogQuery { Streams = streams, Since = since } })
            {
                var all = Read(path, query);
                foreach (var tail in new[] { 1, 2, 7, 100, 1000, 5000 })
                {
                    var expected = all.TakeLast(tail).Select(l => (l.Timestamp, l.Stream, l.Text));
                    var actual = Read(path, new LogQuery { Streams = query.Streams, Since = query.Since, Tail = tail })
                        .Select(l => (l.Timestamp, l.Stream, l.Text));
                    Assert.True(expected.SequenceEqual(actual), $"streams {streams}, since {query.Since}, tail {tail}: expected {string.Join(", ", expected.Select(e => $"{e.Stream}@{(e.Timestamp - T0).TotalSeconds}/{e.Text.Length}"))} actual {string.Join(", ", actual.Select(e => $"{e.Stream}@{(e.Timestamp - T0).TotalSeconds}/{e.Text.Length}"))}");
                }
            }
        }
    }

    [Fact]
    public void AMissingFileIsCriContainerLogNotFoundWithThePath()
    {
        var path = Path.Combine(_dir, "app", "0.log");
        var e = Assert.Throws<CriException>(() => CriLogReader.Read(path, new LogQuery(), CancellationToken.None));
        Assert.Equal("CriContainerLogNotFound", e.ErrorId);
        Assert.Equal(CriErrorCategory.ObjectNotFound, e.Category);
        Assert.Equal(path, e.Target);
    }

    [Fact]
    public void ADirectoryIsCriContainerLogUnreadableWithThePath()
    {
        var e = Assert.Throws<CriException>(() => CriLogReader.Read(_dir, new LogQuery(), CancellationToken.None).ToList());
        Assert.Equal("CriContainerLogUnreadable", e.ErrorId);
        Assert.Equal(_dir, e.Target);
    }

    [Fact]
    public void ALineLongerThanTheLimitIsSkippedNotHeld()
    {
        var path = Path.Combine(_dir, "0.log");
        using (var file = File.Create(path))
        {
            file.Write(Encoding.UTF8.GetBytes(Rec(0, "stdout", 'F', "before")));
            file.Write(Encoding.UTF8.GetBytes(Rec(1, "stdout", 'F', "")).AsSpan(0, 32));
            file.Write(new byte[LogFile.MaxLineBytes + 10]);
            file.Write("\n"u8);
            file.Write(Encoding.UTF8.GetBytes(Rec(2, "stdout", 'F', "after")));
        }

        var lines = CriLogReader.Read(path, new LogQuery(), CancellationToken.None).ToList();

        Assert.Equal(3, lines.Count);
        Assert.True(lines[1].IsMalformed);
        Assert.StartsWith("(longer than 1 MiB)", lines[1].Text);
        Assert.Equal(["before", "after"], lines.Where(l => !l.IsMalformed).Select(l => l.Text));
    }

    [Fact]
    public void ReadingStopsWhenCancelled()
    {
        var path = Write(Enumerable.Range(0, 5000).Select(i => Rec(i, "stdout", 'F', "line")).ToArray());
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() =>
            CriLogReader.Read(path, new LogQuery { Streams = LogStreams.Stderr }, cancel.Token).ToList());
    }

    // ---- following ----

    [Fact]
    public async Task FollowReturnsWhatIsThereThenNewLinesUntilTheContainerStops()
    {
        var path = Path.Combine(_dir, "0.log");
        using var runtime = new FakeRuntime(path);
        runtime.Append(Rec(0, "stdout", 'F', "old"));

        var follow = Collect(path, new LogQuery(), runtime);
        await runtime.WaitForAsync(follow, 1);
        runtime.Append(Rec(1, "stdout", 'P', "part-"));
        await Task.Delay(100);
        runtime.AppendRaw(Rec(2, "stdout", 'F', "whole").Substring(0, 10));   // the runtime's write, half way
        await Task.Delay(100);
        runtime.AppendRaw(Rec(2, "stdout", 'F', "whole")[10..]);
        runtime.Append(Rec(3, "stderr", 'F', "err"));
        await runtime.WaitForAsync(follow, 3);
        runtime.Append(Rec(4, "stdout", 'P', "unfinished"));
        runtime.Running = false;

        var lines = await follow.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(["old", "part-whole", "err", "unfinished"], lines.Select(l => l.Text));
    }

    [Fact]
    public async Task FollowSurvivesTheKubeletsRotation()
    {
        var path = Path.Combine(_dir, "0.log");
        using var runtime = new FakeRuntime(path);
        runtime.Append(Rec(0, "stdout", 'F', "before"));
        var follow = Collect(path, new LogQuery(), runtime);
        await runtime.WaitForAsync(follow, 1);

        // The kubelet renames the file; the runtime writes to it until it is asked to reopen the path.
        File.Move(path, path + ".20261128-002117");
        runtime.Append(Rec(1, "stdout", 'P', "split-"));
        await Task.Delay(100);
        runtime.Reopen();
        runtime.Append(Rec(2, "stdout", 'F', "across"));
        runtime.Append(Rec(3, "stderr", 'F', "new file"));
        await runtime.WaitForAsync(follow, 3);
        runtime.Running = false;

        var lines = await follow.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(["before", "split-across", "new file"], lines.Select(l => l.Text));
    }

    [Fact]
    public async Task FollowStartsAgainAfterCopyTruncate()
    {
        var path = Path.Combine(_dir, "0.log");
        using var runtime = new FakeRuntime(path);
        runtime.Append(Rec(0, "stdout", 'F', "a fairly long line before the truncation"));
        var follow = Collect(path, new LogQuery(), runtime);
        await runtime.WaitForAsync(follow, 1);

        runtime.Truncate();
        runtime.Append(Rec(1, "stdout", 'F', "short"));
        await runtime.WaitForAsync(follow, 2);
        runtime.Running = false;

        Assert.Equal(["a fairly long line before the truncation", "short"], (await follow.Task.WaitAsync(TimeSpan.FromSeconds(5))).Select(l => l.Text));
    }

    [Fact]
    public async Task FollowWithTailStartsWithTheLastLinesAndLeavesAnUnfinishedLineToBeFinished()
    {
        var path = Path.Combine(_dir, "0.log");
        using var runtime = new FakeRuntime(path);
        foreach (var i in Enumerable.Range(0, 10))
            runtime.Append(Rec(i, "stdout", 'F', $"line {i}"));
        runtime.Append(Rec(10, "stderr", 'P', "begun "));
        runtime.Append(Rec(11, "stdout", 'F', "line 11"));

        var follow = Collect(path, new LogQuery { Tail = 2 }, runtime);
        await runtime.WaitForAsync(follow, 2);
        runtime.Append(Rec(12, "stderr", 'F', "and ended"));
        await runtime.WaitForAsync(follow, 3);
        runtime.Running = false;

        Assert.Equal(["line 9", "line 11", "begun and ended"], (await follow.Task.WaitAsync(TimeSpan.FromSeconds(5))).Select(l => l.Text));
    }

    [Fact]
    public async Task FollowOfAStoppedContainerGivesWhatReadingGives()
    {
        var path = Write(Rec(0, "stdout", 'F', "one"), Rec(1, "stdout", 'F', "two"), Rec(2, "stderr", 'P', "unfinished"));
        using var runtime = new FakeRuntime(Path.Combine(_dir, "unused.log")) { Running = false };

        var lines = await Collect(path, new LogQuery { Tail = 2 }, runtime).Task.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(["two", "unfinished"], lines.Select(l => l.Text));
        Assert.Equal(Read(path, new LogQuery { Tail = 2 }).Select(l => l.Text), lines.Select(l => l.Text));
    }

    [Fact]
    public async Task FollowWaitsForTheFileOfAContainerNotStartedYet()
    {
        var path = Path.Combine(_dir, "0.log");
        using var runtime = new FakeRuntime(path, create: false);
        var waiting = new TaskCompletionSource();
        var calls = 0;
        var follow = Collect(path, new LogQuery(), runtime, waitForFile: true, waiting: () =>
        {
            Interlocked.Increment(ref calls);
            waiting.TrySetResult();
            return Task.CompletedTask;
        });
        // Told once the follower has looked at the writer and found no file: only then does the "container" start.
        await waiting.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(follow.Task.IsCompleted);

        runtime.Reopen();
        runtime.Append(Rec(0, "stdout", 'F', "started"));
        await runtime.WaitForAsync(follow, 1);
        runtime.Running = false;

        Assert.Equal(["started"], (await follow.Task.WaitAsync(TimeSpan.FromSeconds(5))).Select(l => l.Text));
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task FollowOfAWriterThatHasStoppedIsNotToldItWaits()
    {
        var path = Path.Combine(_dir, "0.log");
        using var runtime = new FakeRuntime(path);
        runtime.Append(Rec(0, "stdout", 'F', "done"));
        runtime.Running = false;
        var told = false;

        var lines = await Collect(path, new LogQuery(), runtime, waiting: () => { told = true; return Task.CompletedTask; }).Task.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(["done"], lines.Select(l => l.Text));
        Assert.False(told);
    }

    [Fact]
    public async Task FollowEndsAtUntil()
    {
        var path = Path.Combine(_dir, "0.log");
        using var runtime = new FakeRuntime(path);
        runtime.Append(Rec(0, "stdout", 'F', "old"));
        var watch = Stopwatch.StartNew();

        var lines = await Collect(path, new LogQuery { Until = DateTime.UtcNow.AddMilliseconds(300) }, runtime).Task.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(["old"], lines.Select(l => l.Text));
        Assert.True(runtime.Running);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task FollowOfAMissingFileFailsUnlessAskedToWait()
    {
        var path = Path.Combine(_dir, "0.log");
        var e = await Assert.ThrowsAsync<CriException>(async () =>
        {
            await foreach (var _ in CriLogReader.FollowAsync(path, new LogQuery(), _ => Task.FromResult(true), false, Fast, CancellationToken.None))
            {
            }
        });
        Assert.Equal("CriContainerLogNotFound", e.ErrorId);
    }

    [Fact]
    public async Task FollowEndsPromptlyWhenCancelled()
    {
        var path = Path.Combine(_dir, "0.log");
        using var runtime = new FakeRuntime(path);
        using var cancel = new CancellationTokenSource();
        var follow = Collect(path, new LogQuery(), runtime, token: cancel.Token, timing: FollowTiming.Default);
        await Task.Delay(300);

        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => follow.Task.WaitAsync(TimeSpan.FromSeconds(1)));
    }

    // ---- Docker's json-file format (cri-dockerd) ----

    [Fact]
    public void ADockerJsonObjectGivesItsStreamTimeAndTextWithoutTheNewline()
    {
        var line = Encoding.UTF8.GetBytes("{\"log\":\"a\\tb\\n\",\"stream\":\"stderr\",\"time\":\"2026-11-28T00:21:17.5Z\"}");

        Assert.True(DockerJsonLogFormat.TryParse(line, out var record, out var content, out var length));

        Assert.Equal((LogStreams.Stderr, false, T0.AddMilliseconds(500)), (record.Stream, record.IsPartial, record.Timestamp));
        Assert.Equal("a\tb", Encoding.UTF8.GetString(content!, 0, length));
    }

    [Fact]
    public void DockerJsonLinesAreReadAsTheKubeletReadsThem()
    {
        var path = Write(Json(0, "stdout", """hello \"quoted\" \u00e9\n"""), Json(1, "stderr", """oops\n"""), Json(2, "stdout", """\n"""));

        var lines = Read(path, new LogQuery());

        Assert.Equal(["hello \"quoted\" \u00e9", "oops", ""], lines.Select(l => l.Text));
        Assert.Equal(["stdout", "stderr", "stdout"], lines.Select(l => l.StreamName));
        Assert.Equal(At(1), lines[1].Timestamp);
    }

    [Fact]
    public void DockerSplitsLongLinesIntoObjectsWithoutANewlineAndTheyAreJoined()
    {
        var path = Write(Json(0, "stdout", "one-"), Json(1, "stderr", """err\n"""), Json(2, "stdout", """two\n"""));

        Assert.Equal(["err", "one-two"], Read(path, new LogQuery()).Select(l => l.Text));
    }

    [Fact]
    public void TailAndStreamFiltersWorkOnDockerJsonLines()
    {
        var path = Write(Json(0, "stdout", """o0\n"""), Json(1, "stderr", """e1\n"""), Json(2, "stdout", "o2-"), Json(3, "stdout", """o3\n"""),
            Json(4, "stderr", """e4\n"""));

        Assert.Equal(["o2-o3", "e4"], Read(path, new LogQuery { Tail = 2 }).Select(l => l.Text));
        Assert.Equal(["o0", "o2-o3"], Read(path, new LogQuery { Tail = 5, Streams = LogStreams.Stdout }).Select(l => l.Text));
    }

    [Theory]
    [InlineData("""{"log":"no stream\n","time":"2026-11-28T00:21:17Z"}""")]
    [InlineData("""{"log":"bad time\n","stream":"stdout","time":"yesterday"}""")]
    [InlineData("""{"log":"cut""")]
    public void BrokenDockerJsonLinesAreMalformedAndReadingGoesOn(string broken)
    {
        var path = Write(broken + "\n", Json(1, "stdout", """after\n"""));

        var all = CriLogReader.Read(path, new LogQuery(), CancellationToken.None).ToList();

        Assert.True(all[0].IsMalformed);
        Assert.Equal("after", all[1].Text);
    }

    // ---- bounded joining ----

    private const int Bound = LogLineJoiner.MaxJoinedBytes;
    private const int Piece = LogLineJoiner.PieceBytes;
    private static readonly string Record16K = new('a', 16 * 1024);

    /// <summary>A line over the bound, as pieces: every one but the last a full piece marked partial, joining to the line.</summary>
    private static void AssertPieces(IReadOnlyList<LogLine> lines, string expected)
    {
        Assert.True(lines.Count > 1);
        Assert.All(lines.Take(lines.Count - 1), l => Assert.Equal((Piece, true), (Encoding.UTF8.GetByteCount(l.Text), l.IsPartial)));
        Assert.False(lines[^1].IsPartial);
        Assert.InRange(Encoding.UTF8.GetByteCount(lines[^1].Text), 1, Piece);
        Assert.Equal(expected, string.Concat(lines.Select(l => l.Text)));
    }

    [Fact]
    public void ALineLongerThanTheBoundComesInPiecesThatJoinToIt()
    {
        // 100 of containerd's 16 KiB records and a short F: 1.56 MiB, in pieces of 32 KiB.
        var records = Enumerable.Range(0, 100).Select(i => Rec(0, "stdout", 'P', Record16K)).Append(Rec(1, "stdout", 'F', "end")).ToArray();

        var lines = Read(Write(records), new LogQuery());

        AssertPieces(lines, string.Concat(Enumerable.Repeat(Record16K, 100)) + "end");
        Assert.Equal(100 * 16 * 1024 / Piece + 1, lines.Count);
        Assert.Equal(At(1), lines[^1].Timestamp);
    }

    [Fact]
    public void ALineOfExactlyTheBoundIsOneLine()
    {
        var records = Enumerable.Range(0, Bound / (16 * 1024)).Select(i => Rec(0, "stdout", 'P', Record16K)).Append(Rec(1, "stdout", 'F', "")).ToArray();

        var line = Assert.Single(Read(Write(records), new LogQuery()));

        Assert.Equal(Bound, line.Text.Length);
        Assert.False(line.IsPartial);
    }

    [Fact]
    public void APieceStaysOffTheLargeObjectHeap() =>
        // 85,000 bytes is where .NET puts an object on the large object heap; a piece's string is 2 bytes a character.
        Assert.True(2 * Piece + 24 < 85_000);

    [Theory]
    [InlineData("é", 1)]
    [InlineData("€", 1)]
    [InlineData("€", 2)]
    [InlineData("😀", 1)]
    [InlineData("😀", 3)]
    public void APieceNeverEndsInsideACharacter(string character, int bytesBeforeTheEnd)
    {
        // Over the bound, with the character starting bytesBeforeTheEnd bytes before the first piece's end.
        var joiner = new LogLineJoiner(maxBytes: 64, pieceBytes: 32);
        var text = new string('a', 32 - bytesBeforeTheEnd) + character + new string('b', 64);
        var lines = new List<LogLine>();

        joiner.Add(new CriLogRecord(T0, LogStreams.Stdout, false, 0), Encoding.UTF8.GetBytes(text), lines);

        Assert.Equal(32 - bytesBeforeTheEnd, Encoding.UTF8.GetByteCount(lines[0].Text));
        Assert.StartsWith(character, lines[1].Text);
        Assert.DoesNotContain('\uFFFD', string.Concat(lines.Select(l => l.Text)));
        Assert.Equal(text, string.Concat(lines.Select(l => l.Text)));
    }

    [Fact]
    public void BytesThatAreNoUtf8AreCutAtThePiece()
    {
        // Continuation bytes without a start: no character to keep whole, and no piece may come out empty.
        var bytes = Enumerable.Repeat((byte)0x80, 24).ToArray();
        Assert.Equal(8, LogLineJoiner.CutBefore(bytes, 8));
        var joiner = new LogLineJoiner(maxBytes: 16, pieceBytes: 8);
        var lines = new List<LogLine>();

        joiner.Add(new CriLogRecord(T0, LogStreams.Stdout, false, 0), bytes, lines);

        Assert.Equal([8, 8, 8], lines.Select(l => Encoding.UTF8.GetByteCount(l.Text) / 3));   // each byte decodes to U+FFFD
        Assert.Equal([true, true, false], lines.Select(l => l.IsPartial));
    }

    [Fact]
    public void EachStreamIsBoundedOnItsOwn()
    {
        var records = new List<string>();
        for (var i = 0; i < 80; i++)
        {
            records.Add(Rec(0, "stdout", 'P', new string('o', 16 * 1024)));
            records.Add(Rec(0, "stderr", 'P', new string('e', 16 * 1024)));
        }
        records.Add(Rec(1, "stderr", 'F', "E"));
        records.Add(Rec(2, "stdout", 'F', "O"));

        var lines = Read(Write(records.ToArray()), new LogQuery());

        // Each stream passes the bound on its own (1.25 MiB each) and comes in its own pieces, never mixing the two.
        AssertPieces(lines.Where(l => l.StreamName == "stdout").ToList(), new string('o', 80 * 16 * 1024) + "O");
        AssertPieces(lines.Where(l => l.StreamName == "stderr").ToList(), new string('e', 80 * 16 * 1024) + "E");
        // The lines end in the order their F records came.
        Assert.Equal(["stderr", "stdout"], lines.Where(l => !l.IsPartial).Select(l => l.StreamName));
    }

    [Fact]
    public void PartialRecordsThatNoFullOneEndsAreFlushedInPiecesAtTheEndOfTheFile()
    {
        // A stream that ends without a newline: its last P record is never followed by an F.
        var records = Enumerable.Range(0, 160).Select(i => Rec(0, "stdout", 'P', Record16K)).ToArray();

        var lines = Read(Write(records), new LogQuery());

        AssertPieces(lines, string.Concat(Enumerable.Repeat(Record16K, 160)));
        Assert.Equal(160 * 16 * 1024 / Piece, lines.Count);
    }

    [Fact]
    public void TailCountsPiecesSoItHoldsNoMoreThanItReturns()
    {
        var records = Enumerable.Range(0, 160).Select(i => Rec(0, "stdout", 'P', Record16K)).Append(Rec(1, "stdout", 'F', "end")).ToArray();

        var line = Assert.Single(Read(Write(records), new LogQuery { Tail = 1 }));

        Assert.Equal("end", line.Text);
        Assert.False(line.IsPartial);
    }

    [Fact]
    public async Task FollowHandsOutPiecesOfAnEndlessLineAsTheyFill()
    {
        var path = Path.Combine(_dir, "0.log");
        using var runtime = new FakeRuntime(path);
        var follow = Collect(path, new LogQuery(), runtime);

        // No F ever comes while the container runs: pieces still come out as soon as the bound is passed.
        for (var i = 0; i < Bound / (16 * 1024) + 1; i++)
            runtime.Append(Rec(0, "stdout", 'P', Record16K));
        await runtime.WaitForAsync(follow, Bound / Piece);
        Assert.All(follow.Lines, l => Assert.Equal((Piece, true), (l.Text.Length, l.IsPartial)));

        runtime.Running = false;
        var lines = await follow.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal((16 * 1024, false), (lines[^1].Text.Length, lines[^1].IsPartial));
        Assert.Equal(Bound + 16 * 1024, lines.Sum(l => l.Text.Length));
    }

    [Fact]
    public void AFileLineIsBoundedByFarLessThanTheOldLimit()
    {
        // A record is at most 16 KiB of text plus its header, a json-file line some 96 KiB; 1 MiB is room enough.
        Assert.Equal(1 << 20, LogFile.MaxLineBytes);
        var path = Path.Combine(_dir, "0.log");
        using (var file = File.Create(path))
        {
            file.Write(Encoding.UTF8.GetBytes(Rec(0, "stdout", 'F', new string('x', LogFile.MaxLineBytes - 100))));
            file.Write(Encoding.UTF8.GetBytes(Rec(1, "stdout", 'F', new string('y', LogFile.MaxLineBytes))));
            file.Write(Encoding.UTF8.GetBytes(Rec(2, "stdout", 'F', "after")));
        }

        var lines = CriLogReader.Read(path, new LogQuery(), CancellationToken.None).ToList();

        Assert.Equal([false, true, false], lines.Select(l => l.IsMalformed));
        Assert.Equal(LogFile.MaxLineBytes - 100, lines[0].Text.Length);
        Assert.Equal("after", lines[2].Text);
    }

    // ---- helpers ----

    private static string Json(int second, string stream, string escapedText) =>
        $"{{\"log\":\"{escapedText}\",\"stream\":\"{stream}\",\"time\":\"{At(second):yyyy-MM-dd'T'HH:mm:ss.fffffff}12Z\"}}\n";

    private static DateTime At(int second) => T0.AddSeconds(second);

    private static string Rec(int second, string stream, char tag, string content) =>
        $"{At(second):yyyy-MM-dd'T'HH:mm:ss.fffffff}{second % 10}{second % 7}Z {stream} {tag} {content}\n";

    private string Write(params string[] records)
    {
        var path = Path.Combine(_dir, $"{Guid.NewGuid():N}.log");
        File.WriteAllText(path, string.Concat(records));
        return path;
    }

    private static List<LogLine> Read(string path, LogQuery query) =>
        CriLogReader.Read(path, query, CancellationToken.None).Where(l => !l.IsMalformed).ToList();

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    private static Collector Collect(string path, LogQuery query, FakeRuntime runtime, bool waitForFile = false,
        CancellationToken token = default, FollowTiming? timing = null, Func<Task>? waiting = null)
    {
        var collector = new Collector();
        collector.Task = Task.Run(async () =>
        {
            await foreach (var line in CriLogReader.FollowAsync(path, query, _ => Task.FromResult(runtime.Running), waitForFile, timing ?? Fast, token, waiting))
                lock (collector.Lines)
                    collector.Lines.Add(line);
            return collector.Lines.ToList();
        });
        return collector;
    }

    private sealed class Collector
    {
        public List<LogLine> Lines { get; } = new();
        public Task<List<LogLine>> Task { get; set; } = null!;

        public int Count
        {
            get
            {
                lock (Lines)
                    return Lines.Count;
            }
        }
    }

    /// <summary>Writes a log as a runtime does: one open file appended to, reopened on request.</summary>
    private sealed class FakeRuntime : IDisposable
    {
        private readonly string _path;
        private FileStream? _file;

        public FakeRuntime(string path, bool create = true)
        {
            _path = path;
            if (create)
                Reopen();
        }

        public volatile bool Running = true;

        public void Reopen()
        {
            _file?.Dispose();
            _file = new FileStream(_path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        }

        public void Append(string record) => AppendRaw(record);

        public void AppendRaw(string text)
        {
            // At the end each time, as O_APPEND writes: after a copytruncate that is the start again.
            _file!.Seek(0, SeekOrigin.End);
            _file.Write(Encoding.UTF8.GetBytes(text));
            _file.Flush();
        }

        public void Truncate()
        {
            _file!.SetLength(0);
            _file.Flush();
        }

        public async Task WaitForAsync(Collector collector, int count)
        {
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (collector.Count < count)
            {
                if (DateTime.UtcNow > deadline || collector.Task.IsCompleted)
                    throw new Xunit.Sdk.XunitException($"Expected {count} lines, got {collector.Count}.");
                await Task.Delay(10);
            }
        }

        public void Dispose() => _file?.Dispose();
    }
}
