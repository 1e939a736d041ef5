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

    private static CredentialScope Admitted(CredentialScope scope, params string[] references)
    {
        foreach (var r in references)
            scope.Admit(ImageReference.Parse(r), r);
        return scope;
    }

    [Fact]
    public void TheFirstImageFixesTheRegistryAndAnotherRegistryIsRefusedWithItsReference()
    {
        var scope = Admitted(new CredentialScope(null, "-Credential"), "reg-a.example:5000/app:1", "reg-a.example:5000/other/app@sha256:" + new string('a', 64));

        var e = Assert.Throws<CriException>(() => Admitted(scope, "reg-b.example:5000/app:1"));

        Assert.Equal(("CriCredentialRegistryMismatch", CriErrorCategory.InvalidArgument, "reg-b.example:5000/app:1"), (e.ErrorId, e.Category, e.Target));
        Assert.Equal("reg-a.example:5000", scope.Registry);
        Assert.Contains("'reg-a.example:5000/app:1'", e.Message);   // says what fixed the registry
    }

    [Theory]
    [InlineData("reg.example", "reg.example:5000/app")]         // another port is another registry
    [InlineData("reg.example:5000", "reg.example/app")]
    [InlineData("docker.io", "quay.io/app")]
    [InlineData("docker.io", "localhost/app")]
    [InlineData("reg.example", "reg.example.evil.io/app")]
    [InlineData("quay.io", "busybox")]                           // no registry: Docker Hub
    public void RegistryRefusesImagesOfOtherRegistries(string registry, string image)
    {
        var e = Assert.Throws<CriException>(() => Admitted(new CredentialScope(registry, "-Credential"), image));

        Assert.Equal("CriCredentialRegistryMismatch", e.ErrorId);
        Assert.Equal(image, e.Target);
        Assert.Contains("-Registry", e.Message);
    }

    [Theory]
    [InlineData("docker.io", "busybox")]
    [InlineData("index.docker.io", "library/busybox:1.36")]
    [InlineData("registry-1.docker.io", "docker.io/library/busybox")]
    [InlineData("docker.io", "index.docker.io/library/busybox")]
    [InlineData("Reg.Example:5000", "reg.example:5000/app")]
    [InlineData("reg.example:5000", "REG.example:5000/app")]
    [InlineData("localhost", "localhost/app")]
    public void RegistryAdmitsItsImagesWhateverTheSpellingOfDockerHubOrCase(string registry, string image) =>
        Assert.Equal(RegistryCredential.CanonicalHost(registry), Admitted(new CredentialScope(registry, "-Credential"), image).Registry);

    [Fact]
    public void DockerHubAliasesAreOneScopeWithoutRegistry() =>
        Assert.Equal("docker.io", Admitted(new CredentialScope(null, "-Credential"), "busybox", "index.docker.io/library/alpine", "registry-1.docker.io/x/y").Registry);

    [Theory]
    [InlineData("myhost")]                       // read as a Docker Hub repository, never a registry
    [InlineData("https://reg.example")]
    [InlineData("reg.example/v2/")]
    [InlineData("reg.example:port")]
    [InlineData(" reg.example")]
    [InlineData("reg example")]
    [InlineData("")]
    public void InvalidRegistriesAreRefused(string registry)
    {
        var e = Assert.Throws<CriException>(() => new CredentialScope(registry, "-Credential"));

        Assert.Equal(("CriInvalidRegistry", CriErrorCategory.InvalidArgument, (object)registry), (e.ErrorId, e.Category, e.Target));
    }

    [Fact]
    public void AHugeRegistryIsRefusedWithAShortMessage()
    {
        var huge = new string('a', 1 << 20) + ".io";

        var e = Assert.Throws<CriException>(() => CredentialScope.ParseRegistry(huge));

        Assert.Equal("CriInvalidRegistry", e.ErrorId);
        Assert.True(e.Message.Length < 400, $"message of {e.Message.Length} characters");
    }

    [Fact]
    public void AnAuthFileEntryIsNeverGivenToAnotherRegistry()
    {
        var path = Write($$"""{ "auths": { "reg-a.example:5000": { "auth": "{{B64("alice:pa")}}" }, "http://reg-b.example:5000/v2/": { "auth": "{{B64("bob:pb")}}" } } }""");

        Assert.Equal("alice", RegistryCredential.FromDockerConfig(path, "reg-a.example:5000")!.Username);
        Assert.Equal("bob", RegistryCredential.FromDockerConfig(path, "reg-b.example:5000")!.Username);
        // Neither a look-alike host, nor the same host on another port or without it, nor a longer name gets an entry.
        foreach (var other in new[] { "reg-a.example", "reg-a.example:5001", "reg-a.example:50000", "evil.reg-a.example:5000", "docker.io" })
            Assert.Null(RegistryCredential.FromDockerConfig(path, other));
    }
}
