using CriPS.Engine.Endpoints;

namespace CriPS.Tests;

public sealed class CrictlConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("crips-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteFile(string text)
    {
        var path = Path.Combine(_dir, "crictl.yaml");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void ParsesATypicalCrictlYaml()
    {
        const string yaml = """
            # written by kubeadm
            runtime-endpoint: unix:///run/containerd/containerd.sock
            image-endpoint: "unix:///run/containerd/containerd.sock"
            timeout: 10
            debug: false
            pull-image-on-create: false
            """;

        var config = CrictlConfig.Parse(yaml);

        Assert.Equal("unix:///run/containerd/containerd.sock", config.RuntimeEndpoint);
        Assert.Equal("unix:///run/containerd/containerd.sock", config.ImageEndpoint);
        Assert.Equal(TimeSpan.FromSeconds(10), config.Timeout);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# only a comment\n")]
    [InlineData("- a\n- list\n")]
    [InlineData("just a scalar")]
    public void EmptyOrNonMappingTextIsAnEmptyConfig(string yaml)
    {
        Assert.Equal(CrictlConfig.Empty, CrictlConfig.Parse(yaml));
    }

    [Fact]
    public void MissingAndBlankKeysAreNull()
    {
        var config = CrictlConfig.Parse("runtime-endpoint: unix:///r.sock\nimage-endpoint: \ndebug: true\n");

        Assert.Equal("unix:///r.sock", config.RuntimeEndpoint);
        Assert.Null(config.ImageEndpoint);
        Assert.Null(config.Timeout);
    }

    [Fact]
    public void TimeoutZeroMeansNotSet()
    {
        // crictl treats 0 as "use the default"; so does the resolver when Timeout is null.
        Assert.Null(CrictlConfig.Parse("timeout: 0").Timeout);
    }

    [Theory]
    [InlineData("timeout: ten")]
    [InlineData("timeout: -5")]
    [InlineData("timeout: 2.5")]
    [InlineData("timeout: 10s")]
    public void BadTimeoutIsAFormatException(string yaml)
    {
        var e = Assert.Throws<FormatException>(() => CrictlConfig.Parse(yaml));

        Assert.Contains("timeout", e.Message);
    }

    [Fact]
    public void LoadOfAMissingFileIsEmpty()
    {
        Assert.Same(CrictlConfig.Empty, CrictlConfig.Load(Path.Combine(_dir, "absent.yaml")));
    }

    [Fact]
    public void LoadReadsTheFile()
    {
        var path = WriteFile("runtime-endpoint: unix:///run/crio/crio.sock\ntimeout: 4\n");

        var config = CrictlConfig.Load(path);

        Assert.Equal(new CrictlConfig("unix:///run/crio/crio.sock", null, TimeSpan.FromSeconds(4)), config);
    }

    [Theory]
    [InlineData("runtime-endpoint: [unclosed\n")]
    [InlineData("runtime-endpoint: \"unterminated\n")]
    [InlineData("a: b\n  c: d\n")]
    public void LoadOfMalformedYamlNamesTheFile(string text)
    {
        var path = WriteFile(text);

        var e = Assert.Throws<CriException>(() => CrictlConfig.Load(path));

        Assert.Equal("CriInvalidConfigFile", e.ErrorId);
        Assert.Equal(CriErrorCategory.InvalidData, e.Category);
        Assert.Equal(path, e.Target);
        Assert.Contains(path, e.Message);
        // YamlDotNet's exception is the engine's type: only its name and message cross the boundary.
        Assert.StartsWith("YamlDotNet.Core.", Assert.IsType<CriCauseException>(e.InnerException).OriginalType);
    }

    [Fact]
    public void LoadWithABadTimeoutNamesTheFile()
    {
        var path = WriteFile("timeout: soon\n");

        var e = Assert.Throws<CriException>(() => CrictlConfig.Load(path));

        Assert.Equal("CriInvalidConfigFile", e.ErrorId);
        Assert.Equal(CriErrorCategory.InvalidData, e.Category);
        Assert.IsType<FormatException>(e.InnerException);
    }
}
