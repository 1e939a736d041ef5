using CriPS.Engine.Endpoints;

namespace CriPS.Tests;

public sealed class CrictlConfigFileTests
{
    private static (string Text, IReadOnlyList<string> Changes) Edit(string text, params (string Key, string Value)[] settings) =>
        CrictlConfigFile.Edit(text, settings.Select(s => KeyValuePair.Create(s.Key, s.Value)), "crictl.yaml");

    [Fact]
    public void ReplacesOnlyTheValueAndKeepsCommentsAndOtherKeys()
    {
        const string text = "# kubeadm wrote this\nruntime-endpoint: unix:///old.sock # the old one\nsomething-else: 1\ntimeout: 2\n";

        var (edited, changes) = Edit(text, ("runtime-endpoint", "unix:///new.sock"), ("debug", "true"));

        Assert.Equal("# kubeadm wrote this\nruntime-endpoint: unix:///new.sock # the old one\nsomething-else: 1\ntimeout: 2\ndebug: true\n", edited);
        Assert.Equal(2, changes.Count);
    }

    [Fact]
    public void ChangesNothingWhenTheFileAlreadySaysSo()
    {
        var (edited, changes) = Edit("timeout: 10\n", ("timeout", "10"));

        Assert.Equal("timeout: 10\n", edited);
        Assert.Empty(changes);
    }

    [Fact]
    public void QuotesAValueYamlWouldReadOtherwiseAndReadsItBack()
    {
        var (edited, _) = Edit("", ("runtime-endpoint", "unix:///a b #c.sock"), ("image-endpoint", ""));

        var read = CrictlConfig.ReadSettings(edited).ToDictionary(s => s.Key, s => s.Value);
        Assert.Equal("unix:///a b #c.sock", read["runtime-endpoint"]);
        Assert.Null(read["image-endpoint"]);
    }

    [Fact]
    public void RefusesToAddToAFlowMapping()
    {
        var e = Assert.Throws<CriException>(() => Edit("{timeout: 2}", ("debug", "true")));

        Assert.Equal("CriInvalidConfigFile", e.ErrorId);
    }

    [Theory]
    [InlineData("debug", "yes")]
    [InlineData("pull-image-on-create", "on")]
    [InlineData("max-retries", "many")]
    public void ValuesCrictlCannotReadAreFormatExceptions(string key, string text)
    {
        var e = Assert.Throws<FormatException>(() => CrictlConfig.ParseValue(key, text));

        Assert.Contains(key, e.Message);
    }

    [Theory]
    [InlineData("debug", "T", true)]
    [InlineData("disable-pull-on-run", "0", false)]
    [InlineData("timeout", "7", 7)]
    [InlineData("max-retries", "-1", -1)]
    [InlineData("some-other-key", "x", "x")]
    public void ValuesAreTypedAsCrictlReadsThem(string key, string text, object expected)
    {
        Assert.Equal(expected, CrictlConfig.ParseValue(key, text));
    }
}
