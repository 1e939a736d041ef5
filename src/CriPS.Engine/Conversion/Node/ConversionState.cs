using System.Text.Json;
using System.Text.Json.Serialization;

namespace CriPS.Engine.Conversion;

/// <summary>
/// The state file: which steps are done, so a run after a crash or a failure resumes where the last one stopped,
/// and the facts the first run saw that a later run cannot see again (Docker's images, once Docker is stopped).
/// </summary>
internal sealed class ConversionState
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    public int Version { get; set; } = 1;
    public DateTimeOffset StartedAt { get; set; }
    public ConversionOutcome? Outcome { get; set; }
    public List<ConversionStep> Steps { get; set; } = new();

    /// <summary>The units StopServices disabled and masked, which rollback unmasks, enables and starts again.</summary>
    public List<string> DisabledUnits { get; set; } = new();

    /// <summary>The CRI endpoint StartServices brought containerd up on, where rollback removes the pods it ran.</summary>
    public string? ContainerdEndpoint { get; set; }

    /// <summary>Docker's images and containers as the first run listed them.</summary>
    public DockerSnapshot? Docker { get; set; }

    /// <summary>True while a conversion is under way (begun, not yet finished or rolled back).</summary>
    [JsonIgnore]
    public bool InProgress => Outcome is null or ConversionOutcome.Failed;

    /// <summary>True when a run started the step: each is recorded as it starts, so one killed half-way counts too.</summary>
    public bool HasStarted(string step) => Steps.Any(s => s.Name == step);

    public static ConversionState? Load(NodeFiles files, string nodePath)
    {
        var text = files.ReadText(nodePath);
        if (text is null)
            return null;
        try
        {
            return JsonSerializer.Deserialize<ConversionState>(text, Json);
        }
        catch (JsonException e)
        {
            throw new CriException("ConversionStateInvalid", CriErrorCategory.InvalidData,
                $"The state file {nodePath} cannot be read ({e.Message}). Move it away to start over.", nodePath, e);
        }
    }

    public void Save(NodeFiles files, string nodePath) =>
        files.WriteAtomic(nodePath, JsonSerializer.SerializeToUtf8Bytes(this, Json), new UnixFileFacts(UnixFileMode.UserRead | UnixFileMode.UserWrite, 0, 0));
}
