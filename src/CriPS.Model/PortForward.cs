namespace CriPS;

/// <summary>
/// One forwarded port of Start-CriPortForward (crictl port-forward), written once its local port listens: connections
/// to LocalAddress:LocalPort reach PodPort in the pod's network namespace. LocalPort is the port really bound, so a
/// script that asked for a free one (:80) learns it here.
/// </summary>
public sealed class PortForward : CriObject
{
    public string PodId { get; set; } = "";
    public string LocalAddress { get; set; } = "";
    public int LocalPort { get; set; }
    public int PodPort { get; set; }

    public override string ToString() => $"{(LocalAddress.Contains(':') ? $"[{LocalAddress}]" : LocalAddress)}:{LocalPort} -> {PodPort}";
}
