namespace CriPS.Engine.Filtering;

/// <summary>What Get-CriPod asks for. Empty arrays mean "any".</summary>
public sealed class PodQuery
{
    public string[] Id { get; set; } = [];
    public string[] Name { get; set; } = [];
    public string[] Namespace { get; set; } = [];
    public string[] Uid { get; set; } = [];
    public PodState? State { get; set; }
    /// <summary>Every label must be present with exactly this value.</summary>
    public IReadOnlyDictionary<string, string> Label { get; set; } = new Dictionary<string, string>();
    public bool Detailed { get; set; }
}

/// <summary>What Get-CriContainer asks for. Empty arrays mean "any".</summary>
public sealed class ContainerQuery
{
    public string[] Id { get; set; } = [];
    public string[] Name { get; set; } = [];
    public string[] PodId { get; set; } = [];
    public string[] Namespace { get; set; } = [];
    public string[] Image { get; set; } = [];
    /// <summary>The states to keep; empty means Running only (like crictl ps) unless All or Id is given.</summary>
    public ContainerState[] State { get; set; } = [];
    public bool All { get; set; }
    public IReadOnlyDictionary<string, string> Label { get; set; } = new Dictionary<string, string>();
    public bool Detailed { get; set; }
}

/// <summary>What Get-CriImage asks for. Empty arrays mean "any".</summary>
public sealed class ImageQuery
{
    /// <summary>Wildcards on repository:tag or repository@digest.</summary>
    public string[] Name { get; set; } = [];
    public string[] Id { get; set; } = [];
    public bool Dangling { get; set; }
    public bool Pinned { get; set; }
    public bool Detailed { get; set; }
}

/// <summary>
/// What Get-CriEvent listens for. Empty arrays mean "any". Ids are prefixes or wildcard patterns, matched as
/// events arrive: the containers they name may not exist yet, so they are not resolved against a listing.
/// </summary>
public sealed class EventQuery
{
    public ContainerEventType[] Type { get; set; } = [];
    public string[] ContainerId { get; set; } = [];
    public string[] PodId { get; set; } = [];
}

/// <summary>The objects a query selected, and the per-item errors it met (unknown or ambiguous ids).</summary>
public sealed class QueryResult<T>
{
    public List<T> Items { get; } = new();
    public List<CriException> Errors { get; } = new();
}
