BeforeDiscovery {
    . $PSScriptRoot/TestFixture.ps1
    # Runtimes that measure no pod here, said as they are.
    $PodStatsSkipReason = switch ($RuntimeName) {
        'docker' { 'cri-dockerd does not implement ListPodSandboxStats (the cmdlet says CriPodStatsNotSupported)' }
        'cri-o' { 'CRI-O 1.36 with the cgroupfs manager measures a pod only when its cgroup parent is a systemd slice name ("invalid slice name" in its log)' }
    }
}

Describe 'Get-CriContainerStats and Get-CriPodStats' -Skip:$NoRuntime {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        $PSDefaultParameterValues['*-Cri*:RuntimeEndpoint'] = $Endpoint
        $prefix = New-TestPrefix
        $cgroupParent = $null
        function Remove-TestCgroup([string] $Parent) {
            # The runtime creates the pod's cgroup parent but leaves it behind; remove the empty folders, deepest first.
            # Only a runtime on this machine made it, and only root may remove it.
            if (-not $Parent -or $Endpoint -notmatch '^(unix://)?/' -or (& id -u) -ne '0') { return }
            $roots = @(Get-ChildItem /sys/fs/cgroup -Directory -ErrorAction SilentlyContinue) + @(Get-Item /sys/fs/cgroup)
            foreach ($root in $roots) {
                $dir = Join-Path $root.FullName $Parent.TrimStart('/')
                if (-not (Test-Path -LiteralPath $dir)) { continue }
                $all = @(Get-ChildItem -LiteralPath $dir -Directory -Recurse) + @(Get-Item -LiteralPath $dir)
                $all | Sort-Object { $_.FullName.Length } -Descending | ForEach-Object {
                    try { [IO.Directory]::Delete($_.FullName) } catch { Write-Warning "Cannot remove cgroup $($_.FullName): $_" }
                }
            }
        }

        $null = Invoke-CriImagePull -Image $TestImage

        # containerd 1.6 measures a pod only through its cgroup parent, which the kubelet always sets.
        # Only the cgroupfs form (a path) is built here; under systemd the pod-level checks are skipped.
        $runtime = Get-CriRuntimeInfo
        $cgroupParent = if ($runtime.CgroupDriver -ne 'systemd') { "/$prefix-stats" }
        $podArgs = @{ Namespace = $prefix; LogDirectory = (New-TestLogDirectory "$prefix-stats") }
        if ($cgroupParent) { $podArgs.CgroupParent = $cgroupParent }
        $pod = New-CriPod "$prefix-stats" @podArgs

        # Two spinning loops held to half a core by a CFS quota: clearly busy, at a steady rate the test can compare with
        # the cgroup's own counter, and the other half of the node's CPUs stays free for other work.
        $busy = $pod | New-CriContainer busy -Config @{
            image = @{ image = $TestImage }; command = @('sh', '-c', 'while :; do :; done & while :; do :; done')
            linux = @{ resources = @{ cpu_period = 100000; cpu_quota = 50000 } }
        }
        $busy | Start-CriContainer
        $idle = $pod | New-CriContainer idle $TestImage -Command sleep -Argument 3600
        $idle | Start-CriContainer
        $waiting = $pod | New-CriContainer waiting $TestImage -Command true

        # A pod without a cgroup parent, as New-CriPod makes by default.
        $plain = New-CriPod "$prefix-plain" -Namespace $prefix -LogDirectory (New-TestLogDirectory "$prefix-plain")

    }
    AfterAll {
        Remove-TestPods $prefix
        Remove-TestCgroup $cgroupParent
    }

    It 'measures a busy and an idle container: memory for both, CPU clearly higher for the busy one' {
        $stats = Get-CriContainerStats -PodId $pod.Id
        $stats.ContainerId | Sort-Object | Should -Be (@($busy.Id, $idle.Id) | Sort-Object)
        $b = $stats | Where-Object ContainerId -eq $busy.Id
        $i = $stats | Where-Object ContainerId -eq $idle.Id
        foreach ($s in $b, $i) {
            $s.PSObject.TypeNames[0] | Should -Be 'CriPS.ContainerStats'
            $s.MemoryWorkingSetBytes | Should -BeGreaterThan 4KB
            $s.MemoryWorkingSetBytes | Should -BeLessThan 256MB
            $s.CpuUsageCoreNanoSeconds | Should -BeGreaterThan 0
            $s.Timestamp.Kind | Should -Be 'Utc'
            $s.PodId | Should -Be $pod.Id
            $s.PodName | Should -Be "$prefix-stats"
            $s.PodNamespace | Should -Be $prefix
            $s.State | Should -Be 'Running'
        }
        $b.Name | Should -Be 'busy'
        $i.Name | Should -Be 'idle'
        $b.CpuPercent | Should -BeGreaterThan 20
        $i.CpuPercent | Should -BeLessThan 20
    }
    It 'reports the writable layer once the runtime has measured it' -Skip:(-not $IsPrivateRuntime) {
        # containerd measures writable layers in the background, every 10 s: a new container has no figures at first.
        $deadline = [datetime]::UtcNow.AddSeconds(30)
        do {
            $b = Get-CriContainerStats -Id $busy.Id -SampleInterval 0.1
            if ($null -ne $b.WritableLayerUsedBytes) { break }
            Start-Sleep -Milliseconds 500
        } while ([datetime]::UtcNow -lt $deadline)
        $b.WritableLayerUsedBytes | Should -BeGreaterThan 0
        $b.WritableLayerInodesUsed | Should -BeGreaterThan 0
        $b.WritableLayerMountpoint | Should -Not -BeNullOrEmpty
    }
    It 'reports the CPU time the container''s cgroup counted, and its rate over the interval' -Skip:($Endpoint -notmatch '^(unix://)?/') {
        # The cgroup of the container's process, as /proc names it, and its CPU counter in nanoseconds: cpuacct.usage
        # (cgroup v1) or usage_usec in cpu.stat (v2).
        $lines = Get-Content "/proc/$((Get-CriContainer -Id $busy.Id -Detailed).Pid)/cgroup"
        $v1 = $lines | Where-Object { $_ -match '^\d+:(?:[^:]*,)?cpuacct(?:,[^:]*)?:(.*)$' } | ForEach-Object { $Matches[1] }
        $read = if ($v1) {
            $file = Get-Item '/sys/fs/cgroup/cpuacct', '/sys/fs/cgroup/cpu,cpuacct', '/sys/fs/cgroup/cpuacct,cpu' -ErrorAction SilentlyContinue |
                ForEach-Object { Join-Path $_.FullName "$v1/cpuacct.usage" } | Where-Object { Test-Path $_ } | Select-Object -First 1
            { [long](Get-Content -LiteralPath $file) }
        } else {
            $v2 = ($lines | Where-Object { $_ -like '0::*' }).Substring(3)
            $file = "/sys/fs/cgroup$v2/cpu.stat"
            { 1000 * [long]((Get-Content -LiteralPath $file | Where-Object { $_ -like 'usage_usec *' }) -split ' ')[1] }
        }
        $file | Should -Exist
        $before = & $read
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $s = Get-CriContainerStats -Id $busy.Id -SampleInterval 1
        $watch.Stop()
        $after = & $read
        # The runtime reads the same counter: its figure lies between the test's readings around the call.
        $s.CpuUsageCoreNanoSeconds | Should -BeGreaterOrEqual $before
        $s.CpuUsageCoreNanoSeconds | Should -BeLessOrEqual $after
        # Over the call, which holds the sample interval and little more, the counter grew at the rate the sample says
        # (the quota keeps it steady near 50 %; the call's own overhead and the 100 ms quota periods stay within 10 points).
        $cgroupPercent = ($after - $before) / ($watch.Elapsed.Ticks * 100) * 100
        $cgroupPercent | Should -BeGreaterThan 20
        $s.CpuPercent | Should -BeGreaterThan ($cgroupPercent - 10)
        $s.CpuPercent | Should -BeLessThan ($cgroupPercent + 10)
    }
    It 'takes containers from Get-CriContainer, and pods from Get-CriPod, through the pipeline' {
        (Get-CriContainer -PodId $pod.Id | Get-CriContainerStats -SampleInterval 0.2).ContainerId | Sort-Object |
            Should -Be (@($busy.Id, $idle.Id) | Sort-Object)
        (Get-CriPod -Id $pod.Id | Get-CriContainerStats -SampleInterval 0.2).ContainerId | Sort-Object |
            Should -Be (@($busy.Id, $idle.Id) | Sort-Object)
        (Get-CriContainerStats $busy.Id.Substring(0, 12) -SampleInterval 0.2).ContainerId | Should -Be $busy.Id
        Get-CriContainer -Name "$prefix-no-such" | Get-CriContainerStats | Should -BeNullOrEmpty
    }
    It 'filters by name, namespace and label' {
        (Get-CriContainerStats -Namespace $prefix -Name b* -SampleInterval 0.2).ContainerId | Should -Be $busy.Id
        Get-CriContainerStats -Namespace $prefix -Label @{ nosuch = 'label' } -SampleInterval 0.2 | Should -BeNullOrEmpty
    }
    It 'leaves out containers that are not running unless -All, and then has no CPU or memory for them' {
        (Get-CriContainerStats -Namespace $prefix -SampleInterval 0.2).ContainerId | Should -Not -Contain $waiting.Id
        $w = Get-CriContainerStats -Namespace $prefix -All -SampleInterval 0.2 | Where-Object ContainerId -eq $waiting.Id
        $w.State | Should -Be 'Created'
        if ($RuntimeName -eq 'cri-o') {
            # CRI-O measures the container's cgroup, where runc init already waits for the start
            $w.MemoryWorkingSetBytes | Should -BeGreaterThan 0
        } else {
            $w.CpuUsageCoreNanoSeconds | Should -BeNullOrEmpty
            $w.CpuPercent | Should -BeNullOrEmpty
            $w.MemoryWorkingSetBytes | Should -BeNullOrEmpty
        }
    }
    It 'writes a new sample every interval with -Watch, and stops within a second of Stop()' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$env:CRIPS_MODULE_PATH'; Get-CriContainerStats -RuntimeEndpoint '$Endpoint' -Id '$($busy.Id)' -Watch -SampleInterval 0.5")
            # The script runs once its input is complete, so give it an empty, completed one.
            $noInput = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $noInput.Complete()
            $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $async = $ps.BeginInvoke($noInput, $output)
            $deadline = [datetime]::UtcNow.AddSeconds(20)
            while ($output.Count -lt 3 -and [datetime]::UtcNow -lt $deadline -and -not $async.IsCompleted) { Start-Sleep -Milliseconds 50 }
            # Counts and indexes only: enumerating a collection the pipeline still writes to waits for it to end.
            $output.Count | Should -BeGreaterOrEqual 3 -Because "$($ps.Streams.Error.Count) errors were written"
            $async.IsCompleted | Should -BeFalse
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $watch.Stop()
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 1
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            # Each sample is a new reading, not the same one again.
            $times = @($output[0].Timestamp, $output[1].Timestamp, $output[2].Timestamp)
            $times[1] | Should -BeGreaterThan $times[0]
            $times[2] | Should -BeGreaterThan $times[1]
            $output[1].CpuPercent | Should -Not -BeNullOrEmpty
        } finally {
            $ps.Dispose()
        }
    }
    It 'reports unknown ids as CriContainerNotFound and CriPodNotFound, once, and goes on with the others' {
        $errs = $null
        $out = Get-CriContainerStats -Id 'ffff0000ffff0000dead', $busy.Id -SampleInterval 0.2 -ErrorVariable errs -ErrorAction SilentlyContinue
        $out.ContainerId | Should -Be $busy.Id
        $errs.Count | Should -Be 1   # not once per sample
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'CriContainerNotFound,*'
        $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errs[0].TargetObject | Should -Be 'ffff0000ffff0000dead'

        $err = Get-ErrorRecord { Get-CriPodStats -Id 'ffff0000ffff0000dead' }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriPodNotFound,*'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.TargetObject | Should -Be 'ffff0000ffff0000dead'
    }
    It 'puts the pod and its containers under the cgroup parent' -Skip:($RuntimeName -eq 'docker') {
        if (-not $cgroupParent) { Set-ItResult -Skipped -Because 'the runtime uses the systemd cgroup driver' }
        (Get-CriPod -Id $pod.Id -Detailed).CgroupParent | Should -Be $cgroupParent
        $spec = (Get-CriContainer -Id $busy.Id -Detailed).Info['info'] | ConvertFrom-Json
        $spec.runtimeSpec.linux.cgroupsPath | Should -BeLike "$cgroupParent/*"
    }
    It 'measures the whole pod: CPU of its busy container, memory, network, processes, containers' -Skip:([bool]$PodStatsSkipReason) {
        if (-not $cgroupParent) { Set-ItResult -Skipped -Because 'the runtime uses the systemd cgroup driver' }
        $s = Get-CriPod -Id $pod.Id | Get-CriPodStats
        $s.PSObject.TypeNames[0] | Should -Be 'CriPS.PodStats'
        $s.PodId | Should -Be $pod.Id
        $s.Name | Should -Be "$prefix-stats"
        $s.Namespace | Should -Be $prefix
        $s.Uid | Should -Be $pod.Uid
        $s.Timestamp.Kind | Should -Be 'Utc'
        $s.CpuPercent | Should -BeGreaterThan 20
        $s.MemoryWorkingSetBytes | Should -BeGreaterThan 4KB
        $s.ProcessCount | Should -BeGreaterThan 0
        # containerd also lists the created container, with no CPU or memory figures.
        $s.Containers.Name | Sort-Object | Should -Be @('busy', 'idle', 'waiting')
        ($s.Containers | Where-Object Name -eq 'waiting').CpuUsageCoreNanoSeconds | Should -BeNullOrEmpty
        ($s.Containers | Where-Object Name -eq 'busy').CpuPercent | Should -BeGreaterThan 20
        ($s.Containers | Where-Object Name -eq 'busy').PodName | Should -Be "$prefix-stats"
        if ($IsPrivateRuntime) {
            # The private runtime's pods have a CNI network: containerd counts its default interface.
            $s.NetworkInterface | Should -Be 'eth0'
            $s.NetworkRxBytes | Should -Not -BeNullOrEmpty
            $s.NetworkTxBytes | Should -Not -BeNullOrEmpty
            $s.NetworkInterfaces.Name | Should -Be 'eth0'
        }
    }
    It 'does not let a pod the runtime cannot measure hide the others' -Skip:([bool]$PodStatsSkipReason) {
        if (-not $cgroupParent) { Set-ItResult -Skipped -Because 'the runtime uses the systemd cgroup driver' }
        $errs = $null
        $out = Get-CriPodStats -Namespace $prefix -SampleInterval 0.2 -ErrorVariable errs -ErrorAction SilentlyContinue
        $out.PodId | Should -Contain $pod.Id
        if ($IsPrivateRuntime) {
            # containerd 1.6 cannot measure a pod without a cgroup parent, and then refuses ListPodSandboxStats as a whole.
            $out.PodId | Should -Not -Contain $plain.Id
            $errs.Count | Should -Be 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'CriPodStatsUnavailable,*'
            $errs[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
            $errs[0].TargetObject | Should -Be $plain.Id
        }
    }
    It 'views both types as tables, also after remoting serialization' -Skip:([bool]$PodStatsSkipReason) {
        $c = Get-CriContainerStats -Id $busy.Id -SampleInterval 0.2
        $text = $c | Format-Table | Out-String
        $text | Should -Match 'CONTAINER\s+NAME\s+CPU %\s+MEM\s+DISK\s+INODES\s+POD'
        $text | Should -Match "$($busy.Id.Substring(0, 13))\s+busy\s+\d+\.\d\d\s"
        $copy = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($c))
        $copy.PSObject.TypeNames[0] | Should -Be 'Deserialized.CriPS.ContainerStats'
        ($copy | Format-Table | Out-String) | Should -Match 'CONTAINER\s+NAME\s+CPU %'
        ($c | ConvertTo-Json | ConvertFrom-Json).CpuPercent | Should -Be $c.CpuPercent

        if ($cgroupParent) {
            $p = Get-CriPodStats -Id $pod.Id -SampleInterval 0.2
            ($p | Format-Table | Out-String) | Should -Match 'POD ID\s+POD\s+NAMESPACE\s+CPU %\s+MEM\s+NET RX\s+NET TX\s+PROCS'
            $pcopy = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($p))
            ($pcopy | Format-Table | Out-String) | Should -Match 'POD ID\s+POD\s+NAMESPACE\s+CPU %'
        }
    }
    It 'pipes stats on by id (the Id alias), so a sample selects the next' -Skip:([bool]$PodStatsSkipReason) {
        (Get-CriContainerStats -Id $busy.Id -SampleInterval 0.2 | Get-CriContainerStats -SampleInterval 0.2).ContainerId | Should -Be $busy.Id
        if ($cgroupParent) {
            (Get-CriPodStats -Id $pod.Id -SampleInterval 0.2 | Get-CriPodStats -SampleInterval 0.2).PodId | Should -Be $pod.Id
            # A container names its pod here, as in Stop-CriPod.
            (Get-CriContainer -PodId $pod.Id | Select-Object -First 1 | Get-CriPodStats -SampleInterval 0.2).PodId | Should -Be $pod.Id
        }
    }
    It 'says CriPodStatsNotSupported, naming the runtime, where the runtime measures no pods' -Skip:($RuntimeName -ne 'docker') {
        $err = Get-ErrorRecord { Get-CriPodStats -Id $pod.Id }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriPodStatsNotSupported,*'
        $err.CategoryInfo.Category | Should -Be 'NotImplemented'
        $err.Exception.Message | Should -Match 'ListPodSandboxStats'
    }
    It 'completes container and pod ids for -Id' {
        $line = "Get-CriContainerStats -RuntimeEndpoint '$Endpoint' -Id $($busy.Id.Substring(0, 8))"
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Contain $busy.Id
        $line = "Get-CriPodStats -RuntimeEndpoint '$Endpoint' -Id $($pod.Id.Substring(0, 8))"
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Contain $pod.Id
    }
}
