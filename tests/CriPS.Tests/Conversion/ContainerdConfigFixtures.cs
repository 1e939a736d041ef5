namespace CriPS.Tests.Conversion;

/// <summary>Config texts shaped like the files found on Docker nodes (own fixtures, not copies).</summary>
internal static class ContainerdConfigFixtures
{
    /// <summary>Like the config.toml of Docker's containerd.io package: a comment header, no version, CRI disabled.</summary>
    public const string DockerShipped = """
        #   Copyright 2018-2022 Docker Inc.

        #   Licensed under the Apache License, Version 2.0 (the "License");

        disabled_plugins = ["cri"]

        #root = "/var/lib/containerd"
        #state = "/run/containerd"

        #[grpc]
        #  address = "/run/containerd/containerd.sock"
        #  uid = 0

        """;

    /// <summary>A version 2 config with CRI sections written as tables, dotted keys and an inline table.</summary>
    public const string Version2Mixed = """
        version = 2
        root = "/var/lib/containerd"

        [grpc]
          address = "/run/containerd/other.sock"

        [plugins."io.containerd.grpc.v1.cri"]
          sandbox_image = "k8s.gcr.io/pause:3.6"  # old pause
          containerd.runtimes.runc.options.SystemdCgroup = false
          cni = { bin_dir = "/usr/lib/cni" }

        # where hosts.toml files live
        [plugins."io.containerd.grpc.v1.cri".registry]
          config_path = ""

        [metrics]
          address = "127.0.0.1:1338"

        """;

    /// <summary>A version 3 config (containerd 2.x) in `containerd config default` style, with bin_dirs.</summary>
    public const string Version3 = """
        version = 3
        disabled_plugins = ["io.containerd.snapshotter.v1.zfs", "io.containerd.cri.v1.images"]

        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
          runtime_type = 'io.containerd.runc.v2'
          [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
            BinaryName = '/usr/bin/runc'

        [plugins.'io.containerd.cri.v1.runtime'.cni]
          bin_dirs = ['/opt/cni/bin']

        """;
}
