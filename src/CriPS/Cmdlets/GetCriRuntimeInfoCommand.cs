using System.Management.Automation;

namespace CriPS.Cmdlets;

/// <summary>Shows what the runtime is and whether it is ready (crictl version + crictl info).</summary>
[Cmdlet(VerbsCommon.Get, "CriRuntimeInfo")]
[OutputType(typeof(RuntimeInfo))]
public sealed class GetCriRuntimeInfoCommand : CriCmdlet
{
    protected override void EndProcessing() =>
        WriteObject(Await(Client.GetRuntimeInfoAsync, "Status"));
}
