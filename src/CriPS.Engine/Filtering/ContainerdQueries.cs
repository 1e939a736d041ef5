namespace CriPS.Engine.Filtering;

// What the Get-Containerd* cmdlets ask for. Empty arrays mean "any"; names and ids are wildcards (* and ?,
// case-insensitive, as the CRI filters match). Filter is containerd's own syntax, which the daemon evaluates.

public sealed class ContainerdNamespaceQuery
{
    public string[] Name { get; set; } = [];
}

public sealed class ContainerdImageQuery
{
    public string[] Name { get; set; } = [];
    public string[] Filter { get; set; } = [];
}

public sealed class ContainerdContainerQuery
{
    public string[] Id { get; set; } = [];
    public string[] Image { get; set; } = [];
    /// <summary>Every label must be present with exactly this value.</summary>
    public IReadOnlyDictionary<string, string> Label { get; set; } = new Dictionary<string, string>();
    public string[] Filter { get; set; } = [];
}

public sealed class ContainerdTaskQuery
{
    public string[] ContainerId { get; set; } = [];
    public ContainerdTaskStatus[] Status { get; set; } = [];
}

public sealed class ContainerdContentQuery
{
    public string[] Digest { get; set; } = [];
    public string[] Filter { get; set; } = [];
}

public sealed class ContainerdPluginQuery
{
    public string[] Id { get; set; } = [];
    public string[] Type { get; set; } = [];
    /// <summary>Only plugins that are not loaded: those that failed (error) and those that skipped themselves (skip).</summary>
    public bool Failed { get; set; }
    public string[] Filter { get; set; } = [];
}
