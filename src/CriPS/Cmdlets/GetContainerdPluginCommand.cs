using System.Management.Automation;
using CriPS.Engine.Filtering;

namespace CriPS.Cmdlets;

/// <summary>Lists the daemon's plugins with their status and, for those that did not load, why (ctr plugins ls).</summary>
[Cmdlet(VerbsCommon.Get, "ContainerdPlugin")]
[OutputType(typeof(ContainerdPlugin))]
public sealed class GetContainerdPluginCommand : ContainerdCmdlet
{
    /// <summary>Plugin ids such as cri or overlayfs.</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Id { get; set; } = [];

    /// <summary>Plugin types such as io.containerd.snapshotter.v1.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Type { get; set; } = [];

    /// <summary>Only plugins that are not loaded: those that failed (error) and those that skipped themselves (skip).</summary>
    [Parameter]
    public SwitchParameter Failed { get; set; }

    /// <summary>containerd's own filter syntax, evaluated by the daemon, e.g. 'type==io.containerd.grpc.v1'.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] Filter { get; set; } = [];

    protected override void EndProcessing()
    {
        var query = new ContainerdPluginQuery { Id = Id, Type = Type, Failed = Failed, Filter = Filter };
        WriteObject(Await(c => Client.GetPluginsAsync(query, c), "Introspection.Plugins"), enumerateCollection: true);
    }
}
