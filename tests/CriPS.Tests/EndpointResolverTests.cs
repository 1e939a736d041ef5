using CriPS.Engine.Endpoints;

namespace CriPS.Tests;

public class EndpointResolverTests
{
    private const string Containerd = "/run/containerd/containerd.sock";
    private const string Crio = "/run/crio/crio.sock";
    private const string CriDockerd = "/var/run/cri-dockerd.sock";

    /// <summary>An environment, config files and sockets that exist only in the test.</summary>
    private sealed class FakeContext : IResolverContext
    {
        public Dictionary<string, string> Environment { get; } = new();
        public Dictionary<string, CrictlConfig> Configs { get; } = new();
        public HashSet<string> Sockets { get; } = new();
        public List<string> LoadedConfigs { get; } = new();

        public string? GetEnvironmentVariable(string name) => Environment.GetValueOrDefault(name);

        public CrictlConfig LoadConfig(string path)
        {
            LoadedConfigs.Add(path);
            return Configs.GetValueOrDefault(path, CrictlConfig.Empty);
        }

        public bool SocketExists(string path) => Sockets.Contains(path);
    }

    /// <summary>Every source set, each to a different endpoint, so the winner is visible.</summary>
    private static FakeContext Everything()
    {
        var c = new FakeContext();
        c.Environment["CONTAINER_RUNTIME_ENDPOINT"] = "unix:///env/runtime.sock";
        c.Environment["IMAGE_SERVICE_ENDPOINT"] = "unix:///env/image.sock";
        c.Configs["/etc/crictl.yaml"] = new CrictlConfig("unix:///file/runtime.sock", "unix:///file/image.sock", TimeSpan.FromSeconds(30));
        c.Sockets.UnionWith([Containerd, Crio, CriDockerd]);
        return c;
    }

    [Fact]
    public void RuntimeParameterBeatsEverything()
    {
        var (runtime, _, _) = new EndpointResolver(Everything()).Resolve("unix:///param/runtime.sock", null, null);

        Assert.Equal("unix:///param/runtime.sock", runtime.Endpoint.Address);
        Assert.Equal(EndpointSource.Parameter, runtime.Source);
        Assert.Equal("given by -RuntimeEndpoint", runtime.Reason);
    }

