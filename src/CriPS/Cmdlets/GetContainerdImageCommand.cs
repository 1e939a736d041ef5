using System.Management.Automation;
using CriPS.Engine.Filtering;
using CriPS.Completion;

namespace CriPS.Cmdlets;

/// <summary>Lists the image records of a containerd namespace (ctr -n NS images ls); k8s.io unless told otherwise.</summary>
[Cmdlet(VerbsCommon.Get, "ContainerdImage")]
[OutputType(typeof(ContainerdImage))]
public sealed class GetContainerdImageCommand : NamespacedContainerdCmdlet
{
    /// <summary>Image names (references) to show.</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContainerdImageCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>containerd's own filter syntax, evaluated by the daemon, e.g. 'name~=busybox' or 'labels."io.cri-containerd.image"==managed'.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] Filter { get; set; } = [];

    protected override void EndProcessing()
    {
        var query = new ContainerdImageQuery { Name = Name, Filter = Filter };
        WriteObject(Await(c => Client.GetImagesAsync(query, c), "Images.List"), enumerateCollection: true);
    }
}
