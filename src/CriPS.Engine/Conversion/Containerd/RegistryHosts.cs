using Tomlyn.Syntax;

namespace CriPS.Engine.Conversion;

/// <summary>
/// Turns Docker daemon.json registry settings into hosts.toml files of containerd's config_path layout
/// (containerd docs/hosts.md): one directory per registry host, named like the registry in image names.
/// An existing hosts.toml is kept and only completed; the user's own entries and values always win.
/// </summary>
public static class RegistryHosts
{
    public const string DockerHubHost = "docker.io";
    public const string DockerHubServer = "https://registry-1.docker.io";

    /// <summary>
    /// Docker tries an insecure registry over HTTPS without verifying, then over plain HTTP; containerd tries the
    /// [host] entries in file order. Reorder here if containerd's fallback turns out to need it.
    /// </summary>
    private static readonly string[] InsecureSchemeOrder = ["https", "http"];

    private static readonly string[] PullResolve = ["pull", "resolve"];
    private static readonly string[] PullResolvePush = ["pull", "resolve", "push"];
    private static readonly HashSet<string> DockerHubNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "docker.io", "index.docker.io", "registry-1.docker.io",
    };

    private const string InvalidErrorId = "RegistryHostsInvalid";
    private const string UnsupportedErrorId = "RegistryHostsUnsupported";

    /// <summary>The certs.d directory name of a registry: host[:port], with Docker Hub's aliases as docker.io.</summary>
    public static string CanonicalHost(string registry)
    {
        var host = registry.Trim();
        var scheme = host.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            host = host[(scheme + 3)..];
        }
        host = host.TrimEnd('/');
        return DockerHubNames.Contains(host) ? DockerHubHost : host.ToLowerInvariant();
    }

    // host[:port] as image names spell a registry: DNS labels (or an IPv4 address, which matches them) or a
    // bracketed IPv6 address, then an optional port. Nothing else may become a certs.d directory name.
    private static readonly System.Text.RegularExpressions.Regex HostPortPattern = new(
        @"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?$",
        System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>True for a canonical host[:port] (see <see cref="CanonicalHost"/>) that is safe as a directory name.</summary>
    public static bool IsHostPort(string canonicalHost) =>
        canonicalHost.Length <= 260 && HostPortPattern.IsMatch(canonicalHost)
        && (canonicalHost.LastIndexOf(':') is var colon && (colon < 0 || canonicalHost.EndsWith(']') || int.Parse(canonicalHost[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture) is > 0 and <= 65535));

    /// <summary>docker.io/hosts.toml for daemon.json `registry-mirrors`: the mirrors in Docker's order, then Docker Hub.</summary>
    public static HostsFile Mirrors(IReadOnlyList<string> registryMirrors, string? existingText)
    {
        var builder = new Builder(DockerHubHost, existingText, "registry-mirrors");
        foreach (var mirror in registryMirrors)
        {
            var url = mirror.Trim().TrimEnd('/');
            if (!url.Contains("://", StringComparison.Ordinal))
            {
                url = "https://" + url;
            }
            builder.Host(url, ("capabilities", TomlValues.StringArray(PullResolve)));
        }
        return builder.Build();
    }

    /// <summary>
    /// hosts.toml for a daemon.json `insecure-registries` entry: HTTPS without verifying the certificate, then HTTP.
    /// Client certificates and CAs from /etc/docker/certs.d/&lt;host&gt;/ go on the HTTPS entry (as Docker uses them).
    /// </summary>
    public static HostsFile Insecure(string hostPort, IReadOnlyList<string> caFileNames,
        IReadOnlyList<(string Cert, string Key)> clientPairs, string certsDirNodePath, string? existingText)
    {
        var host = CanonicalHost(hostPort);
        var builder = new Builder(host, existingText, "insecure-registries");
        var address = ServerAddress(host)["https://".Length..];
        foreach (var scheme in InsecureSchemeOrder)
        {
            var keys = new List<(string, ValueSyntax)> { ("capabilities", TomlValues.StringArray(PullResolvePush)) };
            if (scheme == "https")
            {
                keys.Add(("skip_verify", TomlValues.Boolean(true)));
                keys.AddRange(CertificateKeys(host, caFileNames, clientPairs, certsDirNodePath));
            }
            builder.Host($"{scheme}://{address}", [.. keys]);
        }
        return builder.Build();
    }

    /// <summary>
    /// hosts.toml for /etc/docker/certs.d/&lt;host&gt;/ (Docker: *.crt are CAs, *.cert + *.key client pairs), with the
    /// files at certsDirNodePath/&lt;host&gt;/ on the node (the caller copies them there).
    /// </summary>
    public static HostsFile Certificates(string hostPort, IReadOnlyList<string> caFileNames,
        IReadOnlyList<(string Cert, string Key)> clientPairs, string certsDirNodePath, string? existingText)
    {
        var host = CanonicalHost(hostPort);
        var builder = new Builder(host, existingText, "/etc/docker/certs.d");
        builder.Host(ServerAddress(host), [("capabilities", TomlValues.StringArray(PullResolvePush)),
            .. CertificateKeys(host, caFileNames, clientPairs, certsDirNodePath)]);
        return builder.Build();
    }

    /// <summary>insecure-registries entries hosts.toml cannot express: CIDR ranges and wildcards, one warning each.</summary>
    public static IReadOnlyList<string> Untranslatable(IReadOnlyList<string> insecureRegistries)
    {
        var warnings = new List<string>();
        foreach (var entry in insecureRegistries)
        {
            if (entry.Contains('/', StringComparison.Ordinal) && !entry.Contains("://", StringComparison.Ordinal))
            {
                warnings.Add($"insecure-registries \"{entry}\" is a network range; containerd has no per-network setting, "
                    + "so each registry in it needs its own certs.d/<host:port>/hosts.toml.");
            }
            else if (entry.Contains('*', StringComparison.Ordinal))
            {
                warnings.Add($"insecure-registries \"{entry}\" is a wildcard; containerd's hosts.toml names one host each, "
                    + "so each matching registry needs its own certs.d/<host:port>/hosts.toml.");
            }
        }
        return warnings;
    }

    /// <summary>True for the entries Untranslatable warns about.</summary>
    public static bool IsTranslatable(string insecureRegistry) => Untranslatable([insecureRegistry]).Count == 0;

    private static string ServerAddress(string host) => host == DockerHubHost ? DockerHubServer : "https://" + host;

    private static IEnumerable<(string, ValueSyntax)> CertificateKeys(string host, IReadOnlyList<string> caFileNames,
        IReadOnlyList<(string Cert, string Key)> clientPairs, string certsDirNodePath)
    {
        var directory = $"{certsDirNodePath.TrimEnd('/')}/{host}/";
        if (caFileNames.Count > 0)
        {
            yield return ("ca", TomlValues.StringArray(caFileNames.Select(name => directory + name)));
        }
        if (clientPairs.Count > 0)
        {
            yield return ("client", TomlValues.Array(clientPairs.Select(pair =>
                (ValueSyntax)TomlValues.StringArray([directory + pair.Cert, directory + pair.Key]))));
        }
    }

    /// <summary>Completes one hosts.toml: adds what is missing, keeps what the user wrote, notes both.</summary>
    private sealed class Builder
    {
        private readonly string _host;
        private readonly TomlDocumentEditor _editor;
        private readonly bool _isNew;
        private readonly string? _existingText;
        private readonly List<string> _notes = [];
        private bool _changed;

        public Builder(string host, string? existingText, string dockerSetting)
        {
            _host = host;
            _isNew = string.IsNullOrEmpty(existingText);
            _existingText = existingText;
            var server = ServerAddress(host);
            var text = _isNew
                ? $"# {host}: written by CriPS from Docker's {dockerSetting} (containerd docs/hosts.md).\nserver = {TomlValues.Quote(server)}\n"
                : existingText!;
            _editor = TomlDocumentEditor.Parse(text, InvalidErrorId, UnsupportedErrorId, $"hosts.toml of {host}");
            if (_isNew)
            {
                _notes.Add($"new hosts.toml for {host}, server {TomlValues.Quote(server)}");
            }
            else if (_editor.Get("server") is { } existing)
            {
                if (!TomlValues.Same(existing, TomlValues.String(server)))
                {
                    _notes.Add($"kept server = {TomlValues.Display(existing)} (Docker's would be {TomlValues.Quote(server)})");
                }
            }
            else
            {
                _changed = _editor.Set(["server"], TomlValues.String(server));
                _notes.Add($"added server = {TomlValues.Quote(server)}");
            }
        }

        public void Host(string url, params (string Key, ValueSyntax Value)[] keys)
        {
            var hostKey = ExistingHostKey(url) ?? url;
            var section = $"[host.{TomlValues.Quote(hostKey)}]";
            var sectionExisted = _editor.HasAnythingUnder("host", hostKey);
            var added = new List<string>();
            foreach (var (key, value) in keys)
            {
                var existing = _editor.Get("host", hostKey, key);
                if (existing is null)
                {
                    _changed |= _editor.Set(["host", hostKey, key], value);
                    added.Add(key);
                }
                else if (!TomlValues.Same(existing, value))
                {
                    _notes.Add($"kept {key} = {TomlValues.Display(existing)} in {section} (Docker's would be {TomlValues.Display(value)})");
                }
            }
            if (!sectionExisted)
            {
                _notes.Add($"added {section}");
            }
            else if (added.Count > 0)
            {
                _notes.Add($"added {string.Join(", ", added)} to {section}");
            }
        }

        /// <summary>An existing file that needed nothing comes back as the very same text.</summary>
        public HostsFile Build() => new(_host, _isNew || _changed ? _editor.Text : _existingText!, _notes);

        /// <summary>The user's spelling of the same host URL (a trailing slash does not make another host).</summary>
        private string? ExistingHostKey(string url) => _editor.KeyPaths()
            .Where(p => p.Count >= 2 && p[0] == "host")
            .Select(p => p[1])
            .FirstOrDefault(h => string.Equals(h.TrimEnd('/'), url, StringComparison.OrdinalIgnoreCase));
    }
}
