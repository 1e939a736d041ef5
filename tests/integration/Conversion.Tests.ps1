BeforeDiscovery {
    . $PSScriptRoot/TestFixture.ps1
    # A real dockerd and containerd on a prepared node tree (tests/runtime/crips-node.sh): root, and the private
    # runtime's registry for the node's images.
    $ConversionSkipReason = Get-DaemonSkipReason 'the Docker node'
}

# Tag Pair: build.ps1 Test runs this Describe once more per containerd, from the other Docker (KillPoints excluded).
Describe 'Convert-DockerNodeToContainerd on a cri-dockerd node (kubelet 1.26)' -Tag Pair -Skip:([bool]$ConversionSkipReason) {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        Import-Module $PSScriptRoot/NodeFixture.psm1 -Force
        $node = Start-CripsNode -Style 1.26 -Directory /tmp/crips-node-conv
        $savedPath = $env:PATH
        $env:PATH = "$($node.CRIPS_NODE_BIN):$env:PATH"
        $p = @{
            Root            = $node.CRIPS_NODE_ROOT
            RuntimeEndpoint = $node.CRIPS_NODE_CONTAINERD_ENDPOINT
            DockerEndpoint  = $node.CRIPS_NODE_DOCKER_ENDPOINT
        }
        $ep = $node.CRIPS_NODE_CONTAINERD_ENDPOINT
        $registry = $node.CRIPS_NODE_REGISTRY
        $tagged = $node.CRIPS_NODE_TAGGED_IMAGES -split ','
        $dockerIds = @{}
        foreach ($tag in $tagged) { $dockerIds[$tag] = (& docker -H $node.CRIPS_NODE_DOCKER_ENDPOINT image inspect --format '{{.Id}}' $tag) }
        Get-CripsNodeSystemctlLog -Node $node -Clear | Out-Null

        function Get-TreeHashes {
            # Every file of the node tree with its hash, mode and owner, except the conversion's own state and backup.
            $root = $node.CRIPS_NODE_ROOT
            Get-ChildItem -LiteralPath $root -Recurse -File -Force | Where-Object FullName -notlike "$root/var/lib/crips/*" |
                ForEach-Object { '{0} {1} {2}' -f $_.FullName.Substring($root.Length), (Get-FileHash -LiteralPath $_.FullName).Hash, (& stat -c '%a %u:%g' $_.FullName) } |
                Sort-Object
        }
        function Get-StepStatus($Report) { ($Report.Steps | ForEach-Object { "$($_.Name)=$($_.Status)" }) -join ' ' }
    }
    AfterAll {
        $env:PATH = $savedPath
        if ($node) { Stop-CripsNode -Node $node -Purge }
    }

    It '-WhatIf shows every step, file diff, service action and image, and changes nothing' {
        $out = Invoke-CripsConversionWhatIf -Node $node -Pwsh (Get-PwshCommand) -Tail '-CarryUlimits | Select-Object -ExpandProperty Outcome'

        $out | Should -Match 'What if: \[Preflight\] Report Warning: crips-socket-user'
        foreach ($tag in $tagged) { $out | Should -Match ([regex]::Escape("[Images] Move image to containerd (k8s.io): $tag")) }
        $out | Should -Match ([regex]::Escape("[Images] Skip image: $($node.CRIPS_NODE_UNTAGGED_IMAGE_ID)"))
        $out | Should -Match ([regex]::Escape('[StopServices] Run: systemctl disable --now docker.service'))
        $out | Should -Match ([regex]::Escape('[StopServices] Run: systemctl mask docker.service'))
        $out | Should -Match ([regex]::Escape('[ContainerdConfig] Edit file: /etc/containerd/config.toml'))
        $out | Should -Match ([regex]::Escape('-disabled_plugins = ["cri"]'))
        $out | Should -Match ([regex]::Escape("[DockerSettings] Create file: /etc/containerd/certs.d/$registry/hosts.toml"))
        $out | Should -Match ([regex]::Escape('+KUBELET_KUBEADM_ARGS="--container-runtime=remote --container-runtime-endpoint=unix:///run/containerd/containerd.sock'))
        $out | Should -Match ([regex]::Escape('[StartServices] Run: systemctl restart containerd'))
        $out | Should -Match ([regex]::Escape('[DockerSettings] Create file: /etc/systemd/system/containerd.service.d/ulimits.conf'))
        $out | Should -Match ([regex]::Escape('+LimitNOFILE=65536:65536'))
        $out | Should -Match 'Planned\s*$'

        Compare-CripsNodeTree -Node $node | Should -BeNullOrEmpty
        Get-CripsNodeSystemctlLog -Node $node | Where-Object { $_ -notlike 'is-*' } | Should -BeNullOrEmpty
    }

    It '-Force does not bypass -WhatIf, and without -Force it asks (ShouldContinue) before any change' {
        $out = Invoke-CripsConversionWhatIf -Node $node -Pwsh (Get-PwshCommand) -Tail '-CarryUlimits -Force | Select-Object -ExpandProperty Outcome'
        $out | Should -Match ([regex]::Escape('What if: [StartServices] Run: systemctl restart containerd'))
        $out | Should -Match 'Planned\s*$'
        # A host that cannot prompt fails at the question: nothing on the node changes.
        $script = "Import-Module '$env:CRIPS_MODULE_PATH'; `$env:PATH = '$($env:PATH)'; Convert-DockerNodeToContainerd -CarryUlimits " +
            "-Root '$($node.CRIPS_NODE_ROOT)' -RuntimeEndpoint '$($node.CRIPS_NODE_CONTAINERD_ENDPOINT)' -DockerEndpoint '$($node.CRIPS_NODE_DOCKER_ENDPOINT)'"
        $pwsh = Get-PwshCommand
        $asked = (& $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $script 2>&1) -join "`n"
        $LASTEXITCODE | Should -Not -Be 0
        $asked | Should -Match 'NonInteractive mode'
        Compare-CripsNodeTree -Node $node | Should -BeNullOrEmpty
        Get-CripsNodeSystemctlLog -Node $node | Where-Object { $_ -notlike 'is-*' } | Should -BeNullOrEmpty
    }

    It 'refuses before any change when preflight finds an error, naming the finding' {
        $env:PATH = $savedPath   # no kubelet double on PATH: its version is unknown
        try {
            $report = Convert-DockerNodeToContainerd @p -Force -ErrorVariable errors -ErrorAction SilentlyContinue
        } finally {
            $env:PATH = "$($node.CRIPS_NODE_BIN):$savedPath"
        }
        $report.Outcome | Should -Be 'Refused'
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'ConversionPreflightFailed,*'
        $errors[0].TargetObject | Should -Be 'kubelet'
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $errors[0].Exception.Message | Should -Match 'KubeletVersionUnknown.*-AcceptFinding KubeletVersionUnknown'
        Compare-CripsNodeTree -Node $node | Should -BeNullOrEmpty
    }

    It 'reports a missing CNI plugin as an error and a cgroup driver mismatch as a warning' {
        $root = $node.CRIPS_NODE_ROOT
        $daemonJson = [IO.File]::ReadAllBytes("$root/etc/docker/daemon.json")
        try {
            Move-Item "$root/opt/cni/bin/portmap" "$($node.CRIPS_NODE_DIR)/portmap.aside"
            [IO.File]::WriteAllText("$root/etc/docker/daemon.json", ([Text.Encoding]::UTF8.GetString($daemonJson) -replace 'native.cgroupdriver=cgroupfs', 'native.cgroupdriver=systemd'))
            $report = Convert-DockerNodeToContainerd @p -Force -ErrorVariable errors -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        } finally {
            if (Test-Path "$($node.CRIPS_NODE_DIR)/portmap.aside") { Move-Item "$($node.CRIPS_NODE_DIR)/portmap.aside" "$root/opt/cni/bin/portmap" }
            [IO.File]::WriteAllBytes("$root/etc/docker/daemon.json", $daemonJson)
        }
        $report.Outcome | Should -Be 'Refused'
        $missing = $report.Findings | Where-Object Id -eq 'CniPluginMissing'
        $missing.Severity | Should -Be 'Error'
        $missing.Target | Should -Be '/opt/cni/bin/portmap'
        $errors.TargetObject | Should -Be '/opt/cni/bin/portmap'
        ($report.Findings | Where-Object Id -eq 'CgroupDriverMismatch').Severity | Should -Be 'Warning'
        Compare-CripsNodeTree -Node $node | Should -BeNullOrEmpty
    }

    It 'converts the node: containerd serves CRI v1 from the written config, with the moved images' {
        $script:report = Convert-DockerNodeToContainerd @p -Force -VerifyPull "$registry/crips/spare:1"

        $report.Outcome | Should -Be 'Converted'
        $report.From | Should -Be 'CriDockerd'
        Get-StepStatus $report | Should -Be ('Preflight=Done Backup=Done Drain=Manual Images=Done StopServices=Done ContainerdConfig=Done ' +
            'DockerSettings=Done Kubelet=Done StartServices=Done Postflight=Done Uncordon=Manual')
        ($report.Findings | Where-Object Severity -eq 'Warning').Id | Should -Be 'DockerSocketMounted'

        $info = Get-CriRuntimeInfo -RuntimeEndpoint $ep
        $info.RuntimeName | Should -Be 'containerd'
        $info.RuntimeApiVersion | Should -Be 'v1'
        # the node's own containerd (CRIPS_CONTAINERD), reading the config the conversion wrote
        $info.RuntimeVersion | Should -Match "^v?$([regex]::Escape($node.CRIPS_NODE_CONTAINERD_VERSION))"
        $info.RuntimeReady | Should -BeTrue
        $info.NetworkReady | Should -BeTrue
        $info.SandboxImage | Should -Be $node.CRIPS_NODE_SANDBOX_IMAGE
        $info.SystemdCgroup | Should -BeFalse

        foreach ($tag in $tagged) {
            (Get-CriImage -RuntimeEndpoint $ep -Name $tag).Id | Should -Be $dockerIds[$tag] -Because "$tag keeps its ID"
            ($report.Images | Where-Object Name -eq $tag).Status | Should -Be 'Moved'
            ($report.Images | Where-Object Name -eq $tag).ContainerdId | Should -Be $dockerIds[$tag]
        }
        ($report.Images | Where-Object DockerId -eq $node.CRIPS_NODE_UNTAGGED_IMAGE_ID).Status | Should -Be 'Skipped'
        ($report.Steps | Where-Object Name -eq 'Postflight').Details | Should -Contain "ok: pulled $registry/crips/spare:1 ($((Get-CriImage -RuntimeEndpoint $ep -Name "$registry/crips/spare:1").Id))"
    }

    It 'writes the kubelet, crictl, hosts and drop-in files exactly' {
        $root = $node.CRIPS_NODE_ROOT
        Get-Content -Raw "$root/var/lib/kubelet/kubeadm-flags.env" |
            Should -BeExactly "KUBELET_KUBEADM_ARGS=`"--container-runtime=remote --container-runtime-endpoint=unix:///run/containerd/containerd.sock --pod-infra-container-image=$($node.CRIPS_NODE_SANDBOX_IMAGE)`"`n"
        $orig = Get-Content -Raw "$($node.CRIPS_NODE_ORIG)/var/lib/kubelet/config.yaml"
        Get-Content -Raw "$root/var/lib/kubelet/config.yaml" | Should -BeExactly ($orig + "containerLogMaxSize: 10M`ncontainerLogMaxFiles: 3`n")
        Get-Content -Raw "$root/etc/crictl.yaml" | Should -Match 'runtime-endpoint: unix:///run/containerd/containerd.sock'
        Get-Content -Raw "$root/etc/containerd/certs.d/$registry/hosts.toml" | Should -BeExactly (
            "# ${registry}: written by CriPS from Docker's insecure-registries (containerd docs/hosts.md).`n" +
            "server = `"https://$registry`"`n`n[host.`"https://$registry`"]`ncapabilities = [`"pull`", `"resolve`", `"push`"]`nskip_verify = true`n`n" +
            "[host.`"http://$registry`"]`ncapabilities = [`"pull`", `"resolve`", `"push`"]`n")
        Get-Content -Raw "$root/etc/containerd/certs.d/docker.io/hosts.toml" | Should -Match '\[host\."https://mirror\.example\.internal"\]'
        Get-Content -Raw "$root/etc/containerd/certs.d/registry.example.internal:5000/hosts.toml" | Should -Match 'ca = \["/etc/containerd/certs.d/registry.example.internal:5000/ca.crt"\]'
        (Get-FileHash "$root/etc/containerd/certs.d/registry.example.internal:5000/ca.crt").Hash | Should -Be (Get-FileHash "$root/etc/docker/certs.d/registry.example.internal:5000/ca.crt").Hash
        Get-Content -Raw "$root/etc/systemd/system/containerd.service.d/http-proxy.conf" | Should -Match '(?m)^EnvironmentFile=/etc/containerd/proxy.env$'
        Get-Content -Raw "$root/etc/containerd/proxy.env" | Should -Match '(?m)^HTTP_PROXY="http://proxy.example:3128"$'
        & stat -c '%a %u' "$root/etc/containerd/proxy.env" | Should -Be '600 0'
        $config = Get-Content -Raw "$root/etc/containerd/config.toml"
        $config | Should -Match '(?m)^version = 2$'
        $config | Should -Match '(?m)^disabled_plugins = \[\]$'
        $config | Should -Match ([regex]::Escape('#   Copyright 2018-2022 Docker Inc.'))
        $config | Should -Match 'restrict_oom_score_adj = true'
        ($report.CarriedSettings | Where-Object Setting -eq 'default-ulimits').Status | Should -Be 'Reported'
        # Every daemon.json key is carried or reported: the node's storage-driver has no containerd counterpart.
        ($report.CarriedSettings | Where-Object Setting -eq 'storage-driver').Status | Should -Be 'Reported'
    }

    It 'drives the services through systemctl: kubelet and Docker stopped, containerd restarted, kubelet started' {
        Get-CripsNodeSystemctlLog -Node $node | Where-Object { $_ -notlike 'is-*' } | Should -Be @(
            'stop kubelet', 'disable --now docker.service', 'mask docker.service', 'disable --now docker.socket', 'mask docker.socket',
            'disable --now cri-docker.service', 'mask cri-docker.service', 'disable --now cri-docker.socket', 'mask cri-docker.socket',
            'daemon-reload', 'enable containerd', 'restart containerd', 'start kubelet')
        & systemctl is-active docker | Should -Be 'inactive'
        & systemctl is-enabled docker | Should -Be 'masked'
        # Masked: a unit that requires Docker (an old kubelet unit) cannot start it again.
        & systemctl start docker 2>$null
        $LASTEXITCODE | Should -Not -Be 0
        & systemctl is-active docker | Should -Be 'inactive'
        # live-restore would have kept Docker's containers running without Docker: they were stopped first.
        ($report.Steps | Where-Object Name -eq 'StopServices').Details | Should -Contain "Docker container $($node.CRIPS_NODE_SOCKET_CONTAINER) stopped (live-restore)"
    }

    It 'runs a pod from a moved image while the registry is down' {
        $registryPid = Get-Content /tmp/crips-runtime/pids/registry.pid -ErrorAction SilentlyContinue
        if ($env:CRIPS_RUNTIME_DIR) { $registryPid = Get-Content "$env:CRIPS_RUNTIME_DIR/pids/registry.pid" }
        $registryPid | Should -Not -BeNullOrEmpty
        & kill -TERM $registryPid
        try {
            { Invoke-WebRequest "http://$registry/v2/" -TimeoutSec 2 } | Should -Throw
            $pod = New-CriPod -RuntimeEndpoint $ep -Name moved-image -Namespace crips-conv
            $c = New-CriContainer -RuntimeEndpoint $ep -PodId $pod.Id -Name app -Image $tagged[0] -Command sh, -c, 'sleep 300'
            Start-CriContainer -RuntimeEndpoint $ep -Id $c.Id
            (Invoke-CriContainerCommand -RuntimeEndpoint $ep -Id $c.Id -Command echo, moved).Stdout | Should -Be "moved`n"
        } finally {
            # The registry first: the test files after this one need it, whatever failed here.
            & bash "$PSScriptRoot/../runtime/crips-runtime.sh" up *> $null
            Get-CriPod -RuntimeEndpoint $ep -Namespace crips-conv -ErrorAction SilentlyContinue | Remove-CriPod -RuntimeEndpoint $ep -Force
        }
    }

    It 'finds nothing to do when run again, and changes nothing' {
        $before = Get-TreeHashes
        Get-CripsNodeSystemctlLog -Node $node -Clear | Out-Null
        (Convert-DockerNodeToContainerd @p -Force).Outcome | Should -Be 'NothingToDo'
        Get-TreeHashes | Should -Be $before
        Get-CripsNodeSystemctlLog -Node $node | Where-Object { $_ -notlike 'is-*' } | Should -BeNullOrEmpty
    }

    It 'rolls back: every file byte for byte with its mode and owner, Docker enabled and started again' {
        $script:converted = Get-TreeHashes
        Convert-DockerNodeToContainerd -Root $p.Root -Rollback -Force -WhatIf | Should -BeNullOrEmpty
        Get-TreeHashes | Should -Be $converted -Because '-WhatIf wins over -Force'
        # A pod containerd runs (as the kubelet would have started one): rollback must not leave it running beside Docker's copy.
        $pod = New-CriPod -RuntimeEndpoint $ep -Name left-behind -Namespace crips-rollback
        $c = New-CriContainer -RuntimeEndpoint $ep -PodId $pod.Id -Name app -Image $tagged[0] -Command sh, -c, 'sleep 300'
        Start-CriContainer -RuntimeEndpoint $ep -Id $c.Id
        $r = Convert-DockerNodeToContainerd -Root $p.Root -Rollback -Force
        $r.Outcome | Should -Be 'RolledBack'
        $r.Steps[0].Details | Should -Contain "removed pod crips-rollback/left-behind ($($pod.Id.Substring(0, 13))) that containerd ran"
        # containerd itself says so, CRI disabled again: no container and no task left in the CRI namespace.
        & ctr -a $node.CRIPS_NODE_CONTAINERD_ADDRESS -n k8s.io containers ls -q | Should -BeNullOrEmpty
        & ctr -a $node.CRIPS_NODE_CONTAINERD_ADDRESS -n k8s.io tasks ls -q | Should -BeNullOrEmpty
        Compare-CripsNodeTree -Node $node | Where-Object Path -notlike 'var/lib/crips*' | Should -BeNullOrEmpty
        & systemctl is-active docker | Should -Be 'active'
        & systemctl is-enabled docker | Should -Be 'enabled'
        & systemctl is-active kubelet | Should -Be 'active'
        # containerd runs again with Docker's config: the CRI plugin is disabled.
        Get-ContainerdPlugin -Address $ep | Where-Object { $_.Type -eq 'io.containerd.grpc.v1' -and $_.Id -eq 'cri' -and $_.Status -eq 'Ok' } | Should -BeNullOrEmpty
    }

    It 'converges to the same end state when killed after each step and run again' -Tag KillPoints {
        $pwsh = Get-PwshCommand
        $state = Join-Path $node.CRIPS_NODE_ROOT 'var/lib/crips/docker-to-containerd/state.json'
        $script = "Import-Module '$env:CRIPS_MODULE_PATH'; `$env:PATH = '$($env:PATH)'; `$ProgressPreference = 'SilentlyContinue'; " +
            "Convert-DockerNodeToContainerd -Root '$($p.Root)' -RuntimeEndpoint '$($p.RuntimeEndpoint)' -DockerEndpoint '$($p.DockerEndpoint)' -Force | Out-Null"
        $killedAfter = [System.Collections.Generic.List[int]]::new()
        foreach ($steps in 1..11) {
            # A fresh process each time; it is killed (SIGKILL) as soon as the state file records $steps finished steps.
            $start = [Diagnostics.ProcessStartInfo]::new($pwsh[0])
            foreach ($a in @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $script)) { $start.ArgumentList.Add($a) }
            $start.RedirectStandardOutput = $true
            $child = [Diagnostics.Process]::Start($start)
            $deadline = [datetime]::UtcNow.AddSeconds(120)
            while (-not $child.HasExited -and [datetime]::UtcNow -lt $deadline) {
                $finished = 0
                if (Test-Path $state) {
                    try {
                        # Until the new run's first step, the file is still the rolled-back conversion's.
                        $recorded = Get-Content -Raw $state | ConvertFrom-Json
                        if ($recorded.Outcome -ne 'RolledBack') { $finished = @($recorded.Steps | Where-Object Status -in 'Done', 'Manual', 'Skipped').Count }
                    } catch { }   # caught between write and rename? the rename is atomic, but be lenient
                }
                if ($finished -ge $steps -and -not $child.HasExited) {
                    & kill -KILL $child.Id
                    $killedAfter.Add($finished)
                    break
                }
                Start-Sleep -Milliseconds 20
            }
            $child.WaitForExit()
            if ((Get-Content -Raw $state | ConvertFrom-Json).Outcome -eq 'Converted') { break }
        }
        Write-Host "    killed after these numbers of finished steps: $($killedAfter -join ', ')"
        $final = Convert-DockerNodeToContainerd @p -Force
        $final.Outcome | Should -BeIn 'Converted', 'NothingToDo'
        @($killedAfter | Select-Object -Unique).Count | Should -BeGreaterOrEqual 6 -Because "kills landed after steps $($killedAfter -join ', ')"
        Get-TreeHashes | Should -Be $converted
        (Get-CriRuntimeInfo -RuntimeEndpoint $ep).RuntimeReady | Should -BeTrue
        foreach ($tag in $tagged) { (Get-CriImage -RuntimeEndpoint $ep -Name $tag).Id | Should -Be $dockerIds[$tag] }
        & systemctl is-active docker | Should -Be 'inactive'
    }

    It 'converges and rolls back when killed inside the Images and StopServices steps' -Tag KillPoints {
        $pwsh = Get-PwshCommand
        $state = Join-Path $node.CRIPS_NODE_ROOT 'var/lib/crips/docker-to-containerd/state.json'
        $script = "Import-Module '$env:CRIPS_MODULE_PATH'; `$env:PATH = '$($env:PATH)'; `$ProgressPreference = 'SilentlyContinue'; " +
            "Convert-DockerNodeToContainerd -Root '$($p.Root)' -RuntimeEndpoint '$($p.RuntimeEndpoint)' -DockerEndpoint '$($p.DockerEndpoint)' -Force | Out-Null"
        function Stop-ConversionWhen([scriptblock] $Condition) {
            # Runs the conversion in a child pwsh and kills it (SIGKILL) as soon as the condition holds; true when it did.
            $start = [Diagnostics.ProcessStartInfo]::new($pwsh[0])
            foreach ($a in @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $script)) { $start.ArgumentList.Add($a) }
            $start.RedirectStandardOutput = $true
            $child = [Diagnostics.Process]::Start($start)
            $deadline = [datetime]::UtcNow.AddSeconds(120)
            $killed = $false
            while (-not $child.HasExited -and [datetime]::UtcNow -lt $deadline) {
                if (& $Condition) { & kill -KILL $child.Id; $killed = $true; break }
                Start-Sleep -Milliseconds 10
            }
            $child.WaitForExit()
            $killed
        }
        function Get-Recorded { try { Get-Content -Raw $state -ErrorAction Stop | ConvertFrom-Json } catch { $null } }
        $address = $node.CRIPS_NODE_CONTAINERD_ADDRESS

        # 1. Killed between disabling Docker and masking it: rollback brings Docker back, unmasked and running.
        (Convert-DockerNodeToContainerd -Root $p.Root -Rollback -Force).Outcome | Should -Be 'RolledBack'
        Get-CripsNodeSystemctlLog -Node $node -Clear | Out-Null
        Stop-ConversionWhen { @(Get-CripsNodeSystemctlLog -Node $node) -contains 'disable --now docker.service' } | Should -BeTrue
        (Get-Recorded).DisabledUnits | Should -Contain 'docker.service' -Because 'the unit is recorded before it is disabled'
        (Convert-DockerNodeToContainerd -Root $p.Root -Rollback -Force).Outcome | Should -Be 'RolledBack'
        Compare-CripsNodeTree -Node $node | Where-Object Path -notlike 'var/lib/crips*' | Should -BeNullOrEmpty
        & systemctl is-enabled docker | Should -Be 'enabled'
        & systemctl is-active docker | Should -Be 'active'

        # 2. Killed there again, then run again: the same end state as an uninterrupted run.
        Get-CripsNodeSystemctlLog -Node $node -Clear | Out-Null
        Stop-ConversionWhen { @(Get-CripsNodeSystemctlLog -Node $node) -contains 'disable --now docker.service' } | Should -BeTrue
        (Convert-DockerNodeToContainerd @p -Force).Outcome | Should -Be 'Converted'
        Get-TreeHashes | Should -Be $converted
        & systemctl is-enabled docker | Should -Be 'masked'

        # 3. Killed while the images stream into containerd (they were removed there first, so there is work to do),
        # then rolled back, then (4.) killed there again and run again.
        function Remove-MovedImages {
            $refs = @(& ctr -a $address -n k8s.io images ls -q)
            if ($refs) { & ctr -a $address -n k8s.io images rm --sync @refs *> $null }
        }
        (Convert-DockerNodeToContainerd -Root $p.Root -Rollback -Force).Outcome | Should -Be 'RolledBack'
        Remove-MovedImages
        Stop-ConversionWhen { $r = Get-Recorded; $r -and $r.Outcome -ne 'RolledBack' -and ($r.Steps | Where-Object Name -eq 'Images') } | Should -BeTrue
        (Convert-DockerNodeToContainerd -Root $p.Root -Rollback -Force).Outcome | Should -Be 'RolledBack'
        Compare-CripsNodeTree -Node $node | Where-Object Path -notlike 'var/lib/crips*' | Should -BeNullOrEmpty
        & systemctl is-enabled docker | Should -Be 'enabled'
        & systemctl is-active docker | Should -Be 'active'

        Remove-MovedImages
        Stop-ConversionWhen { $r = Get-Recorded; $r -and $r.Outcome -ne 'RolledBack' -and ($r.Steps | Where-Object Name -eq 'Images') } | Should -BeTrue
        (Get-Recorded).Steps | Where-Object Name -eq 'StopServices' | Should -BeNullOrEmpty -Because 'the kill landed inside Images'
        $final = Convert-DockerNodeToContainerd @p -Force
        $final.Outcome | Should -Be 'Converted'
        Get-TreeHashes | Should -Be $converted
        foreach ($tag in $tagged) { (Get-CriImage -RuntimeEndpoint $ep -Name $tag).Id | Should -Be $dockerIds[$tag] }
        @(& ctr -a $address -n k8s.io content active | Select-Object -Skip 1 | Where-Object { $_.Trim() }) | Should -BeNullOrEmpty -Because 'no half-written ingest is left'
        & systemctl is-enabled docker | Should -Be 'masked'
    }
}

