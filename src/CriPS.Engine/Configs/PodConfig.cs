using Google.Protobuf;
using V1 = CriPS.Engine.Cri.V1;

namespace CriPS.Engine.Configs;

/// <summary>
/// A pod sandbox config in crictl's format (crictl runp pod.json): CRI's PodSandboxConfig as JSON or YAML, with
/// field names as in the .proto (port_mappings) or in JSON's camelCase (portMappings). Unknown fields are refused
/// by name, so a typo never silently drops a setting.
/// </summary>
public sealed class PodConfig
{
    private PodConfig(V1.PodSandboxConfig message, string source)
    {
        Message = message;
        Source = source;
    }

    internal V1.PodSandboxConfig Message { get; }

    /// <summary>Where the config came from (a file, or "given to -Config"), for messages.</summary>
    public string Source { get; }

    public string Name => Message.Metadata?.Name ?? "";
    public string Namespace => Message.Metadata?.Namespace ?? "";

    public static PodConfig FromFile(string path) => FromText(ConfigText.ReadFile(path), path);

    public static PodConfig FromText(string text, string source) =>
        new(ConfigText.Parse<V1.PodSandboxConfig>(text, source, "CriInvalidPodConfig", "PodSandboxConfig"), source);

    public static PodConfig FromJson(string json, string source) => FromText(json, source);
}

/// <summary>A container config in crictl's format (crictl create ctr.json pod.json): CRI's ContainerConfig as JSON or YAML.</summary>
public sealed class ContainerConfig
{
    private ContainerConfig(V1.ContainerConfig message, string source)
    {
        Message = message;
        Source = source;
    }

    internal V1.ContainerConfig Message { get; }

    public string Source { get; }

    public string Name => Message.Metadata?.Name ?? "";
    public string Image => Message.Image?.Image ?? "";

    public static ContainerConfig FromFile(string path) => FromText(ConfigText.ReadFile(path), path);

    public static ContainerConfig FromText(string text, string source) =>
        new(ConfigText.Parse<V1.ContainerConfig>(text, source, "CriInvalidContainerConfig", "ContainerConfig"), source);
}

/// <summary>The text of a config: JSON when it starts with '{', YAML otherwise; read by Google.Protobuf's JSON parser.</summary>
internal static class ConfigText
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(false));

    public static string ReadFile(string path)
    {
        try
        {
            return SmallFile.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CriException("CriConfigUnreadable", CriErrorCategory.ReadError, $"The config file '{path}' cannot be read: {e.Message}", path, e);
        }
    }

    public static T Parse<T>(string text, string source, string errorId, string kind) where T : IMessage<T>, new()
    {
        var json = text.TrimStart().StartsWith('{') ? text : YamlToJson.Convert(text, source, errorId);
        try
        {
            return Parser.Parse<T>(json);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidJsonException or FormatException)
        {
            // Google.Protobuf names the field: "Unknown field: port_mapings".
            throw new CriException(errorId, CriErrorCategory.InvalidArgument, $"The config {source} is not a CRI {kind}: {e.Message}", source, e);
        }
    }
}
