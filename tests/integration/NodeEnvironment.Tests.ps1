BeforeDiscovery {
    . $PSScriptRoot/TestFixture.ps1
    # The node runs a real dockerd and containerd and makes mounts: root, and the private runtime's registry.
    $NodeSkipReason = Get-DaemonSkipReason 'the Docker node'
}

Describe 'The prepared Docker node (crips-node.sh)' -Skip:([bool]$NodeSkipReason) {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        Import-Module $PSScriptRoot/NodeFixture.psm1 -Force
        # its own directory, so it never meets a node the conversion tests use
        $node = Start-CripsNode -Style 1.26 -Directory /tmp/crips-node-smoke
        $savedPath = $env:PATH
        $env:PATH = "$($node.CRIPS_NODE_BIN):$env:PATH"

        function Invoke-DockerApi([string] $Path) {
            $sock = $node.CRIPS_NODE_DOCKER_ENDPOINT -replace '^unix://', ''
            $json = & curl -fsS --max-time 10 --unix-socket $sock "http://docker$Path"
            $LASTEXITCODE | Should -Be 0 -Because "the Docker API answers $Path"
            ($json -join "`n") | ConvertFrom-Json -NoEnumerate
        }
    }
    AfterAll {
        $env:PATH = $savedPath
        if ($node) { Stop-CripsNode -Node $node -Purge }
    }

    It 'writes node.env with every key the tests rely on' {
        $node.CRIPS_NODE_DIR | Should -Be '/tmp/crips-node-smoke'
        $node.CRIPS_NODE_ROOT | Should -Be '/tmp/crips-node-smoke/root'
        $node.CRIPS_NODE_BIN | Should -Be '/tmp/crips-node-smoke/bin'
        $node.CRIPS_NODE_STYLE | Should -Be '1.26'
        $node.CRIPS_NODE_KUBELET_VERSION | Should -Be 'v1.26.15'
        $node.CRIPS_NODE_DOCKER_ENDPOINT | Should -Be 'unix:///tmp/crips-node-smoke/docker.sock'
        $node.CRIPS_NODE_CONTAINERD_ENDPOINT | Should -Be 'unix:///tmp/crips-node-smoke/ctd/run/containerd.sock'
        $node.CRIPS_NODE_TAGGED_IMAGES -split ',' | Should -Be @($env:CRIPS_BUSYBOX_IMAGE, $env:CRIPS_PAUSE_IMAGE)
        $node.CRIPS_NODE_UNTAGGED_IMAGE_ID | Should -Match '^sha256:[0-9a-f]{64}$'
        $node.CRIPS_NODE_SOCKET_CONTAINER | Should -Be 'crips-socket-user'
    }

    It 'has the tree of a kubeadm 1.26 node with cri-dockerd, equal to root.orig' {
        $files = & find $node.CRIPS_NODE_ROOT -type f -printf '%P\n' | Sort-Object
        $files | Should -Be @(
            'etc/cni/net.d/10-cripsnode.conflist'
            'etc/containerd/config.toml'
            'etc/default/kubelet'
            'etc/docker/certs.d/registry.example.internal:5000/ca.crt'
            'etc/docker/daemon.json'
            # dockerd writes its libtrust key up to Docker 24; 25 and later have none
            if ([version]$node.CRIPS_NODE_DOCKER_VERSION -lt [version]'25.0') { 'etc/docker/key.json' }
            'etc/systemd/system/docker.service.d/http-proxy.conf'
            'etc/systemd/system/kubelet.service.d/10-kubeadm.conf'
            'opt/cni/bin/bridge'
            'opt/cni/bin/host-local'
            'opt/cni/bin/loopback'
            'opt/cni/bin/portmap'
            'var/lib/kubelet/config.yaml'
            'var/lib/kubelet/kubeadm-flags.env'
        )
        Compare-CripsNodeTree -Node $node | Should -BeNullOrEmpty
        Get-Content (Join-Path $node.CRIPS_NODE_ROOT 'var/lib/kubelet/kubeadm-flags.env') | Should -Be (
            'KUBELET_KUBEADM_ARGS="--container-runtime=remote --container-runtime-endpoint=unix:///var/run/cri-dockerd.sock ' +
            "--pod-infra-container-image=$($env:CRIPS_PAUSE_IMAGE)`"")
    }

    It 'keeps node paths, not private ones, in the containerd config, as Docker''s package ships it' {
        $toml = Get-Content -Raw (Join-Path $node.CRIPS_NODE_ROOT 'etc/containerd/config.toml')
        $toml | Should -Match '(?m)^disabled_plugins = \["cri"\]$'
        $toml | Should -Match '(?m)^  restrict_oom_score_adj = true$'
        $toml | Should -Not -Match 'crips-node-smoke'
    }

    It 'notices a changed, added or re-moded file in the tree' {
        $daemonJson = Join-Path $node.CRIPS_NODE_ROOT 'etc/docker/daemon.json'
        $added = Join-Path $node.CRIPS_NODE_ROOT 'etc/containerd/certs.d/x/hosts.toml'
        $original = [IO.File]::ReadAllBytes($daemonJson)
        try {
            Add-Content -LiteralPath $daemonJson -Value ' '
            & chmod 0600 $daemonJson
            $null = New-Item -ItemType File -Force $added
            $changes = Compare-CripsNodeTree -Node $node
            $changes.Path | Should -Be @('etc/containerd/certs.d', 'etc/containerd/certs.d/x', 'etc/containerd/certs.d/x/hosts.toml', 'etc/docker/daemon.json')
            $changes.Change | Should -Be @('Added', 'Added', 'Added', 'Changed')
            $changes[3].Differences | Should -Be @('Content', 'Mode')
            $changes[3].Original | Should -Be 'f 644 root:root'
            $changes[3].Current | Should -Be 'f 600 root:root'
        } finally {
            [IO.File]::WriteAllBytes($daemonJson, $original)
            & chmod 0644 $daemonJson
            Remove-Item -Recurse -Force (Join-Path $node.CRIPS_NODE_ROOT 'etc/containerd/certs.d')
        }
        Compare-CripsNodeTree -Node $node | Should -BeNullOrEmpty
    }

    It 'runs a Docker Engine with live-restore, the cgroupfs driver, tagged and untagged images' {
        $info = Invoke-DockerApi '/info'
        $info.LiveRestoreEnabled | Should -BeTrue
        $info.CgroupDriver | Should -Be 'cgroupfs'
        $images = Invoke-DockerApi '/images/json'
        $tags = @($images | ForEach-Object { $_.RepoTags } | Where-Object { $_ -and $_ -ne '<none>:<none>' }) | Sort-Object
        $tags | Should -Be @($env:CRIPS_BUSYBOX_IMAGE, $env:CRIPS_PAUSE_IMAGE)
        $untagged = @($images | Where-Object Id -eq $node.CRIPS_NODE_UNTAGGED_IMAGE_ID)
        $untagged.Count | Should -Be 1
        @($untagged[0].RepoTags | Where-Object { $_ -and $_ -ne '<none>:<none>' }) | Should -BeNullOrEmpty
    }

    It 'runs one container that bind-mounts the Docker socket' {
        $containers = Invoke-DockerApi '/containers/json'
        $containers.Count | Should -Be 1
        $containers[0].Names | Should -Be "/$($node.CRIPS_NODE_SOCKET_CONTAINER)"
        $containers[0].State | Should -Be 'running'
        $mount = $containers[0].Mounts | Where-Object Destination -eq '/var/run/docker.sock'
        $mount.Source | Should -Be ($node.CRIPS_NODE_DOCKER_ENDPOINT -replace '^unix://', '')
    }

    It 'runs containerd at its node paths with the CRI plugin disabled' {
        $plugins = Get-ContainerdPlugin -Address $node.CRIPS_NODE_CONTAINERD_ADDRESS
        $content = $plugins | Where-Object { $_.Type -eq 'io.containerd.content.v1' -and $_.Id -eq 'content' }
        $content.Exports['root'] | Should -Be '/var/lib/containerd/io.containerd.content.v1.content'
        $plugins | Where-Object { $_.Id -eq 'cri' -and $_.Status -eq 'ok' } | Should -BeNullOrEmpty
    }

    It 'answers systemctl and kubelet through the doubles on PATH, and records every call' {
        $null = Get-CripsNodeSystemctlLog -Node $node -Clear
        & systemctl is-active docker | Should -Be 'active'
        $LASTEXITCODE | Should -Be 0
        & systemctl is-enabled containerd.service | Should -Be 'enabled'
        & systemctl stop kubelet
        & systemctl is-active kubelet | Should -Be 'inactive'
        $LASTEXITCODE | Should -Be 3
        & systemctl start kubelet
        & systemctl show -p ActiveState kubelet | Should -Be 'ActiveState=active'
        & systemctl daemon-reload
        $err = & systemctl frobnicate docker 2>&1
        $LASTEXITCODE | Should -Be 1
        "$err" | Should -Be 'systemctl: unknown verb frobnicate'
        & kubelet --version | Should -Be 'Kubernetes v1.26.15'
        Get-CripsNodeSystemctlLog -Node $node | Should -Be @(
            'is-active docker', 'is-enabled containerd.service', 'stop kubelet', 'is-active kubelet', 'start kubelet',
            'show -p ActiveState kubelet', 'daemon-reload', 'frobnicate docker')
    }

    It 'restarts containerd and dockerd through systemctl; live-restore keeps the container' {
        $ctdPid = & systemctl show -p MainPID --value containerd
        & systemctl restart containerd
        $LASTEXITCODE | Should -Be 0
        & systemctl show -p MainPID --value containerd | Should -Not -Be $ctdPid
        (Get-ContainerdVersion -Address $node.CRIPS_NODE_CONTAINERD_ADDRESS).Version | Should -Not -BeNullOrEmpty

        $before = (Invoke-DockerApi '/containers/json')[0]
        & systemctl stop docker
        & systemctl is-active docker | Should -Be 'inactive'
        & systemctl start docker
        $LASTEXITCODE | Should -Be 0
        $after = Invoke-DockerApi '/containers/json'
        $after.Id | Should -Be $before.Id
        $after.State | Should -Be 'running'
    }
}
