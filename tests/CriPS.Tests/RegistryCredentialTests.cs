using System.Text;
using CriPS.Engine.Images;

namespace CriPS.Tests;

/// <summary>Credentials from a Docker config.json, matched by registry host; secrets never in ToString or errors.</summary>
public sealed class RegistryCredentialTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"crips-auth-{Guid.NewGuid():N}.json");

    public void Dispose() => File.Delete(_file);

    private string Write(string json)
    {
        File.WriteAllText(_file, json);
        return _file;
    }

    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    [Fact]
    public void AuthEntryIsDecodedForItsHost()
    {
        var path = Write($$"""{ "auths": { "other.io": { "auth": "{{B64("x:y")}}" }, "registry.example:5000": { "auth": "{{B64("alice:s3cr:et")}}" } } }""");

        var c = RegistryCredential.FromDockerConfig(path, "registry.example:5000")!;

        Assert.Equal("alice", c.Username);
        Assert.Equal("s3cr:et", c.Password);   // only the first colon separates
        Assert.Equal("registry.example:5000", c.Registry);
        Assert.Equal(path, c.Source);
    }

    [Fact]
    public void UsernameAndPasswordAndTokensAreRead()
    {
        var path = Write("""{ "auths": { "https://quay.io/v2/": { "username": "bob", "password": "pw", "identitytoken": "idt", "registrytoken": "rt" } } }""");

        var c = RegistryCredential.FromDockerConfig(path, "quay.io")!;

        Assert.Equal(("bob", "pw", "idt", "rt"), (c.Username, c.Password, c.IdentityToken, c.RegistryToken));
    }

    [Theory]
    [InlineData("https://index.docker.io/v1/")]
    [InlineData("index.docker.io")]
    [InlineData("docker.io")]
    [InlineData("registry-1.docker.io")]
    public void DockerHubAnswersToItsAliases(string key)
    {
        var path = Write($$"""{ "auths": { "{{key}}": { "auth": "{{B64("u:p")}}" } } }""");

        Assert.Equal("u", RegistryCredential.FromDockerConfig(path, "docker.io")!.Username);
    }

    [Fact]
    public void NoEntryForTheHostIsNull()
    {
        var path = Write($$"""{ "auths": { "quay.io": { "auth": "{{B64("u:p")}}" } } }""");

        Assert.Null(RegistryCredential.FromDockerConfig(path, "docker.io"));
        Assert.Null(RegistryCredential.FromDockerConfig(Write("{}"), "docker.io"));
    }

    [Theory]
    [InlineData("not json at all: hunter2")]
    [InlineData("""{ "auths": { "quay.io": { "auth": "%%%hunter2" } } }""")]
    public void MalformedFilesFailWithoutShowingTheirContent(string content)
    {
        var path = Write(content);

        var e = Assert.Throws<CriException>(() => RegistryCredential.FromDockerConfig(path, "quay.io"));

        Assert.Equal("CriInvalidAuthFile", e.ErrorId);
        Assert.Equal(path, e.Target);
        Assert.DoesNotContain("hunter2", e.Message);
    }

    [Fact]
    public void ToStringNamesTheSourceNotTheSecret()
    {
        var c = new RegistryCredential { Registry = "quay.io", Username = "u", Password = "hunter2", RegistryToken = "tok", Source = "-Credential" };

        Assert.Equal("credentials for quay.io from -Credential", c.ToString());
    }

    [Fact]
    public void DefaultFilesAreTheKubeletsInOrder() =>
        Assert.Equal(["/home/me/.docker/config.json", "/var/lib/kubelet/config.json"], RegistryCredential.DefaultAuthFiles("/home/me"));
}
