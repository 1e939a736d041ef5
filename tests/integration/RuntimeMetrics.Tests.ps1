BeforeDiscovery {
    . $PSScriptRoot/TestFixture.ps1
    # containerd serves ListMetricDescriptors and ListPodSandboxMetrics from 2.2 on; 1.6, 1.7, 2.0 and 2.1 answer
    # Unimplemented, as cri-dockerd does. CRI-O serves them (its own context below).
    $MetricsServed = $RuntimeName -eq 'containerd' -and $RuntimeVersion -ge [version]'2.2'
    $MetricsRefused = ($RuntimeName -eq 'containerd' -and $RuntimeVersion -lt [version]'2.2') -or $RuntimeName -eq 'docker'
    $NoLocalProc = $Endpoint -notmatch '^(unix://)?/' -or (& id -u) -ne '0'
}

Describe 'Get-CriMetricDescriptor and Get-CriPodMetric' -Skip:$NoRuntime {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        $PSDefaultParameterValues['*-Cri*:RuntimeEndpoint'] = $Endpoint
    }

    Context 'on a runtime that does not serve metrics' -Skip:(-not $MetricsRefused) {
        It '<Command> fails with CriMetricsNotSupported' -ForEach @(@{ Command = 'Get-CriMetricDescriptor' }, @{ Command = 'Get-CriPodMetric' }) {
            $e = Get-ErrorRecord { & $Command }
            $e.FullyQualifiedErrorId | Should -BeLike "CriMetricsNotSupported,*"
            $e.CategoryInfo.Category | Should -Be 'NotImplemented'
            $e.Exception.StatusCode | Should -Be 'Unimplemented'
            $e.Exception.Message | Should -BeLike "*($RuntimeName $RuntimeVersion*"
        }
    }

    Context 'on a runtime that serves metrics' -Skip:(-not $MetricsServed) {
        BeforeAll {
            $prefix = New-TestPrefix
            $null = Invoke-CriImagePull -Image $TestImage
            $pod = New-CriPod "$prefix-m" -Namespace $prefix -LogDirectory (New-TestLogDirectory "$prefix-m")
            $other = New-CriPod "$prefix-o" -Namespace $prefix -LogDirectory (New-TestLogDirectory "$prefix-o")
            $c = $pod | New-CriContainer sleeper $TestImage -Command sleep -Argument 3600
            $c | Start-CriContainer
            $descriptors = Get-CriMetricDescriptor
        }
        AfterAll { Remove-TestPods $prefix }

        It 'lists the descriptors with their label keys' {
            $descriptors[0].PSObject.TypeNames[0] | Should -Be 'CriPS.MetricDescriptor'
            $memory = $descriptors | Where-Object Name -eq 'container_memory_usage_bytes'
            $memory.Help | Should -Not -BeNullOrEmpty
            $memory.LabelKeys | Should -Be @('pod', 'namespace', 'container', 'id', 'image')
            (Get-CriMetricDescriptor -Name 'container_memory_*').Name | Sort-Object |
                Should -Be ($descriptors.Name | Where-Object { $_ -like 'container_memory_*' } | Sort-Object)
        }
        It 'reports the samples of the pods asked for (pipeline), with labels named by the descriptors' {
            $samples = Get-CriPod -Id $pod.Id | Get-CriPodMetric
            $samples[0].PSObject.TypeNames[0] | Should -Be 'CriPS.PodMetric'
            $samples.PodId | Select-Object -Unique | Should -Be $pod.Id
            $samples | ForEach-Object { $_.Name | Should -BeIn $descriptors.Name }
            $mine = $samples | Where-Object ContainerId -eq $c.Id
            $mine | Should -Not -BeNullOrEmpty
            $usage = $mine | Where-Object Name -eq 'container_memory_usage_bytes'
            $usage.Labels['pod'] | Should -Be "$prefix-m"
            $usage.Labels['namespace'] | Should -Be $prefix
            $usage.Labels['container'] | Should -Be 'sleeper'
            $usage.Type | Should -Be 'Gauge'
            $usage.Timestamp.Kind | Should -Be 'Utc'
            ([datetime]::UtcNow - $usage.Timestamp).TotalMinutes | Should -BeLessThan 5
        }
        It 'reports the container''s memory as its cgroup counts it' -Skip:$NoLocalProc {
            $processId = (Get-CriContainer -Id $c.Id -Detailed).Pid
            $line = Get-Content "/proc/$processId/cgroup" | Where-Object { $_ -match '^\d+:(?:[^:]*,)?memory(?:,[^:]*)?:(.*)$' } | Select-Object -First 1
            $file = if ($line) { "/sys/fs/cgroup/memory$($Matches[1])/memory.usage_in_bytes" }
                    else { "/sys/fs/cgroup$((Get-Content "/proc/$processId/cgroup" | Where-Object { $_ -match '^0::(.*)$' }) -replace '^0::')/memory.current" }
            $before = [long](Get-Content $file)
            $value = (Get-CriPodMetric -PodId $pod.Id -Name container_memory_usage_bytes | Where-Object ContainerId -eq $c.Id).Value
            $after = [long](Get-Content $file)
            # A sleeping container's usage barely moves; the sample lies within what the cgroup said around it.
            $value | Should -BeGreaterOrEqual ([Math]::Min($before, $after) - 256KB)
            $value | Should -BeLessOrEqual ([Math]::Max($before, $after) + 256KB)
        }
        It 'reports the pod''s network counters as the pod''s network namespace counts them' -Skip:$NoLocalProc {
            $processId = (Get-CriContainer -Id $c.Id -Detailed).Pid
            function Get-RxBytes { ((Get-Content "/proc/$processId/net/dev" | Where-Object { $_ -match '^\s*eth0:' }) -split '[:\s]+' | Where-Object { $_ })[1] }
            $before = [long](Get-RxBytes)
            $rx = Get-CriPodMetric -PodId $pod.Id -Name container_network_receive_bytes_total | Where-Object { -not $_.ContainerId }
            $after = [long](Get-RxBytes)
            $rx.Labels['interface'] | Should -Be 'eth0'
            $rx.Value | Should -BeGreaterOrEqual $before
            $rx.Value | Should -BeLessOrEqual $after
        }
        It 'keeps only the pods asked for and writes CriPodNotFound for an unknown one' {
            $samples = Get-CriPodMetric -PodId $other.Id.Substring(0, 12), 'ffffeeee0000' -ErrorVariable errs -ErrorAction SilentlyContinue
            $samples.PodId | Select-Object -Unique | Should -Be $other.Id
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'CriPodNotFound,*'
        }
    }

    Context 'on CRI-O' -Skip:($RuntimeName -ne 'cri-o') {
        BeforeAll {
            $prefix = New-TestPrefix
            $null = Invoke-CriImagePull -Image $TestImage
            $pod = New-CriPod "$prefix-m" -Namespace $prefix -LogDirectory (New-TestLogDirectory "$prefix-m")
            $c = $pod | New-CriContainer sleeper $TestImage -Command sleep -Argument 3600
            $c | Start-CriContainer
        }
        AfterAll { Remove-TestPods $prefix }

        It 'lists container_last_seen, which CRI-O serves whatever included_pod_metrics says, and samples it for the pod asked for' {
            # CRI-O 1.36 (internal/lib/statsserver): always on, the Unix time at which it last saw the container.
            $descriptor = Get-CriMetricDescriptor -Name container_last_seen
            $descriptor.LabelKeys | Should -Contain 'id'
            $sample = Get-CriPod -Id $pod.Id | Get-CriPodMetric -Name container_last_seen | Where-Object ContainerId -eq $c.Id
            $sample | Should -HaveCount 1
            $sample.PodId | Should -Be $pod.Id
            $sample.Labels['id'] | Should -Be $c.Id
            $sample.Labels['namespace'] | Should -Be $prefix
            $sample.Type | Should -Be 'Gauge'
            $seen = [DateTimeOffset]::FromUnixTimeSeconds([long]$sample.Value).UtcDateTime
            ([datetime]::UtcNow - $seen).TotalMinutes | Should -BeLessThan 10
            $seen | Should -BeGreaterOrEqual $c.CreatedAt.ToUniversalTime().AddSeconds(-1)
        }
    }
}