Describe 'Convert-DockerNodeToContainerd on a node shaped as real nodes are: links, proxy files, a container outside Kubernetes, a proxy password' -Skip:([bool]$ConversionSkipReason) {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        Import-Module $PSScriptRoot/NodeFixture.psm1 -Force
        $savedPath = $env:PATH
        $node = Start-CripsNode -Style 1.28 -Directory /tmp/crips-node-shaped
        $env:PATH = "$($node.CRIPS_NODE_BIN):$savedPath"
        $root = $node.CRIPS_NODE_ROOT
        $p = @{ Root = $root; RuntimeEndpoint = $node.CRIPS_NODE_CONTAINERD_ENDPOINT; DockerEndpoint = $node.CRIPS_NODE_DOCKER_ENDPOINT }
        $canary = 'Canary-Pw-' + [guid]::NewGuid().ToString('N').Substring(0, 12)
        $certs = "$root/etc/docker/certs.d/registry.example.internal:5000"

        # containerd's config is managed elsewhere and linked in, by an absolute link: on this machine that target
        # (/etc/containerd/managed/...) does not exist, only below the node's root, as the node sees it.
        New-Item -ItemType Directory "$root/etc/containerd/managed" | Out-Null
        Move-Item "$root/etc/containerd/config.toml" "$root/etc/containerd/managed/config.toml"
        & chmod 0640 "$root/etc/containerd/managed/config.toml"
        # A version 2 config whose registry config_path is a list (containerd 2.x's default is one): the carried
        # hosts.toml files go to its first folder. (Without `version = 2` the file is version 1, where containerd
        # ignores tables named by full plugin id.)
        $managed = "$root/etc/containerd/managed/config.toml"
        [IO.File]::WriteAllText($managed, "version = 2`n" + ([IO.File]::ReadAllText($managed) -replace 'disabled_plugins = \["cri"\]', 'disabled_plugins = ["io.containerd.grpc.v1.cri"]') +
            "`n[plugins.`"io.containerd.grpc.v1.cri`".registry]`n  config_path = `"/etc/containerd/certs.d:/etc/docker/certs.d`"`n")
        & ln -s /etc/containerd/managed/config.toml "$root/etc/containerd/config.toml"
        # The kubelet's config lives in /etc/kubernetes (0600), linked in relatively.
        New-Item -ItemType Directory -Force "$root/etc/kubernetes" | Out-Null
        Move-Item "$root/var/lib/kubelet/config.yaml" "$root/etc/kubernetes/kubelet-config.yaml"
        & chmod 0600 "$root/etc/kubernetes/kubelet-config.yaml"
        & ln -s ../../../etc/kubernetes/kubelet-config.yaml "$root/var/lib/kubelet/config.yaml"
        # A client certificate whose key (0600) lives elsewhere, behind a relative link; a link to a file that is gone.
        New-Item -ItemType Directory "$root/etc/docker/pki" | Out-Null
        & openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$root/etc/docker/pki/client.key" `
            -subj '/CN=crips-client' -days 30 -out "$certs/client.cert" 2>$null
        & chmod 0600 "$root/etc/docker/pki/client.key"
        & ln -s ../../pki/client.key "$certs/client.key"
        & ln -s /etc/docker/pki/retired.crt "$certs/retired.crt"
        # The proxy comes from an environment file named by a drop-in, with a password.
        [IO.File]::WriteAllText("$root/etc/systemd/system/docker.service.d/proxy-file.conf", "[Service]`nEnvironmentFile=-/etc/default/docker-proxy`n")
        [IO.File]::WriteAllText("$root/etc/default/docker-proxy", "HTTPS_PROXY=`"http://crips:$canary@proxy.example:3128`"`n")
        & chmod 0600 "$root/etc/default/docker-proxy"
        # A container Docker runs outside Kubernetes (a local agent), labelled only for the harness to clean up.
        & docker -H $p.DockerEndpoint rm -f crips-local-agent *> $null
        & docker -H $p.DockerEndpoint run -d --name crips-local-agent --label io.crips.node=1 --network none `
            --ulimit "nofile=$(& bash -c 'ulimit -Hn'):$(& bash -c 'ulimit -Hn')" ($node.CRIPS_NODE_TAGGED_IMAGES -split ',')[0] `
            sh -c 'trap "exit 0" TERM; while :; do sleep 1; done' | Out-Null

        function Get-TreeState { Get-CripsNodeTreeState -Node $node }
        function Find-Canary([string[]] $Paths) {
            # Files below the paths that hold the password, except the two that must: Docker's and containerd's 0600 proxy files.
            & grep -rl --null -- $canary @Paths 2>$null | ForEach-Object { $_ -split "`0" } | Where-Object { $_ } |
                Where-Object { $_ -notin "$root/etc/default/docker-proxy", "$root/etc/containerd/proxy.env" }
        }
        $script:before = Get-TreeState
    }
    AfterAll {
        $env:PATH = $savedPath
        if ($node) { Stop-CripsNode -Node $node -Purge }
    }

    It '-WhatIf names the container outside Kubernetes and the broken link, and shows no password' {
        $out = Invoke-CripsConversionWhatIf -Node $node -Pwsh (Get-PwshCommand) -Tail '-Verbose *>&1 | Out-String -Width 300'

        $out | Should -Match 'Report Error: crips-local-agent\s+DockerContainerNotKubernetes'
        $out | Should -Match 'Report Warning: /etc/docker/certs.d/registry.example.internal:5000/retired.crt\s+CertificateLinkBroken'
        $out | Should -Match ([regex]::Escape('+HTTPS_PROXY="http://crips:***@proxy.example:3128"'))
        $out | Should -Match ([regex]::Escape('[ContainerdConfig] Edit file: /etc/containerd/config.toml'))
        $out | Should -Not -Match $canary
        Get-TreeState | Should -Be $before
    }

    It 'refuses a registry name that would leave certs.d, before any change' {
        $daemonJson = [IO.File]::ReadAllBytes("$root/etc/docker/daemon.json")
        try {
            $json = [Text.Encoding]::UTF8.GetString($daemonJson) -replace '"insecure-registries": \[', '"insecure-registries": ["..:5000", '
            [IO.File]::WriteAllText("$root/etc/docker/daemon.json", $json)
            $report = Convert-DockerNodeToContainerd @p -Force -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        } finally {
            [IO.File]::WriteAllBytes("$root/etc/docker/daemon.json", $daemonJson)
        }
        $report.Outcome | Should -Be 'Refused'
        $finding = $report.Findings | Where-Object Id -eq 'RegistryNameInvalid'
        $finding.Severity | Should -Be 'Error'
        $finding.Message | Should -Match ([regex]::Escape('"..:5000"'))
        Test-Path "$root/etc/containerd/hosts.toml" | Should -BeFalse
        Get-TreeState | Should -Be $before
    }

    It 'refuses a kubelet and containerd that cannot work together, before any change' {
        # containerd 2.x serves no CRI v1alpha2, all a kubelet up to 1.22 speaks; Kubernetes 1.36 needs containerd 2.
        $kubelet = if ([version]$node.CRIPS_NODE_CONTAINERD_VERSION -ge [version]'2.0') { '1.22.17' } else { '1.36.0' }
        $report = Convert-DockerNodeToContainerd @p -KubeletVersion $kubelet -Force -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $report.Outcome | Should -Be 'Refused'
        $finding = $report.Findings | Where-Object Id -eq 'KubeletContainerdIncompatible'
        $finding.Severity | Should -Be 'Error'
        $finding.Message | Should -Match "kubelet $([regex]::Escape($kubelet))"
        Get-TreeState | Should -Be $before
    }

    It 'converts through the links, keeps every mode, carries the proxy in a root-only file, and stops the accepted container' {
        $script:report = Convert-DockerNodeToContainerd @p -Force -AcceptFinding DockerContainerNotKubernetes -Verbose -WarningAction SilentlyContinue 4>&1 |
            Tee-Object -Variable verbose | Where-Object { $_ -is [CriPS.ConversionReport] }
        $report.Outcome | Should -Be 'Converted'
        ($report.Findings | Where-Object Id -eq 'DockerContainerNotKubernetes').Accepted | Should -BeTrue

        # The link is a link still, to the same target; the target took the edit and kept 0640.
        (Get-Item "$root/etc/containerd/config.toml").LinkTarget | Should -Be '/etc/containerd/managed/config.toml'
        & stat -c '%a' "$root/etc/containerd/managed/config.toml" | Should -Be '640'
        Get-Content -Raw "$root/etc/containerd/managed/config.toml" | Should -Match '(?m)^disabled_plugins = \[\]$'
        (Get-CriRuntimeInfo -RuntimeEndpoint $p.RuntimeEndpoint).RuntimeReady | Should -BeTrue
        (Get-Item "$root/var/lib/kubelet/config.yaml").LinkTarget | Should -Be '../../../etc/kubernetes/kubelet-config.yaml'
        & stat -c '%a' "$root/etc/kubernetes/kubelet-config.yaml" | Should -Be '600'
        Get-Content -Raw "$root/etc/kubernetes/kubelet-config.yaml" | Should -Match 'containerRuntimeEndpoint: unix:///run/containerd/containerd.sock'
        # The key behind the relative link was carried with the key's mode, not the link's 0777.
        $carried = "$root/etc/containerd/certs.d/registry.example.internal:5000"
        & stat -c '%F %a' "$carried/client.key" | Should -Be 'regular file 600'
        (Get-FileHash "$carried/client.key").Hash | Should -Be (Get-FileHash "$root/etc/docker/pki/client.key").Hash
        Test-Path "$carried/retired.crt" | Should -BeFalse
        Get-Content -Raw "$root/etc/containerd/managed/config.toml" | Should -Match ([regex]::Escape('config_path = "/etc/containerd/certs.d:/etc/docker/certs.d"'))
        @(Get-ChildItem "$root/etc/containerd" -Filter 'certs.d:*') | Should -BeNullOrEmpty -Because 'the list is not one folder name'
        Get-Content -Raw "$carried/hosts.toml" | Should -Match ([regex]::Escape('client = [["/etc/containerd/certs.d/registry.example.internal:5000/client.cert", "/etc/containerd/certs.d/registry.example.internal:5000/client.key"]]'))
        # The proxy from the environment file reached containerd, in a file only root reads.
        & stat -c '%a %u' "$root/etc/containerd/proxy.env" | Should -Be '600 0'
        Get-Content -Raw "$root/etc/containerd/proxy.env" | Should -Match ([regex]::Escape("HTTPS_PROXY=`"http://crips:$canary@proxy.example:3128`""))
        ($report.CarriedSettings | Where-Object Setting -eq 'docker proxy HTTPS_PROXY').Value | Should -Be 'http://crips:***@proxy.example:3128'
        # Stopped with Docker (live-restore), and named.
        & docker -H $p.DockerEndpoint inspect --format '{{.State.Running}}' crips-local-agent 2>$null | Should -Not -Be 'true'
        ($report.Steps | Where-Object Name -eq 'StopServices').Details | Should -Contain 'Docker container crips-local-agent stopped (live-restore)'

        # The password is nowhere else: not in the report, the verbose stream, the state, the backup, any other file, any process.
        $report | ConvertTo-Json -Depth 6 | Should -Not -Match $canary
        ($verbose | Out-String) | Should -Not -Match $canary
        Find-Canary $root | Should -BeNullOrEmpty
        & ps -eo args | Select-String $canary | Should -BeNullOrEmpty
        # No file the conversion wrote is readable by others unless its original was.
        foreach ($file in & find "$root/var/lib/crips" -type f) { & stat -c '%a' $file | Should -Match '^[0-7][0-7]0$' -Because $file }
    }

    It 'runs a pod from a moved image' {
        Invoke-CripsNodePod -Node $node -Word shaped | Should -Be "shaped`n"
    }

    It 'rolls back byte for byte: every link, mode and owner as it was' {
        (Convert-DockerNodeToContainerd -Root $root -Rollback -Force).Outcome | Should -Be 'RolledBack'
        Get-TreeState | Should -Be $before
        Find-Canary $root | Should -BeNullOrEmpty
    }
}

Describe 'Convert-DockerNodeToContainerd on a kubespray node: the kubelet''s flags in /etc/kubernetes/kubelet.env, a stale kubeadm-flags.env' -Skip:([bool]$ConversionSkipReason) {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        Import-Module $PSScriptRoot/NodeFixture.psm1 -Force
        $savedPath = $env:PATH
        $node = Start-CripsNode -Style 1.26 -Directory /tmp/crips-node-kubespray
        $env:PATH = "$($node.CRIPS_NODE_BIN):$savedPath"
        $root = $node.CRIPS_NODE_ROOT
        $p = @{ Root = $root; RuntimeEndpoint = $node.CRIPS_NODE_CONTAINERD_ENDPOINT; DockerEndpoint = $node.CRIPS_NODE_DOCKER_ENDPOINT }

        # kubespray's layout (roles/kubernetes/node): its own kubelet.service reads every flag from kubelet.env, whose
        # KUBELET_ARGS runs over several lines. kubeadm's drop-in is gone; its kubeadm-flags.env stays behind, stale:
        # the kubelet no longer reads it, so the conversion must not take it for the kubelet's flags.
        Remove-Item -Recurse -Force "$root/etc/systemd/system/kubelet.service.d"
        [IO.File]::WriteAllText("$root/etc/systemd/system/kubelet.service", (@(
            '[Unit]', 'Description=Kubernetes Kubelet Server', 'After=containerd.service', 'Wants=containerd.service', '',
            '[Service]', 'EnvironmentFile=-/etc/kubernetes/kubelet.env', 'ExecStart=/usr/local/bin/kubelet \',
            '		$KUBE_LOGTOSTDERR \', '		$KUBE_LOG_LEVEL \', '		$KUBELET_ADDRESS \', '		$KUBELET_HOSTNAME \',
            '		$KUBELET_ARGS \', '		$DOCKER_SOCKET \', '		$KUBELET_NETWORK_PLUGIN \', '		$KUBELET_CLOUDPROVIDER',
            'Restart=always', 'RestartSec=10s', '', '[Install]', 'WantedBy=multi-user.target', '') -join "`n"))
        New-Item -ItemType Directory -Force "$root/etc/kubernetes" | Out-Null
        $script:kubeletEnv = (@(
            'KUBE_LOGTOSTDERR="--logtostderr=true"', 'KUBE_LOG_LEVEL="--v=2"', 'KUBELET_ADDRESS="--node-ip=10.0.0.5"',
            'KUBELET_HOSTNAME="--hostname-override=crips-kubespray"', '',
            'KUBELET_ARGS="--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf \', '--kubeconfig=/etc/kubernetes/kubelet.conf \',
            '--config=/var/lib/kubelet/config.yaml \', '--container-runtime=remote \',
            '--container-runtime-endpoint=unix:///var/run/cri-dockerd.sock \',
            "--pod-infra-container-image=$($node.CRIPS_NODE_SANDBOX_IMAGE) \", '--runtime-cgroups=/systemd/system.slice \', '  "',
            'KUBELET_CLOUDPROVIDER=""', '', 'PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin', '') -join "`n")
        [IO.File]::WriteAllText("$root/etc/kubernetes/kubelet.env", $kubeletEnv)
        & chmod 0640 "$root/etc/kubernetes/kubelet.env"

        function Get-TreeState { Get-CripsNodeTreeState -Node $node }
        $script:before = Get-TreeState
        $script:staleFlags = Get-Content -Raw "$root/var/lib/kubelet/kubeadm-flags.env"
    }
    AfterAll {
        $env:PATH = $savedPath
        if ($node) { Stop-CripsNode -Node $node -Purge }
    }

    It 'converts the kubelet where its unit reads its flags: kubelet.env points at containerd, nothing else in it changed' {
        $script:report = Convert-DockerNodeToContainerd @p -Force -WarningAction SilentlyContinue
        $report.Outcome | Should -Be 'Converted'
        $report.From | Should -Be 'CriDockerd'
        $report.Findings | Where-Object Severity -eq 'Error' | Should -BeNullOrEmpty

        Get-Content -Raw "$root/etc/kubernetes/kubelet.env" |
            Should -BeExactly $kubeletEnv.Replace('unix:///var/run/cri-dockerd.sock', 'unix:///run/containerd/containerd.sock')
        & stat -c '%a %u' "$root/etc/kubernetes/kubelet.env" | Should -Be '640 0'
        ($report.Steps | Where-Object Name -eq 'Kubelet').Details | Should -Contain (
            '/etc/kubernetes/kubelet.env: /etc/kubernetes/kubelet.env KUBELET_ARGS: --container-runtime-endpoint unix:///var/run/cri-dockerd.sock -> unix:///run/containerd/containerd.sock')
        # The stale file is not the kubelet's: left as it was; the unit needed no change, so no daemon-reload for it.
        Get-Content -Raw "$root/var/lib/kubelet/kubeadm-flags.env" | Should -BeExactly $staleFlags
        (Get-TreeState | Where-Object { $_ -like 'etc/systemd/system/kubelet.service *' }) | Should -Be ($before | Where-Object { $_ -like 'etc/systemd/system/kubelet.service *' })
        (Get-CriRuntimeInfo -RuntimeEndpoint $p.RuntimeEndpoint).RuntimeReady | Should -BeTrue
        Get-Content -Raw "$root/etc/crictl.yaml" | Should -Match 'runtime-endpoint: unix:///run/containerd/containerd.sock'
    }

    It 'runs a pod from a moved image' {
        Invoke-CripsNodePod -Node $node -Word kubespray | Should -Be "kubespray`n"
    }

    It 'rolls back byte for byte: kubelet.env, the unit and every other entry as they were' {
        (Convert-DockerNodeToContainerd -Root $root -Rollback -Force).Outcome | Should -Be 'RolledBack'
        Get-TreeState | Should -Be $before
    }
}

Describe 'Convert-DockerNodeToContainerd with the kubelet''s runtime set in a drop-in of its own' -Skip:([bool]$ConversionSkipReason) {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        Import-Module $PSScriptRoot/NodeFixture.psm1 -Force
        $savedPath = $env:PATH
        $node = Start-CripsNode -Style 1.26 -Directory /tmp/crips-node-dropin
        $env:PATH = "$($node.CRIPS_NODE_BIN):$savedPath"
        $root = $node.CRIPS_NODE_ROOT
        $p = @{ Root = $root; RuntimeEndpoint = $node.CRIPS_NODE_CONTAINERD_ENDPOINT; DockerEndpoint = $node.CRIPS_NODE_DOCKER_ENDPOINT }
        $dropIn = "$root/etc/systemd/system/kubelet.service.d/20-runtime.conf"
        $execStart = 'ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS'
        # After kubeadm's 10-kubeadm.conf: its own variable, appended to kubeadm's command line.
        $script:dropInText = "# The runtime is set here, not in kubeadm-flags.env.`n[Service]`n" +
            "Environment=`"KUBELET_RUNTIME_ARGS=--container-runtime-endpoint=unix:///var/run/cri-dockerd.sock`"`nExecStart=`n$execStart `$KUBELET_RUNTIME_ARGS`n"
        [IO.File]::WriteAllText($dropIn, $dropInText)

        function Get-TreeState { Get-CripsNodeTreeState -Node $node }
        $script:before = Get-TreeState
    }
    AfterAll {
        $env:PATH = $savedPath
        if ($node) { Stop-CripsNode -Node $node -Purge }
    }

    It 'refuses a runtime endpoint written on ExecStart itself, naming the file, before any change' {
        try {
            [IO.File]::WriteAllText($dropIn, "[Service]`nExecStart=`n$execStart --container-runtime-endpoint=unix:///var/run/cri-dockerd.sock`n")
            $report = Convert-DockerNodeToContainerd @p -Force -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        } finally {
            [IO.File]::WriteAllText($dropIn, $dropInText)
        }
        $report.Outcome | Should -Be 'Refused'
        $inUnit = $report.Findings | Where-Object Id -eq 'KubeletFlagInUnit'
        $inUnit.Severity | Should -Be 'Error'
        $inUnit.Target | Should -Be '/etc/systemd/system/kubelet.service.d/20-runtime.conf'
        $inUnit.Message | Should -Match ([regex]::Escape('--container-runtime-endpoint unix:///var/run/cri-dockerd.sock -> unix:///run/containerd/containerd.sock'))
        $still = $report.Findings | Where-Object Id -eq 'KubeletStillOnDocker'
        $still.Severity | Should -Be 'Error'
        $still.Message | Should -Match ([regex]::Escape('set by /etc/systemd/system/kubelet.service.d/20-runtime.conf ExecStart'))
        Get-TreeState | Should -Be $before
    }

    It 'rewrites the drop-in''s Environment= line in place and reloads systemd before the kubelet starts' {
        Get-CripsNodeSystemctlLog -Node $node -Clear | Out-Null
        $report = Convert-DockerNodeToContainerd @p -Force -WarningAction SilentlyContinue
        $report.Outcome | Should -Be 'Converted'

        Get-Content -Raw $dropIn | Should -BeExactly $dropInText.Replace('unix:///var/run/cri-dockerd.sock', 'unix:///run/containerd/containerd.sock')
        Get-Content -Raw "$root/var/lib/kubelet/kubeadm-flags.env" | Should -Match ([regex]::Escape('--container-runtime-endpoint=unix:///run/containerd/containerd.sock'))
        ($report.Steps | Where-Object Name -eq 'Kubelet').Details | Should -Contain (
            '/etc/systemd/system/kubelet.service.d/20-runtime.conf: /etc/systemd/system/kubelet.service.d/20-runtime.conf Environment=KUBELET_RUNTIME_ARGS: ' +
            '--container-runtime-endpoint unix:///var/run/cri-dockerd.sock -> unix:///run/containerd/containerd.sock')
        # One reload for containerd's proxy drop-in, one for the kubelet's drop-in; both before the kubelet starts.
        $log = @(Get-CripsNodeSystemctlLog -Node $node | Where-Object { $_ -notlike 'is-*' })
        @($log | Where-Object { $_ -eq 'daemon-reload' }).Count | Should -Be 2
        [array]::LastIndexOf($log, 'daemon-reload') | Should -BeLessThan ([array]::IndexOf($log, 'start kubelet'))
        [array]::IndexOf($log, 'daemon-reload') | Should -BeGreaterThan ([array]::IndexOf($log, 'stop kubelet'))
    }

    It 'rolls back byte for byte, reloading systemd for the restored drop-in' {
        Get-CripsNodeSystemctlLog -Node $node -Clear | Out-Null
        (Convert-DockerNodeToContainerd -Root $root -Rollback -Force).Outcome | Should -Be 'RolledBack'
        Get-TreeState | Should -Be $before
        Get-CripsNodeSystemctlLog -Node $node | Should -Contain 'daemon-reload'
    }
}

