using CriPS.Engine.Conversion;

namespace CriPS.Tests.Conversion;

public sealed class DockerDaemonLogSizeTests
{
    [Theory]
    [InlineData("10m", "10M")]
    [InlineData("10M", "10M")]
    [InlineData("10mb", "10M")]
    [InlineData("10MiB", "10M")] // FromHumanSize stays decimal even with the i
    [InlineData("10 m", "10M")]
    [InlineData("100k", "100k")]
    [InlineData("1000k", "1M")]
    [InlineData("1.5m", "1500k")]
    [InlineData("1.1m", "1100k")]
    [InlineData("0.5k", "500")]
    [InlineData("2g", "2G")]
    [InlineData("1500t", "1500T")]
    [InlineData("3p", "3P")]
    [InlineData("4096", "4096")]
    [InlineData("1b", "1")]
    [InlineData("0", null)]
    [InlineData("0.0001k", null)]
    [InlineData("", null)]
    [InlineData("m", null)]
    [InlineData("-1m", null)]
    [InlineData("10  m", null)]
    [InlineData("1.2.3m", null)]
    [InlineData("1e3", null)]
    [InlineData("10x", null)]
    [InlineData("10 mbb", null)]
    public void DockerSizesBecomeKubeletQuantities(string docker, string? quantity)
    {
        Assert.Equal(quantity, DockerLogSize.ToKubeletQuantity(docker));
    }
}
