using Google.Protobuf;
using V1 = CriPS.Engine.Cri.V1;

namespace CriPS.Engine.Configs;

/// <summary>
/// A pod sandbox config in crictl's format: CRI's PodSandboxConfig as JSON or YAML, with field names as in the
/// .proto (port_mappings) or in JSON's camelCase (portMappings). Unknown fields are refused by name, so a typo
/// never silently drops a setting.
/// </summary>
public sealed class PodConfig
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(false));

    private PodConfig(V1.PodSandboxConfig message, string source)
    {
        Message = message;
        Source = source;
    }

    internal V1.PodSandboxConfig Message { get; }

    /// <summary>Where the config came from (a file, or "the -PodConfig object"), for messages.</summary>
    public string Source { get; }

    public string Name => Message.Metadata?.Name ?? "";
    public string Namespace => Message.Metadata?.Namespace ?? "";

    public static PodConfig FromFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CriException("CriPodConfigUnreadable", CriErrorCategory.ReadError, $"The pod config '{path}' cannot be read: {e.Message}", path, e);
        }
        return FromText(text, path);
    }

    /// <summary>JSON when it starts with '{', YAML otherwise (YAML is a superset, but JSON's errors are clearer).</summary>
    public static PodConfig FromText(string text, string source) =>
        FromJson(text.TrimStart().StartsWith('{') ? text : YamlToJson.Convert(text, source), source);

    public static PodConfig FromJson(string json, string source)
    {
        try
        {
            return new PodConfig(Parser.Parse<V1.PodSandboxConfig>(json), source);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidJsonException or FormatException)
        {
            // Google.Protobuf names the field: "Unknown field: port_mapings", "... for field 'hostname'".
            throw new CriException("CriInvalidPodConfig", CriErrorCategory.InvalidArgument,
                $"The pod config {source} is not a CRI PodSandboxConfig: {e.Message}", source, e);
        }
    }
}
