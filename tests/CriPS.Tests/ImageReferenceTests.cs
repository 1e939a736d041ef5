using CriPS.Engine.Images;

namespace CriPS.Tests;

/// <summary>References are checked before any call, and read as docker reads them.</summary>
public class ImageReferenceTests
{
    [Theory]
    [InlineData("busybox", "docker.io", "library/busybox", "latest", null)]
    [InlineData("busybox:1.36", "docker.io", "library/busybox", "1.36", null)]
    [InlineData("team/app:v2", "docker.io", "team/app", "v2", null)]
    [InlineData("registry.k8s.io/pause:3.9", "registry.k8s.io", "pause", "3.9", null)]
    [InlineData("127.0.0.1:5100/crips/busybox:1.36", "127.0.0.1:5100", "crips/busybox", "1.36", null)]
    [InlineData("localhost/app", "localhost", "app", "latest", null)]
    [InlineData("quay.io/a/b/c__d.e-f:tag_1.2-x", "quay.io", "a/b/c__d.e-f", "tag_1.2-x", null)]
    [InlineData("busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "docker.io", "library/busybox", null,
        "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    public void ValidReferencesAreRead(string text, string domain, string path, string? tag, string? digest)
    {
        var r = ImageReference.Parse(text);
        Assert.Equal((domain, path, tag, digest), (r.Domain, r.Path, r.Tag, r.Digest));
        Assert.Equal(domain, r.Registry);
    }

    [Fact]
    public void FullNameIsWhatRuntimesList() =>
        Assert.Equal("docker.io/library/busybox:latest", ImageReference.Parse("busybox").FullName);

    [Theory]
    [InlineData("")]
    [InlineData("Busybox")]                       // upper case in the repository
    [InlineData("busy box")]
    [InlineData("busybox:")]
    [InlineData("busybox:-tag")]
    [InlineData("-busybox")]
    [InlineData("busybox//x")]
    [InlineData("busybox@sha256:short")]
    [InlineData("http://registry/busybox")]
    [InlineData("busybox:1.0:2.0")]
    public void MalformedReferencesFailBeforeAnyCall(string text)
    {
        var e = Assert.Throws<CriException>(() => ImageReference.Parse(text));
        Assert.Equal("CriInvalidImageReference", e.ErrorId);
        Assert.Equal(CriErrorCategory.InvalidArgument, e.Category);
        Assert.Equal(text, e.Target);
    }

    [Fact]
    public void OverlongTagFails() =>
        Assert.Throws<CriException>(() => ImageReference.Parse("busybox:" + new string('a', 129)));

    [Theory]
    [InlineData("busybox", new[] { "busybox", "docker.io/library/busybox", "busybox:latest", "docker.io/library/busybox:latest" })]
    [InlineData("busy*:1.36", new[] { "busy*:1.36", "docker.io/library/busy*:1.36" })]
    [InlineData("team/app:v2", new[] { "team/app:v2", "docker.io/team/app:v2" })]
    [InlineData("registry.k8s.io/pause", new[] { "registry.k8s.io/pause", "registry.k8s.io/pause:latest" })]
    [InlineData("localhost:5000/a@sha256:d1", new[] { "localhost:5000/a@sha256:d1" })]
    [InlineData("reg*/app:1", new[] { "reg*/app:1" })]       // the first part may stand for a registry
    public void FullFormsOfATypedNameOrPattern(string typed, string[] expected) =>
        Assert.Equal(expected, ImageReference.FullForms(typed));

    [Theory]
    [InlineData("docker.io/library/busybox:1.36", "busybox:1.36")]
    [InlineData("docker.io/team/app:v2", "team/app:v2")]
    [InlineData("registry.k8s.io/pause:3.9", "registry.k8s.io/pause:3.9")]
    [InlineData("localhost:5000/docker.io/x:1", "localhost:5000/docker.io/x:1")]
    [InlineData("docker.io/library/a/b:1", "library/a/b:1")]
    public void FamiliarFormIsWhatDockerWritesInManifestJson(string full, string familiar)
    {
        Assert.Equal(familiar, ImageReference.FamiliarForm(full));
        // Read back as docker reads it, the familiar form is the full name again.
        Assert.Equal(full, ImageReference.Parse(familiar).FullName);
    }

    [Fact]
    public void TryParseIsNullForWhatParseRefuses()
    {
        Assert.Null(ImageReference.TryParse("Busybox"));
        Assert.Equal("docker.io/library/busybox:1.36", ImageReference.TryParse("busybox:1.36")?.FullName);
    }
}
