using System.Globalization;
using System.Text.Json;

namespace CriPS.Engine.Conversion;

/// <summary>
/// The settings of Docker's /etc/docker/daemon.json that a move to containerd carries over or reports.
/// dockerd reads the file with Go's encoding/json: no comments, no trailing commas, keys matched without regard to
/// case, a later duplicate key winning, and an empty (or blank) file meaning all defaults. Parse does the same, so a
/// file dockerd would refuse is refused here too rather than guessed at.
/// </summary>
internal sealed class DockerDaemonSettings
{
    public const string DefaultCgroupDriver = "cgroupfs";
    public const string DefaultLogDriver = "json-file";

    private static readonly JsonDocumentOptions Strict = new()
    {
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
    };

    private DockerDaemonSettings()
    {
    }

    public IReadOnlyList<string> RegistryMirrors { get; private set; } = [];

    public IReadOnlyList<string> InsecureRegistries { get; private set; } = [];

    /// <summary>
    /// exec-opts native.cgroupdriver, else "cgroupfs". Docker 20.10+ picks systemd by itself on a cgroup v2 host run
    /// by systemd, so when CgroupDriverExplicit is false the real driver depends on the host, not on this file.
    /// </summary>
    public string CgroupDriver { get; private set; } = DefaultCgroupDriver;

    public bool CgroupDriverExplicit { get; private set; }

    public string LogDriver { get; private set; } = DefaultLogDriver;

    /// <summary>log-opts max-size as written (a go-units size such as "10m"); see DockerLogSize.</summary>
    public string? LogMaxSize { get; private set; }

    /// <summary>log-opts max-file; null when not set (json-file then keeps one file).</summary>
    public int? LogMaxFile { get; private set; }

    public bool LiveRestore { get; private set; }

    /// <summary>default-ulimits by name: soft and hard limit, -1 meaning unlimited.</summary>
    public IReadOnlyDictionary<string, (long Soft, long Hard)> DefaultUlimits { get; private set; } = new Dictionary<string, (long, long)>();

    /// <summary>data-root (or the older "graph"); null means Docker's default /var/lib/docker.</summary>
    public string? DataRoot { get; private set; }

    public IReadOnlyList<string> Hosts { get; private set; } = [];

    /// <summary>Docker 23+'s "proxies" as the environment variables they stand for (HTTP_PROXY=...), in file order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Proxies { get; private set; } = [];

    /// <summary>What the file sets that is not read above, e.g. "storage-driver", "log-opts.labels", "exec-opts native.umask=normal".</summary>
    public IReadOnlyList<string> OtherKeys { get; private set; } = [];