Describe 'Convert-DockerNodeToContainerd writes the kubelet files for the kubelet''s version' -Skip:([bool]$ConversionSkipReason) {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        Import-Module $PSScriptRoot/NodeFixture.psm1 -Force
        $savedPath = $env:PATH
    }
    AfterAll { $env:PATH = $savedPath }

    It 'kubelet <Style> (<From>)' -ForEach @(
        @{ Style = '1.23'; From = 'Dockershim'; Flags = 'KUBELET_KUBEADM_ARGS="--container-runtime=remote --container-runtime-endpoint=unix:///run/containerd/containerd.sock --pod-infra-container-image={0}"'; Endpoint = $null }
        @{ Style = '1.28'; From = 'CriDockerd'; Flags = 'KUBELET_KUBEADM_ARGS="--pod-infra-container-image={0}"'; Endpoint = 'containerRuntimeEndpoint: unix:///run/containerd/containerd.sock' }
    ) {
        # -Fresh: a node a killed run left behind (its config.toml already removed below) would not start.
        $node = Start-CripsNode -Style $Style -Directory "/tmp/crips-node-conv$($Style -replace '\.')" -Fresh
        try {
            $env:PATH = "$($node.CRIPS_NODE_BIN):$savedPath"
            # The 1.28 node's containerd has no config file: the conversion writes one in the version it reads natively.
            if ($Style -eq '1.28') { Remove-Item "$($node.CRIPS_NODE_ROOT)/etc/containerd/config.toml" }
            $report = Convert-DockerNodeToContainerd -Root $node.CRIPS_NODE_ROOT -RuntimeEndpoint $node.CRIPS_NODE_CONTAINERD_ENDPOINT `
                -DockerEndpoint $node.CRIPS_NODE_DOCKER_ENDPOINT -MigrateImages None -Force -WarningAction SilentlyContinue -ErrorAction Stop
            $report.Outcome | Should -Be 'Converted'
            $report.From | Should -Be $From
            $root = $node.CRIPS_NODE_ROOT
            Get-Content -Raw "$root/var/lib/kubelet/kubeadm-flags.env" | Should -BeExactly (($Flags -f $node.CRIPS_NODE_SANDBOX_IMAGE) + "`n")
            $config = Get-Content -Raw "$root/var/lib/kubelet/config.yaml"
            if ($Endpoint) { $config | Should -Match ([regex]::Escape($Endpoint)) } else { $config | Should -Not -Match 'containerRuntimeEndpoint' }
            # The sandbox image came from Docker: -MigrateImages None moves nothing, so containerd pulls it.
            (Get-CriRuntimeInfo -RuntimeEndpoint $node.CRIPS_NODE_CONTAINERD_ENDPOINT).RuntimeReady | Should -BeTrue
            if ($Style -eq '1.28') {
                $containerd = [version]$node.CRIPS_NODE_CONTAINERD_VERSION
                $native = if ($containerd -lt [version]'2.0') { 2 } elseif ($containerd -lt [version]'2.3') { 3 } else { 4 }
                Get-Content -Raw "$root/etc/containerd/config.toml" | Should -Match "(?m)^version = $native$" -Because "containerd $containerd reads version $native without migrating"
            }
            if ($Style -eq '1.23') {
                # dockershim's --cni-* flags moved into containerd's config.
                Get-Content -Raw "$root/etc/containerd/config.toml" | Should -Match 'bin_dir = "/opt/cni/bin"'
            }
        } finally {
            $env:PATH = $savedPath
            Stop-CripsNode -Node $node -Purge
        }
    }
}