    [Fact]
    public void RuntimeEnvironmentVariableBeatsConfigFileAndDefaults()
    {
        var (runtime, _, _) = new EndpointResolver(Everything()).Resolve(null, null, null);

        Assert.Equal("unix:///env/runtime.sock", runtime.Endpoint.Address);
        Assert.Equal(EndpointSource.Environment, runtime.Source);
        Assert.Equal("from $CONTAINER_RUNTIME_ENDPOINT", runtime.Reason);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void BlankRuntimeParameterIsIgnored(string? parameter)
    {
        var (runtime, _, _) = new EndpointResolver(Everything()).Resolve(parameter, null, null);

        Assert.Equal(EndpointSource.Environment, runtime.Source);
    }

    [Fact]
    public void RuntimeConfigFileBeatsDefaultSockets()
    {
        var c = Everything();
        c.Environment["CONTAINER_RUNTIME_ENDPOINT"] = ""; // set but empty counts as unset

        var (runtime, _, _) = new EndpointResolver(c).Resolve(null, null, null);

        Assert.Equal("unix:///file/runtime.sock", runtime.Endpoint.Address);
        Assert.Equal(EndpointSource.ConfigFile, runtime.Source);
        Assert.Equal("runtime-endpoint in /etc/crictl.yaml", runtime.Reason);
    }

    [Theory]
    [InlineData(new[] { Containerd, Crio, CriDockerd }, Containerd)]
    [InlineData(new[] { CriDockerd, Crio }, Crio)]
    [InlineData(new[] { CriDockerd }, CriDockerd)]
    public void FirstExistingDefaultSocketInCrictlOrder(string[] existing, string expected)
    {
        var c = new FakeContext();
        c.Sockets.UnionWith(existing);

        var (runtime, _, _) = new EndpointResolver(c).Resolve(null, null, null);

        Assert.Equal(expected, runtime.Endpoint.SocketPath);
        Assert.Equal(EndpointSource.Default, runtime.Source);
        Assert.Equal("the first well-known runtime socket that exists", runtime.Reason);
    }

    [Fact]
    public void DefaultSocketsAreContainerdCrioCriDockerd()
    {
        Assert.Equal(["unix://" + Containerd, "unix://" + Crio, "unix://" + CriDockerd], EndpointResolver.DefaultSockets);
    }

    [Fact]
    public void CriConfigFileVariableChoosesTheConfigFile()
    {
        var c = new FakeContext();
        c.Environment["CRI_CONFIG_FILE"] = "/home/me/crictl.yaml";
        c.Configs["/etc/crictl.yaml"] = new CrictlConfig("unix:///wrong.sock", null, null);
        c.Configs["/home/me/crictl.yaml"] = new CrictlConfig("unix:///mine.sock", null, TimeSpan.FromSeconds(3));
        var resolver = new EndpointResolver(c);

        var (runtime, _, timeout) = resolver.Resolve(null, null, null);

        Assert.Equal("/home/me/crictl.yaml", resolver.ConfigFilePath);
        Assert.Equal("unix:///mine.sock", runtime.Endpoint.Address);
        Assert.Equal("runtime-endpoint in /home/me/crictl.yaml", runtime.Reason);
        Assert.Equal(TimeSpan.FromSeconds(3), timeout);
        Assert.Equal(["/home/me/crictl.yaml"], c.LoadedConfigs);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void ConfigFileDefaultsToEtcCrictlYaml(string? variable)
    {
        var c = new FakeContext();
        if (variable is not null)
            c.Environment["CRI_CONFIG_FILE"] = variable;

        Assert.Equal("/etc/crictl.yaml", new EndpointResolver(c).ConfigFilePath);
    }

    [Fact]
    public void ConfigFileIsNotReadWhenParametersDecideEverything()
    {
        var c = Everything();

        new EndpointResolver(c).Resolve("/a.sock", "/b.sock", TimeSpan.FromSeconds(1));

        Assert.Empty(c.LoadedConfigs);
    }

    [Fact]
    public void ConfigFileIsReadAtMostOnce()
    {
        var c = new FakeContext();
        c.Configs["/etc/crictl.yaml"] = new CrictlConfig("/r.sock", "/i.sock", null);

        new EndpointResolver(c).Resolve(null, null, null);

        Assert.Single(c.LoadedConfigs);
    }

    [Fact]
    public void ImageParameterBeatsEverything()
    {
        var (_, image, _) = new EndpointResolver(Everything()).Resolve(null, "unix:///param/image.sock", null);

        Assert.Equal("unix:///param/image.sock", image.Endpoint.Address);
        Assert.Equal(EndpointSource.Parameter, image.Source);
        Assert.Equal("given by -ImageEndpoint", image.Reason);
    }

    [Fact]
    public void ImageEnvironmentVariableBeatsConfigFile()
    {
        var (_, image, _) = new EndpointResolver(Everything()).Resolve("/param/runtime.sock", null, null);

        Assert.Equal("unix:///env/image.sock", image.Endpoint.Address);
        Assert.Equal(EndpointSource.Environment, image.Source);
        Assert.Equal("from $IMAGE_SERVICE_ENDPOINT", image.Reason);
    }

    [Fact]
    public void ImageConfigFileBeatsRuntimeEndpoint()
    {
        var c = Everything();
        c.Environment.Remove("IMAGE_SERVICE_ENDPOINT");

        var (_, image, _) = new EndpointResolver(c).Resolve("/param/runtime.sock", null, null);

        Assert.Equal("unix:///file/image.sock", image.Endpoint.Address);
        Assert.Equal(EndpointSource.ConfigFile, image.Source);
        Assert.Equal("image-endpoint in /etc/crictl.yaml", image.Reason);
    }

    [Fact]
    public void ImageFallsBackToTheRuntimeEndpoint()
    {
        var c = new FakeContext();
        c.Sockets.Add(Crio);

        var (runtime, image, _) = new EndpointResolver(c).Resolve(null, null, null);

        Assert.Equal(runtime.Endpoint, image.Endpoint);
        Assert.Equal("unix://" + Crio, image.Endpoint.Address);
        Assert.Equal(EndpointSource.RuntimeEndpoint, image.Source);
        Assert.Equal("the runtime endpoint also serves images", image.Reason);
    }

    [Fact]
    public void TimeoutParameterBeatsConfigFile()
    {
        var (_, _, timeout) = new EndpointResolver(Everything()).Resolve(null, null, TimeSpan.FromSeconds(2));

        Assert.Equal(TimeSpan.FromSeconds(2), timeout);
    }

    [Fact]
    public void TimeoutFromConfigFile()
    {
        var (_, _, timeout) = new EndpointResolver(Everything()).Resolve(null, null, null);

        Assert.Equal(TimeSpan.FromSeconds(30), timeout);
    }

    [Fact]
    public void TimeoutDefaultsToTenSeconds()
    {
        var c = new FakeContext();
        c.Sockets.Add(Containerd);

        var (_, _, timeout) = new EndpointResolver(c).Resolve(null, null, null);

        Assert.Equal(TimeSpan.FromSeconds(10), timeout);
        Assert.Equal(TimeSpan.FromSeconds(10), EndpointResolver.DefaultTimeout);
    }

    [Fact]
    public void NoEndpointAnywhereIsRuntimeUnavailable()
    {
        var e = Assert.Throws<CriException>(() => new EndpointResolver(new FakeContext()).Resolve(null, null, null));

        Assert.Equal("CriRuntimeUnavailable", e.ErrorId);
        Assert.Equal(CriErrorCategory.ConnectionError, e.Category);
        Assert.True(e.IsEndpointFailure);
        foreach (var socket in EndpointResolver.DefaultSockets)
            Assert.Contains(socket, e.Message);
        // It must tell the user how to choose one.
        Assert.Contains("-RuntimeEndpoint", e.Message);
        Assert.Contains("$CONTAINER_RUNTIME_ENDPOINT", e.Message);
        Assert.Contains("runtime-endpoint in /etc/crictl.yaml", e.Message);
    }

    [Fact]
    public void InvalidEndpointFromEnvironmentIsReported()
    {
        var c = new FakeContext();
        c.Environment["CONTAINER_RUNTIME_ENDPOINT"] = "http://oops";

        var e = Assert.Throws<CriException>(() => new EndpointResolver(c).Resolve(null, null, null));

        Assert.Equal("CriInvalidEndpoint", e.ErrorId);
        Assert.Equal("http://oops", e.Target);
    }
}