    /// <summary>Reads daemon.json; null (no file) gives Docker's defaults.</summary>
    /// <exception cref="CriException">DockerConfigInvalid when dockerd would refuse the file.</exception>
    public static DockerDaemonSettings Parse(string? json)
    {
        var settings = new DockerDaemonSettings();
        if (string.IsNullOrWhiteSpace(json))
            return settings;

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, Strict);
        }
        catch (JsonException e)
        {
            throw Invalid($"it is not valid JSON: {e.Message}", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw Invalid("it is not a JSON object");
            settings.Read(document.RootElement);
        }
        return settings;
    }

    private List<KeyValuePair<string, string>> ReadProxies(JsonElement value, List<string> others)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Invalid("proxies is not an object");
        var proxies = new List<KeyValuePair<string, string>>();
        foreach (var proxy in value.EnumerateObject())
        {
            var name = proxy.Name.ToLowerInvariant() switch
            {
                "http-proxy" => "HTTP_PROXY",
                "https-proxy" => "HTTPS_PROXY",
                "no-proxy" => "NO_PROXY",
                _ => null,
            };
            if (name is null)
                others.Add("proxies." + proxy.Name);
            else
                proxies.Add(KeyValuePair.Create(name, String(proxy.Value, "proxies." + proxy.Name)));
        }
        return proxies;
    }

    private void Read(JsonElement root)
    {
        var others = new List<string>();
        string? graph = null;
        foreach (var property in root.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name.ToLowerInvariant())
            {
                case "registry-mirrors":
                    RegistryMirrors = Strings(value, property.Name);
                    break;
                case "insecure-registries":
                    InsecureRegistries = Strings(value, property.Name);
                    break;
                case "exec-opts":
                    ReadExecOptions(Strings(value, property.Name), others);
                    break;
                case "log-driver":
                    LogDriver = String(value, property.Name);
                    break;
                case "log-opts":
                    ReadLogOptions(value, others);
                    break;
                case "live-restore":
                    LiveRestore = value.ValueKind switch
                    {
                        JsonValueKind.True => true,
                        JsonValueKind.False => false,
                        _ => throw Invalid($"{property.Name} is not true or false"),
                    };
                    break;
                case "default-ulimits":
                    DefaultUlimits = Ulimits(value, property.Name);
                    break;
                case "data-root":
                    DataRoot = String(value, property.Name);
                    break;
                case "graph":
                    graph = String(value, property.Name);
                    break;
                case "hosts":
                    Hosts = Strings(value, property.Name);
                    break;
                case "proxies":
                    Proxies = ReadProxies(value, others);
                    break;
                default:
                    others.Add(property.Name);
                    break;
            }
        }
        // "graph" is data-root's name before Docker 17.05; data-root wins when both are there.
        DataRoot ??= graph;
        OtherKeys = others.Distinct(StringComparer.Ordinal).ToList();
    }

    private void ReadExecOptions(IReadOnlyList<string> options, List<string> others)
    {
        foreach (var option in options)
        {
            var equals = option.IndexOf('=');
            var key = (equals < 0 ? option : option[..equals]).Trim();
            if (equals < 0 || !key.Equals("native.cgroupdriver", StringComparison.OrdinalIgnoreCase))
            {
                others.Add("exec-opts " + option);
                continue;
            }
            var driver = option[(equals + 1)..].Trim();
            if (driver is not ("systemd" or "cgroupfs"))
                throw Invalid($"exec-opts native.cgroupdriver '{driver}' is neither systemd nor cgroupfs");
            CgroupDriver = driver;
            CgroupDriverExplicit = true;
        }
    }

    private void ReadLogOptions(JsonElement value, List<string> others)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Invalid("log-opts is not an object");
        foreach (var option in value.EnumerateObject())
        {
            // Docker's log-opts is a map of strings: "max-file": 3 (a number) is refused by dockerd too.
            var text = String(option.Value, "log-opts " + option.Name);
            switch (option.Name)
            {
                case "max-size":
                    LogMaxSize = text;
                    break;
                case "max-file":
                    LogMaxFile = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count >= 1
                        ? count
                        : throw Invalid($"log-opts max-file '{text}' is not a whole number of at least 1");
                    break;
                default:
                    others.Add("log-opts." + option.Name);
                    break;
            }
        }
    }

    private static Dictionary<string, (long Soft, long Hard)> Ulimits(JsonElement value, string name)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Invalid($"{name} is not an object");
        var limits = new Dictionary<string, (long Soft, long Hard)>(StringComparer.Ordinal);
        foreach (var entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Object)
                throw Invalid($"{name} {entry.Name} is not an object with Name, Soft and Hard");
            string? limitName = null;
            long soft = 0, hard = 0;
            foreach (var field in entry.Value.EnumerateObject())
            {
                switch (field.Name.ToLowerInvariant())
                {
                    case "name":
                        limitName = String(field.Value, $"{name} {entry.Name} Name");
                        break;
                    case "soft":
                        soft = Number(field.Value, $"{name} {entry.Name} Soft");
                        break;
                    case "hard":
                        hard = Number(field.Value, $"{name} {entry.Name} Hard");
                        break;
                }
            }
            // dockerd applies each ulimit by its Name field; the key is only the map's index.
            limits[string.IsNullOrEmpty(limitName) ? entry.Name : limitName] = (soft, hard);
        }
        return limits;
    }

    private static long Number(JsonElement value, string name) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) ? number : throw Invalid($"{name} is not a whole number");

    private static string String(JsonElement value, string name) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : throw Invalid($"{name} is not a string");

    private static List<string> Strings(JsonElement value, string name) =>
        value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Select(item => String(item, name + " entry")).ToList()
            : throw Invalid($"{name} is not a list of strings");

    private static CriException Invalid(string reason, Exception? inner = null) =>
        new("DockerConfigInvalid", CriErrorCategory.InvalidData, $"Docker's daemon.json cannot be used: {reason}.", "daemon.json", inner);
}
