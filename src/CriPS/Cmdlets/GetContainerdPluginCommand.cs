using System.Management.Automation;

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
        var plugins = Await(c => Client.GetPluginsAsync(Filter, c), "Introspection.Plugins");
        WriteObject(plugins.Where(p => MatchesAny(Id, p.Id) && MatchesAny(Type, p.Type) && (!Failed || p.Status != "ok")),
            enumerateCollection: true);
    }
}
