using System.Text.Json;
using System.Text.Json.Serialization;

namespace CriPS.Engine.Archives;

/// <summary>
/// The JSON documents of an image archive: the OCI image layout (oci-layout, index.json, manifests, indexes)
/// and Docker's manifest.json. Only the fields an import or export needs; unknown fields are ignored on read.
/// </summary>
internal static class MediaTypes
{
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerConfig = "application/vnd.docker.container.image.v1+json";
    public const string DockerLayer = "application/vnd.docker.image.rootfs.diff.tar";
    public const string DockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";

    public static bool IsIndex(string? mediaType) => mediaType is OciIndex or DockerManifestList;
    public static bool IsManifest(string? mediaType) => mediaType is OciManifest or DockerManifest;
}

/// <summary>Annotation keys that name an image in an index (containerd's full name, OCI's short ref name).</summary>
internal static class Annotations
{
    public const string ImageName = "io.containerd.image.name";
    public const string RefName = "org.opencontainers.image.ref.name";
}

internal sealed class OciPlatform
{
    [JsonPropertyName("architecture")] public string Architecture { get; set; } = "";
    [JsonPropertyName("os")] public string Os { get; set; } = "";
    [JsonPropertyName("variant"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Variant { get; set; }
}

internal sealed class OciDescriptor
{
    [JsonPropertyName("mediaType")] public string MediaType { get; set; } = "";
    [JsonPropertyName("digest")] public string Digest { get; set; } = "";
    [JsonPropertyName("size")] public long Size { get; set; }
    [JsonPropertyName("annotations"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, string>? Annotations { get; set; }
    [JsonPropertyName("platform"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public OciPlatform? Platform { get; set; }

    public OciDescriptor WithAnnotations(Dictionary<string, string>? annotations) => new()
    {
        MediaType = MediaType, Digest = Digest, Size = Size, Platform = Platform, Annotations = annotations,
    };
}

/// <summary>An index or a manifest: the two share schemaVersion and mediaType; which lists are set tells them apart.</summary>
internal sealed class OciDocument
{
    [JsonPropertyName("schemaVersion")] public int SchemaVersion { get; set; } = 2;
    [JsonPropertyName("mediaType"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? MediaType { get; set; }
    [JsonPropertyName("manifests"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public List<OciDescriptor>? Manifests { get; set; }
    [JsonPropertyName("config"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public OciDescriptor? Config { get; set; }
    [JsonPropertyName("layers"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public List<OciDescriptor>? Layers { get; set; }
}

internal sealed class OciLayout
{
    public const string FileName = "oci-layout";
    public const string SupportedVersion = "1.0.0";
    [JsonPropertyName("imageLayoutVersion")] public string ImageLayoutVersion { get; set; } = "";
}

/// <summary>One entry of Docker's manifest.json (docker save): paths inside the archive, and the tags.</summary>
internal sealed class DockerArchiveEntry
{
    public const string FileName = "manifest.json";
    [JsonPropertyName("Config")] public string Config { get; set; } = "";
    [JsonPropertyName("RepoTags")] public List<string>? RepoTags { get; set; }
    [JsonPropertyName("Layers")] public List<string> Layers { get; set; } = new();
}

/// <summary>The platform fields of an image config: all an import needs to label a Docker manifest.</summary>
internal sealed class ImageConfigPlatform
{
    [JsonPropertyName("architecture")] public string? Architecture { get; set; }
    [JsonPropertyName("os")] public string? Os { get; set; }
    [JsonPropertyName("variant")] public string? Variant { get; set; }
}

internal static class OciJson
{
    /// <summary>Relaxed escaping: media types keep their '+' as other tools write them, not \u002B.</summary>
    private static readonly JsonSerializerOptions Options = new()
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static T Parse<T>(byte[] json, string what)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options)
                ?? throw new ImageArchiveException(ArchiveProblem.InvalidDocument, $"{what} is empty (null).", what);
        }
        catch (JsonException e)
        {
            throw new ImageArchiveException(ArchiveProblem.InvalidDocument, $"{what} is not valid JSON: {e.Message}", what);
        }
    }

    /// <summary>Compact UTF-8 JSON: what gets written is hashed, so the same input always gives the same digest.</summary>
    public static byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);
}
