using System.Text;
using System.Text.Json;

namespace CriPS.Engine.Images;

/// <summary>
/// Credentials for one registry, as CRI's AuthConfig carries them. ToString never shows a secret, so a
/// credential can be logged or put in an error by mistake without leaking.
/// </summary>
public sealed class RegistryCredential
{
    public string Registry { get; init; } = "";
    public string? Username { get; init; }
    public string? Password { get; init; }
    public string? IdentityToken { get; init; }
    public string? RegistryToken { get; init; }
    /// <summary>Where it came from (-Credential, or the config file's path): for -Verbose, never the secret.</summary>
    public string Source { get; init; } = "";

    public override string ToString() => $"credentials for {Registry} from {Source}";

    /// <summary>
    /// Reads the entry for <paramref name="registry"/> from a Docker config.json (auths: {host: {auth | username,
    /// password, identitytoken, registrytoken}}); null when the file has none. Keys may carry a scheme or a path
    /// (https://index.docker.io/v1/), and Docker Hub answers to docker.io, index.docker.io and registry-1.docker.io.
    /// </summary>
    public static RegistryCredential? FromDockerConfig(string path, string registry)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(SmallFile.ReadAllText(path));
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            // The message names the file, never its content.
            throw new CriException("CriInvalidAuthFile", CriErrorCategory.InvalidData,
                $"The registry auth file '{path}' cannot be read as a Docker config.json: {e.GetType().Name}.", path);
        }
        using (doc)
        {
            if (!doc.RootElement.TryGetProperty("auths", out var auths) || auths.ValueKind != JsonValueKind.Object)
                return null;
            foreach (var entry in auths.EnumerateObject())
            {
                if (!SameRegistry(HostOf(entry.Name), registry) || entry.Value.ValueKind != JsonValueKind.Object)
                    continue;
                string? Get(string name) => entry.Value.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
                    && v.GetString() is { Length: > 0 } s ? s : null;
                var (user, password) = (Get("username"), Get("password"));
                if (user is null && Get("auth") is { } encoded)
                    (user, password) = Decode(encoded, path);
                return new RegistryCredential
                {
                    Registry = registry, Username = user, Password = password,
                    IdentityToken = Get("identitytoken"), RegistryToken = Get("registrytoken"), Source = path,
                };
            }
            return null;
        }
    }

    /// <summary>The files the kubelet reads for pull secrets on a node, in its order: the first that has the registry wins.</summary>
    public static IEnumerable<string> DefaultAuthFiles(string? home)
    {
        if (!string.IsNullOrEmpty(home))
            yield return Path.Combine(home, ".docker", "config.json");
        yield return "/var/lib/kubelet/config.json";
    }

    /// <summary>The registry's entry in the first of the kubelet's files that has one; null when none has.</summary>
    public static RegistryCredential? FromDefaultAuthFiles(string? home, string registry) =>
        DefaultAuthFiles(home).Where(File.Exists).Select(f => FromDockerConfig(f, registry)).FirstOrDefault(found => found is not null);

    internal static string HostOf(string key)
    {
        var host = key;
        var scheme = host.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
            host = host[(scheme + 3)..];
        var slash = host.IndexOf('/');
        return (slash >= 0 ? host[..slash] : host).ToLowerInvariant();
    }

    internal static bool SameRegistry(string a, string b) => string.Equals(CanonicalHost(a), CanonicalHost(b), StringComparison.Ordinal);

    /// <summary>A registry host as credentials are matched: lower case, and Docker Hub's aliases as docker.io.</summary>
    public static string CanonicalHost(string host)
    {
        var h = host.ToLowerInvariant();
        return h is "index.docker.io" or "registry-1.docker.io" or "registry.hub.docker.com" ? "docker.io" : h;
    }

    private static (string?, string?) Decode(string encoded, string path)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
            var colon = text.IndexOf(':');
            if (colon > 0)
                return (text[..colon], text[(colon + 1)..]);
        }
        catch (FormatException)
        {
        }
        throw new CriException("CriInvalidAuthFile", CriErrorCategory.InvalidData,
            $"An 'auth' entry in '{path}' is not base64 of username:password.", path);
    }
}
