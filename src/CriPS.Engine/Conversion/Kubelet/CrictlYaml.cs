using CriPS.Engine.Endpoints;

namespace CriPS.Engine.Conversion;

/// <summary>/etc/crictl.yaml for a node whose runtime is at one CRI endpoint.</summary>
internal static class CrictlYaml
{
    /// <summary>Both services at the endpoint; a 10 s timeout, as kubeadm's docs suggest, instead of crictl's 2 s.</summary>
    public static string Render(string endpoint) =>
        CrictlConfigFile.Edit("# Written by CriPS (Convert-DockerNodeToContainerd).\n",
        [
            KeyValuePair.Create(CrictlConfig.RuntimeEndpointKey, endpoint),
            KeyValuePair.Create(CrictlConfig.ImageEndpointKey, endpoint),
            KeyValuePair.Create(CrictlConfig.TimeoutKey, "10"),
        ], NodePaths.CrictlYaml).Text;
}
