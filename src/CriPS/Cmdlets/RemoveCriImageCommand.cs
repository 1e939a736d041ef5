using System.Management.Automation;
using CriPS.Completion;
using CriPS.Engine.Filtering;

namespace CriPS.Cmdlets;

/// <summary>
/// Removes images (crictl rmi), with every tag each has. An image a container uses is kept unless -Force;
/// -Prune removes every image no container uses, never a pinned image nor the runtime's sandbox image.
/// Writes each removed image, so Measure-Object Size -Sum tells the space given back.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "CriImage", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(Image))]
public sealed class RemoveCriImageCommand : CriCmdlet
{
    private const string NameSet = "Name";
    private const string IdSet = "Id";
    private const string PruneSet = "Prune";

    /// <summary>Image references (repository:tag or repository@digest), with wildcards.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ImageCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>Image ids or unique prefixes; Get-CriImage output binds here.</summary>
    [Parameter(Mandatory = true, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ImageCompleter))]
    public string[] Id { get; set; } = [];

    /// <summary>Every image that no container uses, except pinned images and the sandbox image.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PruneSet)]
    public SwitchParameter Prune { get; set; }

    /// <summary>Also removes images that containers use (their containers keep running; a restart would need a pull).</summary>
    [Parameter(ParameterSetName = NameSet)]
    [Parameter(ParameterSetName = IdSet)]
    public SwitchParameter Force { get; set; }

    private readonly List<string> _ids = new();

    protected override void ProcessRecord() => _ids.AddRange(Id);

    protected override void EndProcessing()
    {
        if (ParameterSetName == IdSet && _ids.Count == 0)
            return;
        var query = ParameterSetName switch
        {
            NameSet => new ImageQuery { Name = Name },
            IdSet => new ImageQuery { Id = _ids.Distinct().ToArray() },
            _ => new ImageQuery(),
        };
        var found = Await(c => Client.GetImagesAsync(query, c), "ListImages");
        WriteErrors(found.Errors);

        // One listing of every container tells which images are in use.
        var containers = Await(c => Client.GetContainersAsync(new ContainerQuery { All = true }, c), "ListContainers");
        // Runtimes name a container's image by id, by digest reference or by tag: any of them counts.
        var usedBy = containers.Items
            .SelectMany(c => new[] { c.ImageId, c.ImageRef, c.Image }.Where(k => k.Length > 0).Distinct().Select(k => (Key: k, c.Name)))
            .GroupBy(u => u.Key).ToDictionary(g => g.Key, g => g.Select(u => u.Name).Distinct().ToList());
        List<string>? UsersOf(Image i) =>
            new[] { i.Id }.Concat(i.RepoDigests).Concat(i.RepoTags).Where(usedBy.ContainsKey).SelectMany(k => usedBy[k]).Distinct().ToList() is { Count: > 0 } u ? u : null;

        var candidates = found.Items;
        if (Prune)
        {
            var sandboxImage = Await(Client.GetRuntimeInfoAsync, "Status").SandboxImage;
            candidates = candidates.Where(i => UsersOf(i) is null && !i.Pinned
                && (sandboxImage is null || !i.RepoTags.Contains(sandboxImage))).ToList();
        }

        ulong freed = 0;
        var removed = 0;
        foreach (var image in candidates)
        {
            var label = image.RepoTags.Length > 0 ? $"{image.Id} ({string.Join(", ", image.RepoTags)})" : image.Id;
            if (UsersOf(image) is { } users && !Force)
            {
                WriteError(new ErrorRecord(new InvalidOperationException(
                        $"Image {label} is used by {users.Count} container(s): {string.Join(", ", users.Take(5))}. Remove them first, or use -Force."),
                    "CriImageInUse", ErrorCategory.ResourceBusy, image.Id));
                continue;
            }
            if (!ShouldProcess(label, "Remove image"))
                continue;
            if (TryAwait(c => Client.RemoveImageAsync(image.Id, c), $"RemoveImage {image.Id}"))
            {
                freed += image.Size;
                removed++;
                WriteObject(image);
            }
        }
        WriteVerbose($"Removed {removed} image(s), {freed} bytes as the runtime counts them (layers shared with remaining images stay).");
    }
}
