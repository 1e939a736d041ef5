using System.Management.Automation;

namespace CriPS.Cmdlets;

/// <summary>Shows the containerd daemon's own version and build revision (ctr version).</summary>
[Cmdlet(VerbsCommon.Get, "ContainerdVersion")]
[OutputType(typeof(ContainerdVersion))]
public sealed class GetContainerdVersionCommand : ContainerdCmdlet
{
    protected override void EndProcessing() => WriteObject(Await(Client.GetVersionAsync, "Version"));
}
