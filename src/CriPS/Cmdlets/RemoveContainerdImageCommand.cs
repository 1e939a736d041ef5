using System.Management.Automation;
using CriPS.Completion;
using CriPS.Engine.Images;

namespace CriPS.Cmdlets;

/// <summary>
/// Deletes image records from a containerd namespace (ctr images rm --sync); content no other record keeps is
/// collected at once. In k8s.io prefer Remove-CriImage, which knows which images containers use.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "ContainerdImage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class RemoveContainerdImageCommand : ContainerdCmdlet
{
    /// <summary>Image names (short names like busybox:1.36 are normalized); wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContainerdImageCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>The containerd namespace; CONTAINERD_NAMESPACE, then k8s.io, when not given.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Namespace { get; set; }

    protected override string? NamespaceParameter => Namespace;

    private List<string>? _images;

    protected override void ProcessRecord()
    {
        foreach (var pattern in Name)
        {
            var names = WildcardPattern.ContainsWildcardCharacters(pattern) ? Matching(pattern) : [Normalized(pattern)];
            if (names.Count == 0)
                WriteError(new ErrorRecord(new ItemNotFoundException($"No image matches '{pattern}' in namespace {Client.Namespace}."),
                    "ContainerdImageNotFound", ErrorCategory.ObjectNotFound, pattern));
            foreach (var name in names)
                if (ShouldProcess($"{name} in namespace {Client.Namespace}", "Remove image"))
                    TryAwait(c => Client.RemoveImageAsync(name, c), "Images.Delete");
        }
    }

    private List<string> Matching(string pattern)
    {
        _images ??= Await(c => Client.GetImagesAsync([], c), "Images.List").Select(i => i.Name).ToList();
        return _images.Where(i => MatchesAny([pattern], i)).ToList();
    }

    /// <summary>An exact record name stays as it is (CRI's sha256:... records too); a short reference is completed.</summary>
    private string Normalized(string name)
    {
        if (name.StartsWith("sha256:", StringComparison.Ordinal))
            return name;
        _images ??= Await(c => Client.GetImagesAsync([], c), "Images.List").Select(i => i.Name).ToList();
        if (_images.Contains(name))
            return name;
        try
        {
            return ImageReference.Parse(name).FullName;
        }
        catch (CriException)
        {
            return name;
        }
    }
}
