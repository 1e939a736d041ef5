using System.Net;
using CriPS.Engine.Streaming;

namespace CriPS.Tests;

public class PortForwardMappingTests
{
    [Theory]
    [InlineData("8080:80", 8080, 80)]
    [InlineData("80", 80, 80)]
    [InlineData(":80", 0, 80)]
    [InlineData("0:80", 0, 80)]
    [InlineData(" 65535:1 ", 65535, 1)]
    public void ParsesTheFormsCrictlTakes(string text, int local, int pod)
    {
        Assert.Equal(new PortForwardMapping(local, pod), PortForwardMapping.Parse(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("8080:0")]
    [InlineData("8080:")]
    [InlineData("65536")]
    [InlineData("1:2:3")]
    [InlineData("-1:80")]
    [InlineData("+80")]
    [InlineData("80/udp")]
    [InlineData("http")]
    public void RejectsAnythingElseAsCriInvalidPortMapping(string text)
    {
        var e = Assert.Throws<CriException>(() => PortForwardMapping.Parse(text));
        Assert.Equal("CriInvalidPortMapping", e.ErrorId);
        Assert.Equal(CriErrorCategory.InvalidArgument, e.Category);
        Assert.Equal(text, e.Target);
    }

    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1")]
    [InlineData("0.0.0.0", "0.0.0.0")]
    [InlineData("::1", "::1")]
    [InlineData("[::1]", "::1")]
    [InlineData("::", "::")]
    [InlineData("localhost", "127.0.0.1")]
    public void ParsesAddresses(string text, string expected)
    {
        Assert.Equal(IPAddress.Parse(expected), PortForwardMapping.ParseAddress(text));
    }

    [Theory]
    [InlineData("nowhere")]
    [InlineData("127.1")]
    [InlineData("1")]
    [InlineData("300.0.0.1")]
    public void RejectsWhatIsNotAnIpAddressAsCriInvalidAddress(string text)
    {
        var e = Assert.Throws<CriException>(() => PortForwardMapping.ParseAddress(text));
        Assert.Equal("CriInvalidAddress", e.ErrorId);
        Assert.Equal(CriErrorCategory.InvalidArgument, e.Category);
    }
}
