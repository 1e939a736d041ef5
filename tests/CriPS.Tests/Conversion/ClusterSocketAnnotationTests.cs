using CriPS.Engine.Conversion;

namespace CriPS.Tests.Conversion;

public sealed class ClusterSocketAnnotationTests
{
    [Theory]
    [InlineData("/var/run/dockershim.sock", true)]
    [InlineData("unix:///var/run/dockershim.sock", true)]
    [InlineData("/run/dockershim.sock", true)]
    [InlineData("/var/run/cri-dockerd.sock", true)]
    [InlineData("unix:///var/run/cri-dockerd.sock", true)]
    [InlineData("/run/cri-dockerd.sock", true)]
    [InlineData("unix:///run/cri-dockerd.sock", true)]
    [InlineData("unix:///run/containerd/containerd.sock", false)]
    [InlineData("unix:///var/run/crio/crio.sock", false)]
    [InlineData("/var/run/docker.sock", false)]
    [InlineData("/var/run/dockershim.sock.bak", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void NamesDockerSocketOnlyForDockershimAndCriDockerd(string? value, bool expected) =>
        Assert.Equal(expected, CriSocketAnnotation.NamesDockerSocket(value));

    [Fact]
    public void RetryDelaysDoubleUpToTheirCeiling()
    {
        var pacing = new DrainPacing(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1));
        var delays = new List<TimeSpan>();
        var delay = TimeSpan.Zero;
        for (var i = 0; i < 5; i++)
            delays.Add(delay = pacing.NextRetry(delay));

        Assert.Equal(new[] { 1, 2, 4, 5, 5 }, delays.Select(d => (int)d.TotalSeconds));
    }
}
