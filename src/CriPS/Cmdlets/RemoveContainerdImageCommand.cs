using System.Management.Automation;
using CriPS.Completion;

namespace CriPS.Cmdlets;

/// <summary>
/// Deletes image records from a containerd namespace (ctr images rm --sync); content no other record keeps is
/// collected at once. In k8s.io prefer Remove-CriImage, which knows which images containers use.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "ContainerdImage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class RemoveContainerdImageCommand : NamespacedContainerdCmdlet
{
    /// <summary>Image names (short names like busybox:1.36 are normalized); wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContainerdImageCompleter))]
    public string[] Name { get; set; } = [];

    protected override void ProcessRecord()
    {
        foreach (var image in ResolveImages(Name))
            if (ShouldProcess($"{image.Name} in namespace {Client.Namespace}", "Remove image"))
                TryAwait(c => Client.RemoveImageAsync(image.Name, c), "Images.Delete");
    }
}
