namespace CriPS.Engine.Conversion;

/// <summary>/etc/crictl.yaml for a node whose runtime is at one CRI endpoint.</summary>
internal static class CrictlYaml
{
    /// <summary>Both services at the endpoint; a 10 s timeout, as kubeadm's docs suggest, instead of crictl's 2 s.</summary>
    public static string Render(string endpoint) =>
        "# Written by CriPS (Convert-DockerNodeToContainerd).\n"
        + $"runtime-endpoint: {KubeletYamlFile.RenderScalar(endpoint)}\n"
        + $"image-endpoint: {KubeletYamlFile.RenderScalar(endpoint)}\n"
        + "timeout: 10\n";
}