Describe 'Convert-DockerNodeToContainerd -KubeConfig: cordon, drain and uncordon through the Kubernetes API' -Skip:([bool]$ConversionSkipReason) {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        Import-Module $PSScriptRoot/NodeFixture.psm1 -Force
        # A stand-in answers for the API server, since none can run here (KubeApiStandIn.psm1).
        Import-Module $PSScriptRoot/KubeApiStandIn.psm1 -Force
        $savedPath = $env:PATH
        $node = Start-CripsNode -Style 1.26 -Directory /tmp/crips-node-kube
        $env:PATH = "$($node.CRIPS_NODE_BIN):$savedPath"
        $api = Start-KubeApiStandIn -NodeName node-a -Directory $node.CRIPS_NODE_DIR `
            -Annotations @{ 'kubeadm.alpha.kubernetes.io/cri-socket' = 'unix:///var/run/cri-dockerd.sock' } `
            -Pods @{ Namespace = 'default'; Name = 'web' }, @{ Namespace = 'kube-system'; Name = 'kube-proxy-x'; DaemonSet = $true }
    }
    AfterAll {
        $env:PATH = $savedPath
        if ($api) { $api.Stop() }
        if ($node) { Stop-CripsNode -Node $node -Purge }
    }

    It 'cordons and drains before the services stop, and uncordons with the annotation fixed at the end' {
        $report = Convert-DockerNodeToContainerd -Root $node.CRIPS_NODE_ROOT -RuntimeEndpoint $node.CRIPS_NODE_CONTAINERD_ENDPOINT `
            -DockerEndpoint $node.CRIPS_NODE_DOCKER_ENDPOINT -KubeConfig $api.KubeConfig -NodeName node-a -Force -WarningAction SilentlyContinue
        $report.Outcome | Should -Be 'Converted'
        ($report.Steps | Where-Object Name -eq 'Drain').Status | Should -Be 'Done'
        ($report.Steps | Where-Object Name -eq 'Drain').Details | Should -Contain 'evicted default/web (no controller: it is not recreated)'
        ($report.Steps | Where-Object Name -eq 'Drain').Details | Should -Contain 'skipped kube-system/kube-proxy-x (DaemonSet)'
        ($report.Steps | Where-Object Name -eq 'Uncordon').Status | Should -Be 'Done'
        $report.ManualSteps | Should -Not -Match 'kubectl'

        $writes = $api.Requests | Where-Object Method -ne 'GET'
        $writes.Method | Should -Be @('PATCH', 'POST', 'PATCH')
        $writes[0].Body | Should -Be '{"spec":{"unschedulable":true}}'
        $writes[1].Path | Should -Be '/api/v1/namespaces/default/pods/web/eviction'
        $writes[2].Body | Should -Match '"unschedulable":null'
        $api.Node.metadata.annotations['kubeadm.alpha.kubernetes.io/cri-socket'] | Should -Be 'unix:///run/containerd/containerd.sock'
        $api.Node.spec.ContainsKey('unschedulable') | Should -BeFalse
        $report | ConvertTo-Json -Depth 5 | Should -Not -Match $api.Token
    }
}
