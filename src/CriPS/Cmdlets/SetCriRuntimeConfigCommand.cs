using System.Management.Automation;
using CriPS.Engine.Resources;

namespace CriPS.Cmdlets;

/// <summary>
/// Tells the runtime the node's pod CIDR (crictl update-runtime-config --pod-cidr; CRI UpdateRuntimeConfig), as the
/// kubelet does when the node gets its podCIDR. containerd uses it only to write a CNI config from its conf_template,
/// and only while no CNI config is loaded.
/// </summary>
[Cmdlet(VerbsCommon.Set, "CriRuntimeConfig", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class SetCriRuntimeConfigCommand : CriCmdlet
{
    /// <summary>The pod CIDR, e.g. 10.244.1.0/24; for a dual-stack node an IPv4 and an IPv6 CIDR.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string[] PodCidr { get; set; } = [];

    private string _podCidr = "";

    protected override void CheckParameters()
    {
        try
        {
            _podCidr = Engine.Resources.PodCidr.Join(PodCidr);
        }
        catch (CriException e)
        {
            ThrowTerminating(e);
        }
    }

    protected override void EndProcessing()
    {
        if (ShouldProcess(Client.RuntimeEndpoint.Endpoint.ToString(), $"Set the pod CIDR to {_podCidr}"))
            Await(c => Client.UpdatePodCidrAsync(_podCidr, c), "UpdateRuntimeConfig");
    }
}