Describe 'Runtime configuration' -Skip:$NoRuntime {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        $PSDefaultParameterValues['*-Cri*:RuntimeEndpoint'] = $Endpoint
        $log = if ($IsPrivateRuntime) { Join-Path $env:CRIPS_RUNTIME_DIR 'log/containerd.log' }
    }

    It 'reports the cgroup driver that containerd''s config file sets (crictl runtime-config)' -Skip:(-not $IsPrivateRuntime) {
        # The private runtime's config names the runc runtime's SystemdCgroup; RuntimeConfig (1.7+) or the verbose status (1.6) tell it.
        $systemd = (Select-String -LiteralPath (Join-Path $env:CRIPS_RUNTIME_DIR 'containerd.toml') -Pattern '^\s*SystemdCgroup\s*=\s*(true|false)').Matches[0].Groups[1].Value
        (Get-CriRuntimeInfo).CgroupDriver | Should -Be ($systemd -eq 'true' ? 'systemd' : 'cgroupfs')
    }
    It 'sends the pod CIDR: containerd receives it and, without a conf_template, only logs it' -Skip:(-not $IsPrivateRuntime) {
        # containerd returns at once for an empty CIDR; with one and no conf_template it logs this line (1.6 to 2.3).
        $pattern = 'No cni config template is specified'
        $before = @(Select-String -LiteralPath $log -Pattern $pattern -SimpleMatch).Count
        Set-CriRuntimeConfig -PodCidr 10.244.7.0/24, 'fd00:10:244:7::/64'
        $deadline = [datetime]::UtcNow.AddSeconds(5)
        while (@(Select-String -LiteralPath $log -Pattern $pattern -SimpleMatch).Count -eq $before -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        @(Select-String -LiteralPath $log -Pattern $pattern -SimpleMatch).Count | Should -Be ($before + 1)
        # The CNI network the other tests use is untouched: containerd wrote no config of its own.
        Test-Path (Join-Path (Get-CriRuntimeInfo).CniConfDir '10-containerd-net.conflist') | Should -BeFalse
    }
    It 'sends nothing with -WhatIf' -Skip:(-not $IsPrivateRuntime) {
        $pattern = 'No cni config template is specified'
        $before = @(Select-String -LiteralPath $log -Pattern $pattern -SimpleMatch).Count
        Set-CriRuntimeConfig -PodCidr 10.244.8.0/24 -WhatIf
        # A real call after it: containerd logs each call before it answers, so once this one is logged, the -WhatIf
        # one would be too, had it been sent.
        Set-CriRuntimeConfig -PodCidr 10.244.9.0/24
        $deadline = [datetime]::UtcNow.AddSeconds(5)
        while (@(Select-String -LiteralPath $log -Pattern $pattern -SimpleMatch).Count -eq $before -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        @(Select-String -LiteralPath $log -Pattern $pattern -SimpleMatch).Count | Should -Be ($before + 1)
    }
    It 'refuses <Cidr> before calling the runtime' -ForEach @(
        @{ Cidr = '10.244.1.0/33' }, @{ Cidr = '10.244.1.0' }, @{ Cidr = '10.244/16' }, @{ Cidr = 'fd00::/129' }, @{ Cidr = 'example/24' }
        @{ Cidr = '10.1.0.0/16,10.2.0.0/16' }
    ) {
        $e = Get-ErrorRecord { Set-CriRuntimeConfig -PodCidr $Cidr -RuntimeEndpoint unix:///nonexistent/crips.sock }
        $e.FullyQualifiedErrorId | Should -BeLike 'CriInvalidPodCidr,*'
        $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }
}
