using CriPS.Engine.Conversion;

namespace CriPS.Tests.Conversion;

/// <summary>Kubelet files as kubeadm writes them for the kubelet versions a Docker node may run.</summary>
internal static class KubeletFixtures
{
    public const string Containerd = "unix:///run/containerd/containerd.sock";
    public const string CriDockerd = "unix:///var/run/cri-dockerd.sock";

    /// <summary>kubeadm 1.23's /var/lib/kubelet/config.yaml (cluster defaults, systemd cgroups).</summary>
    public const string ConfigYaml123 = """
        apiVersion: kubelet.config.k8s.io/v1beta1
        authentication:
          anonymous:
            enabled: false
          webhook:
            cacheTTL: 0s
            enabled: true
          x509:
            clientCAFile: /etc/kubernetes/pki/ca.crt
        authorization:
          mode: Webhook
          webhook:
            cacheAuthorizedTTL: 0s
            cacheUnauthorizedTTL: 0s
        cgroupDriver: systemd
        clusterDNS:
        - 10.96.0.10
        clusterDomain: cluster.local
        cpuManagerReconcilePeriod: 0s
        evictionPressureTransitionPeriod: 0s
        fileCheckFrequency: 0s
        healthzBindAddress: 127.0.0.1
        healthzPort: 10248
        httpCheckFrequency: 0s
        imageMinimumGCAge: 0s
        kind: KubeletConfiguration
        logging:
          flushFrequency: 0
          options:
            json:
              infoBufferSize: "0"
          verbosity: 0
        memorySwap: {}
        nodeStatusReportFrequency: 0s
        nodeStatusUpdateFrequency: 0s
        rotateCertificates: true
        runtimeRequestTimeout: 0s
        shutdownGracePeriod: 0s
        shutdownGracePeriodCriticalPods: 0s
        staticPodPath: /etc/kubernetes/manifests
        streamingConnectionIdleTimeout: 0s
        syncFrequency: 0s
        volumeStatsAggPeriod: 0s

        """;

    /// <summary>A kubeadm 1.29 config.yaml that carries the endpoint itself (containerRuntimeEndpoint, 1.27+).</summary>
    public const string ConfigYaml129 = """
        apiVersion: kubelet.config.k8s.io/v1beta1
        authentication:
          anonymous:
            enabled: false
          webhook:
            cacheTTL: 0s
            enabled: true
          x509:
            clientCAFile: /etc/kubernetes/pki/ca.crt
        authorization:
          mode: Webhook
        cgroupDriver: systemd
        clusterDNS:
        - 10.96.0.10
        clusterDomain: cluster.local
        containerRuntimeEndpoint: unix:///var/run/cri-dockerd.sock
        kind: KubeletConfiguration
        logging:
          verbosity: 0
        rotateCertificates: true
        staticPodPath: /etc/kubernetes/manifests

        """;

    public static KubeletFiles Dockershim123 => new(
        "KUBELET_KUBEADM_ARGS=\"--network-plugin=cni --pod-infra-container-image=k8s.gcr.io/pause:3.6\"\n",
        "KUBELET_EXTRA_ARGS=\n",
        ConfigYaml123,
        null);

    public static KubeletFiles CriDockerd126 => new(
        $"KUBELET_KUBEADM_ARGS=\"--container-runtime=remote --container-runtime-endpoint={CriDockerd} --pod-infra-container-image=registry.k8s.io/pause:3.9\"\n",
        null,
        ConfigYaml123,
        null);

    public static KubeletFiles CriDockerd128 => new(
        $"KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint={CriDockerd} --pod-infra-container-image=registry.k8s.io/pause:3.9\"\n",
        "KUBELET_EXTRA_ARGS=\n",
        ConfigYaml123,
        null);

    public static KubeletFiles Config129 => new(
        "KUBELET_KUBEADM_ARGS=\"--pod-infra-container-image=registry.k8s.io/pause:3.9\"\n",
        null,
        ConfigYaml129,
        null);

    /// <summary>kubeadm 1.34+ (NodeLocalCRISocket): the endpoint in instance-config.yaml, merged into config.yaml.</summary>
    public static KubeletFiles InstanceConfig => new(
        "KUBELET_KUBEADM_ARGS=\"--node-ip=10.0.0.5 --pod-infra-container-image=registry.k8s.io/pause:3.10\"\n",
        null,
        ConfigYaml129,
        """
        apiVersion: kubelet.config.k8s.io/v1beta1
        containerRuntimeEndpoint: unix:///var/run/cri-dockerd.sock
        kind: KubeletConfiguration

        """);
}
