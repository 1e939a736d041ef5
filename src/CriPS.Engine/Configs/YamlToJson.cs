using System.Globalization;
using System.Text;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CriPS.Engine.Configs;

/// <summary>
/// YAML config files as JSON, so one parser (Google.Protobuf's, which knows CRI's field names) reads both.
/// Plain scalars keep their YAML type (true, 8080, null); quoted ones stay strings.
/// </summary>
internal static class YamlToJson
{
    public static string Convert(string yaml, string source, string errorId)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new CriException(errorId, CriErrorCategory.InvalidArgument,
                $"The config {source} is neither JSON nor valid YAML (line {e.Start.Line}): {e.Message}", source, e);
        }
        if (stream.Documents.Count == 0)
            return "{}";
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
            Write(writer, stream.Documents[0].RootNode);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Write(Utf8JsonWriter writer, YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode map:
                writer.WriteStartObject();
                foreach (var (key, value) in map.Children)
                {
                    writer.WritePropertyName(((YamlScalarNode)key).Value ?? "");
                    Write(writer, value);
                }
                writer.WriteEndObject();
                break;
            case YamlSequenceNode list:
                writer.WriteStartArray();
                foreach (var item in list.Children)
                    Write(writer, item);
                writer.WriteEndArray();
                break;
            case YamlScalarNode scalar:
                WriteScalar(writer, scalar);
                break;
        }
    }

    private static void WriteScalar(Utf8JsonWriter writer, YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is ScalarStyle.Plain)
        {
            if (text is "" or "~" or "null")
            {
                writer.WriteNullValue();
                return;
            }
            if (text is "true" or "false")
            {
                writer.WriteBooleanValue(text == "true");
                return;
            }
            if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
            {
                writer.WriteNumberValue(number);
                return;
            }
        }
        writer.WriteStringValue(text);
    }
}
