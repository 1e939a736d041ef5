using System.IO.Compression;
using System.Text;
using CriPS.Engine.Archives;

namespace CriPS.Tests;

/// <summary>The parts of image import and export that need no daemon: paths, JSON, the input stream, the stall limit.</summary>
public class ArchiveTests
{
    [Theory]
    [InlineData("", "./manifest.json", "manifest.json")]
    [InlineData("", "blobs//sha256/./ab", "blobs/sha256/ab")]
    [InlineData("f9c36b", "../133b4b.tar", "133b4b.tar")]
    [InlineData("a/b", "../../c/layer.tar", "c/layer.tar")]
    public void LinksResolveInsideTheArchive(string directory, string link, string expected) =>
        Assert.Equal(expected, ArchivePath.Resolve(directory, link));

    [Theory]
    [InlineData("a", "../../escape.tar")]
    [InlineData("", "../etc/cron.d/x")]
    [InlineData("a/b", "/etc/passwd")]
    [InlineData("", "a/../../x")]
    public void APathOutsideTheArchiveIsAnError(string directory, string path)
    {
        var e = Assert.Throws<ImageArchiveException>(() => ArchivePath.Resolve(directory, path));
        Assert.Equal("ContainerdArchivePathOutside", e.ErrorId);
        Assert.Equal(path, e.Target);
    }

    [Fact]
    public void DirectoryOfAPath() =>
        Assert.Equal(("f9c36b", ""), (ArchivePath.Directory("f9c36b/layer.tar"), ArchivePath.Directory("manifest.json")));

    [Fact]
    public void DocumentsAreWrittenCompactWithMediaTypesAsOthersWriteThem()
    {
        var json = Encoding.UTF8.GetString(OciJson.Serialize(new OciDocument
        {
            MediaType = MediaTypes.DockerManifest,
            Config = new OciDescriptor { MediaType = MediaTypes.DockerConfig, Digest = "sha256:aa", Size = 2 },
            Layers = [],
        }));
        Assert.Equal("""{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"sha256:aa","size":2},"layers":[]}""", json);
    }

    [Fact]
    public void ADocumentThatIsNotJsonIsAnInvalidArchive()
    {
        var e = Assert.Throws<ImageArchiveException>(() => OciJson.Parse<OciDocument>("{not json"u8.ToArray(), "index.json"));
        Assert.Equal("ContainerdArchiveInvalidDocument", e.ErrorId);
        Assert.Equal(CriErrorCategory.InvalidData, e.Category);
        Assert.Equal("index.json", e.Target);
    }

    [Fact]
    public void DockerManifestListsReadWithTheirCapitalisedFields()
    {
        var entries = OciJson.Parse<List<DockerArchiveEntry>>(
            """[{"Config":"da8f.json","RepoTags":["busybox:1.36"],"Layers":["f9c3/layer.tar"]}]"""u8.ToArray(), "manifest.json");
        Assert.Equal("da8f.json", entries[0].Config);
        Assert.Equal(["busybox:1.36"], entries[0].RepoTags!);
        Assert.Equal(["f9c3/layer.tar"], entries[0].Layers);
    }

    [Fact]
    public async Task APlainArchiveIsReadAsItIsAndCounted()
    {
        var data = Encoding.ASCII.GetBytes("plain tar bytes");
        var progress = new TransferProgress();
        await using var stream = await ArchiveReadStream.OpenTarAsync(new MemoryStream(data), progress, CancellationToken.None);
        Assert.Equal(data, await ReadAll(stream));
        Assert.Equal(data.Length, progress.Bytes);
    }

    [Fact]
    public async Task AGzippedArchiveIsUnpackedOnTheFlyAndItsCompressedBytesCounted()
    {
        var data = Encoding.ASCII.GetBytes(new string('x', 100_000));
        var gz = new MemoryStream();
        await using (var zip = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
            await zip.WriteAsync(data);
        var progress = new TransferProgress();
        await using var stream = await ArchiveReadStream.OpenTarAsync(new MemoryStream(gz.ToArray()), progress, CancellationToken.None);
        Assert.Equal(data, await ReadAll(stream));
        Assert.Equal(gz.Length, progress.Bytes);
    }

    [Fact]
    public async Task AnEmptyInputGivesAnEmptyStream()
    {
        await using var stream = await ArchiveReadStream.OpenTarAsync(new MemoryStream(), new TransferProgress(), CancellationToken.None);
        Assert.Empty(await ReadAll(stream));
    }

    [Fact]
    public void TheStallLimitFiresOnlyWithoutProgress()
    {
        // Two pauses that together outlast the limit, with progress between them: no stall. Then silence: a stall.
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var guard = new StallGuard(TimeSpan.FromSeconds(2), CancellationToken.None, time);
        time.Advance(TimeSpan.FromSeconds(1.5));
        guard.Progress();
        time.Advance(TimeSpan.FromSeconds(1.5));
        Assert.False(guard.Stalled);
        Assert.False(guard.Token.IsCancellationRequested);
        time.Advance(TimeSpan.FromSeconds(0.6));
        Assert.True(guard.Stalled);
        Assert.True(guard.Token.IsCancellationRequested);
        var e = Assert.Throws<CriException>(() => guard.ThrowIfStalled("blobs/sha256/ab"));
        Assert.Equal(("CriTimeout", CriErrorCategory.OperationTimeout), (e.ErrorId, e.Category));
    }

    [Fact]
    public void CtrlCIsNotAStall()
    {
        using var caller = new CancellationTokenSource();
        using var guard = new StallGuard(TimeSpan.FromMinutes(1), caller.Token);
        caller.Cancel();
        Assert.True(guard.Token.IsCancellationRequested);
        Assert.False(guard.Stalled);
    }

    private static async Task<byte[]> ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }
}
