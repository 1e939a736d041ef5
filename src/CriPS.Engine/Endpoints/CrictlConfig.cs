using YamlDotNet.RepresentationModel;

namespace CriPS.Engine.Endpoints;

/// <summary>The settings CriPS shares with crictl's config file (/etc/crictl.yaml).</summary>
public sealed record CrictlConfig(string? RuntimeEndpoint, string? ImageEndpoint, TimeSpan? Timeout)
{
    public static readonly CrictlConfig Empty = new(null, null, null);

    /// <summary>Reads the file; a missing file is an empty config, a malformed one is an error naming it.</summary>
    public static CrictlConfig Load(string path)
    {
        // Kept apart from the parsing: compiling a method whose handler names YamlException loads YamlDotNet,
        // which every first call would then pay for on a node without the file.
        return File.Exists(path) ? LoadExisting(path) : Empty;
    }

    private static CrictlConfig LoadExisting(string path)
    {
        try
        {
            return Parse(SmallFile.ReadAllText(path));
        }
        catch (Exception e) when (e is YamlDotNet.Core.YamlException or FormatException or IOException or UnauthorizedAccessException)
        {
            throw new CriException("CriInvalidConfigFile", CriErrorCategory.InvalidData,
                $"The crictl config file '{path}' cannot be read: {e.Message}", path, e);
        }
    }

    public static CrictlConfig Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            return Empty;

        string? Scalar(string key) =>
            root.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlScalarNode s
                && !string.IsNullOrWhiteSpace(s.Value) ? s.Value : null;

        TimeSpan? timeout = null;
        if (Scalar("timeout") is { } t)
        {
            // crictl takes whole seconds here.
            if (!int.TryParse(t, out var seconds) || seconds < 0)
                throw new FormatException($"timeout '{t}' is not a number of seconds");
            if (seconds > 0)
                timeout = TimeSpan.FromSeconds(seconds);
        }
        return new CrictlConfig(Scalar("runtime-endpoint"), Scalar("image-endpoint"), timeout);
    }
}
