using YamlDotNet.RepresentationModel;

namespace CriPS.Engine.Endpoints;

/// <summary>
/// The settings CriPS shares with crictl's config file (/etc/crictl.yaml): the one reader of that file in the module,
/// for the endpoint resolver and for Get-CriConfig. Set-CriConfig writes it through <see cref="CrictlConfigFile"/>.
/// </summary>
public sealed record CrictlConfig(string? RuntimeEndpoint, string? ImageEndpoint, TimeSpan? Timeout)
{
    public static readonly CrictlConfig Empty = new(null, null, null);

    /// <summary>crictl's keys (cri-tools pkg/common/file.go), in the order crictl writes them.</summary>
    public const string RuntimeEndpointKey = "runtime-endpoint";
    public const string ImageEndpointKey = "image-endpoint";
    public const string TimeoutKey = "timeout";
    public const string DebugKey = "debug";
    public const string PullImageOnCreateKey = "pull-image-on-create";
    public const string DisablePullOnRunKey = "disable-pull-on-run";
    /// <summary>Newer than crictl 1.36, which refuses a file that has it.</summary>
    public const string MaxRetriesKey = "max-retries";

    public static readonly IReadOnlyList<string> Keys =
        [RuntimeEndpointKey, ImageEndpointKey, TimeoutKey, DebugKey, PullImageOnCreateKey, DisablePullOnRunKey, MaxRetriesKey];

    /// <summary>Reads the file; a missing file is an empty config, a malformed one is an error naming it.</summary>
    public static CrictlConfig Load(string path) => LoadSettings(path) is { } settings ? FromSettings(settings, path) : Empty;

    /// <summary>The file's top-level settings, in file order, with their text (null when blank or not a single value); null when there is no file.</summary>
    public static IReadOnlyList<KeyValuePair<string, string?>>? LoadSettings(string path)
    {
        // Kept apart from the parsing: compiling a method whose handler names YamlException loads YamlDotNet,
        // which every first call would then pay for on a node without the file.
        return File.Exists(path) ? LoadExisting(path) : null;
    }

    private static IReadOnlyList<KeyValuePair<string, string?>> LoadExisting(string path)
    {
        try
        {
            var settings = ReadSettings(SmallFile.ReadAllText(path));
            FromSettings(settings, path);
            return settings;
        }
        catch (Exception e) when (e is YamlDotNet.Core.YamlException or FormatException or IOException or UnauthorizedAccessException)
        {
            throw Invalid(path, e);
        }
    }

    public static CriException Invalid(string path, Exception e) =>
        new("CriInvalidConfigFile", CriErrorCategory.InvalidData, $"The crictl config file '{path}' cannot be read: {e.Message}", path, e);

    public static CrictlConfig Parse(string yaml) => FromSettings(ReadSettings(yaml), null);

    /// <summary>The top-level keys of the first document with their scalar text; none when the text is not a mapping.</summary>
    public static IReadOnlyList<KeyValuePair<string, string?>> ReadSettings(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            return [];
        return root.Children
            .Where(pair => pair.Key is YamlScalarNode { Value: not null })
            .Select(pair => KeyValuePair.Create(((YamlScalarNode)pair.Key).Value!,
                pair.Value is YamlScalarNode s && !string.IsNullOrWhiteSpace(s.Value) ? s.Value : null))
            .ToList();
    }

    private static CrictlConfig FromSettings(IReadOnlyList<KeyValuePair<string, string?>> settings, string? path)
    {
        string? Text(string key) => settings.LastOrDefault(s => s.Key == key).Value;
        // Every known key is checked, as crictl checks them: a value crictl cannot read is an error here too.
        foreach (var (key, text) in settings)
            if (text is not null)
                ParseValue(key, text);
        var seconds = Text(TimeoutKey) is { } t ? (int)ParseValue(TimeoutKey, t)! : 0;
        return new CrictlConfig(Text(RuntimeEndpointKey), Text(ImageEndpointKey), seconds > 0 ? TimeSpan.FromSeconds(seconds) : null);
    }

    /// <summary>
    /// The file as Get-CriConfig shows it: each key crictl knows with its typed value and where it comes from, the
    /// keys crictl does not know, and the environment variables that win over the file.
    /// </summary>
    public static CriConfig Describe(string path, string pathSource, IResolverContext? context = null)
    {
        context ??= SystemResolverContext.Instance;
        var settings = LoadSettings(path);
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, text) in settings ?? [])
            values[key] = text is null ? null : ParseValue(key, text);
        object? Value(string key) => values.GetValueOrDefault(key);
        string? Overrider(string key) => key switch
        {
            RuntimeEndpointKey => EndpointResolver.RuntimeEndpointVariable,
            ImageEndpointKey => EndpointResolver.ImageEndpointVariable,
            _ => null,
        } is { } variable && context.GetEnvironmentVariable(variable) is { Length: > 0 } ? "$" + variable : null;
        return new CriConfig
        {
            Path = path,
            PathSource = pathSource,
            Exists = settings is not null,
            RuntimeEndpoint = (string?)Value(RuntimeEndpointKey),
            ImageEndpoint = (string?)Value(ImageEndpointKey),
            TimeoutSec = (int?)Value(TimeoutKey),
            DebugLogging = (bool?)Value(DebugKey),
            PullImageOnCreate = (bool?)Value(PullImageOnCreateKey),
            DisablePullOnRun = (bool?)Value(DisablePullOnRunKey),
            MaxRetries = (int?)Value(MaxRetriesKey),
            OtherKeys = values.Keys.Where(k => !Keys.Contains(k)).ToArray(),
            Settings = Keys.Select(k => new CriConfigSetting
            {
                Name = k, Value = Value(k), Source = Value(k) is null ? CriConfigSource.NotSet : CriConfigSource.File,
                OverriddenBy = Overrider(k), Path = path, ComputerName = Environment.MachineName,
            }).ToArray(),
            ComputerName = Environment.MachineName,
        };
    }

    /// <summary>
    /// A known key's value as its type (string, whole seconds, Go's boolean words); the text itself for a key crictl
    /// does not know. A FormatException names the key.
    /// </summary>
    public static object? ParseValue(string key, string text)
    {
        switch (key)
        {
            case TimeoutKey:
                // crictl takes whole seconds here; 0 means its default.
                if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
                    throw new FormatException($"timeout '{text}' is not a number of seconds");
                return seconds;
            case MaxRetriesKey:
                if (!int.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var retries))
                    throw new FormatException($"{key} '{text}' is not a whole number");
                return retries;
            case DebugKey or PullImageOnCreateKey or DisablePullOnRunKey:
                // Go's strconv.ParseBool, which crictl reads these with.
                return text switch
                {
                    "1" or "t" or "T" or "TRUE" or "true" or "True" => true,
                    "0" or "f" or "F" or "FALSE" or "false" or "False" => false,
                    _ => throw new FormatException($"{key} '{text}' is not true or false"),
                };
            default:
                return text;
        }
    }
}
