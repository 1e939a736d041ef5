BeforeDiscovery {
    . $PSScriptRoot/TestFixture.ps1
    # The cgroup files are read on this machine: a runtime on a local socket, root to see the container's /proc entry.
    $NoLocalCgroups = $Endpoint -notmatch '^(unix://)?/' -or (& id -u) -ne '0'
    # Which runtimes checkpoint: containerd 2.0 and later and CRI-O implement CheckpointContainer; containerd 1.6 and
    # 1.7 and cri-dockerd answer Unimplemented.
    $CheckpointImplemented = ($RuntimeName -eq 'containerd' -and $RuntimeVersion -ge [version]'2.0') -or $RuntimeName -eq 'cri-o'
}

Describe 'Update-CriContainer' -Skip:$NoRuntime {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        $PSDefaultParameterValues['*-Cri*:RuntimeEndpoint'] = $Endpoint
        $prefix = New-TestPrefix
        $null = Invoke-CriImagePull -Image $TestImage
        $pod = New-CriPod "$prefix-res" -Namespace $prefix -LogDirectory (New-TestLogDirectory "$prefix-res")
        # Half a CPU and 64 MiB to start with: the test changes one of them at a time and checks the other stays.
        $c = $pod | New-CriContainer sleeper -Config @{
            image = @{ image = $TestImage }; command = @('sleep', '3600')
            linux = @{ resources = @{ cpu_period = 100000; cpu_quota = 50000; memory_limit_in_bytes = 64MB } }
        }
        $c | Start-CriContainer

        function Get-CgroupValue([string] $Controller, [string] $File) {
            # The container's own cgroup, as /proc names it for its process (cgroup v1: one folder per controller;
            # v2: one unified folder, where the test reads the v1 file's v2 counterpart).
            $processId = (Get-CriContainer -Id $c.Id -Detailed).Pid
            $lines = Get-Content "/proc/$processId/cgroup"
            $v1 = $lines | Where-Object { $_ -match "^\d+:(?:[^:]*,)?$Controller(?:,[^:]*)?:(.*)$" } | ForEach-Object { $Matches[1] } | Select-Object -First 1
            if ($v1) {
                $folder = Get-Item "/sys/fs/cgroup/$Controller", "/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/cpuacct,cpu" -ErrorAction SilentlyContinue |
                    Where-Object { Test-Path (Join-Path $_.FullName "$v1/$File") } | Select-Object -First 1
                return (Get-Content (Join-Path $folder.FullName "$v1/$File") -Raw).Trim()
            }
            $v2 = $lines | Where-Object { $_ -match '^0::(.*)$' } | ForEach-Object { $Matches[1] }
            $map = @{ 'cpu.cfs_quota_us' = 'cpu.max'; 'memory.limit_in_bytes' = 'memory.max'; 'cpuset.cpus' = 'cpuset.cpus'; 'cpu.shares' = 'cpu.weight'; 'cpu.cfs_period_us' = 'cpu.max' }
            (Get-Content "/sys/fs/cgroup$v2/$($map[$File])" -Raw).Trim()
        }
        $cgroupV2 = -not (Test-Path /sys/fs/cgroup/memory)
    }
    AfterAll { Remove-TestPods $prefix }

    It 'changes the memory limit in the container''s cgroup and leaves the CPU quota as it was' -Skip:$NoLocalCgroups {
        if ($cgroupV2) { Set-ItResult -Skipped -Because 'the checks read cgroup v1 files' }
        Get-CgroupValue cpu cpu.cfs_quota_us | Should -Be '50000'
        $r = Update-CriContainer -Id $c.Id -MemoryBytes 96MB -PassThru -WarningVariable readBackWarning -WarningAction SilentlyContinue
        Get-CgroupValue memory memory.limit_in_bytes | Should -Be "$(96MB)"
        Get-CgroupValue cpu cpu.cfs_quota_us | Should -Be '50000'
        Get-CgroupValue cpu cpu.cfs_period_us | Should -Be '100000'
        $r.PSObject.TypeNames[0] | Should -Be 'CriPS.ContainerResources'
        $r.ContainerId | Should -Be $c.Id
        if ($RuntimeName -eq 'docker') {
            # cri-dockerd's ContainerStatus has no resources (measured with 0.4.3): the object has none, and says why.
            $r.MemoryBytes | Should -BeNullOrEmpty
            "$readBackWarning" | Should -Match 'reports no limits .*cannot be read back\.$'
            return
        }
        $readBackWarning | Should -BeNullOrEmpty
        $r.MemoryBytes | Should -Be 96MB
        $r.CpuQuota | Should -Be 50000
        $r.Cpus | Should -Be 0.5
    }
    It 'sets the swap limit to the new memory limit when none is given, and to -MemorySwapBytes when given' -Skip:$NoLocalCgroups {
        if ($cgroupV2 -or -not (Test-Path /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes)) { Set-ItResult -Skipped -Because 'the kernel does not account swap (no memory.memsw files)' }
        Update-CriContainer -Id $c.Id -MemoryBytes 80MB
        Get-CgroupValue memory memory.memsw.limit_in_bytes | Should -Be "$(80MB)"
        Update-CriContainer -Id $c.Id -MemoryBytes 72MB -MemorySwapBytes 160MB -WarningVariable swapWarning -WarningAction SilentlyContinue
        Get-CgroupValue memory memory.limit_in_bytes | Should -Be "$(72MB)"
        if ($RuntimeName -eq 'docker') {
            # cri-dockerd sets swap equal to memory (Docker's MemorySwap) and reports no limits: the cmdlet cannot tell.
            Get-CgroupValue memory memory.memsw.limit_in_bytes | Should -Be "$(72MB)"
            "$swapWarning" | Should -Match 'whether it applied -MemorySwapBytes is unknown'
            return
        }
        if ($RuntimeName -eq 'cri-o') {
            # CRI-O sets swap equal to memory on every update (measured with 1.36.3): the cmdlet says it was not applied.
            Get-CgroupValue memory memory.memsw.limit_in_bytes | Should -Be "$(72MB)"
            $swapWarning | Should -HaveCount 1
            "$swapWarning" | Should -Match "did not apply -MemorySwapBytes $(160MB) .*reports a swap limit of $(72MB)"
            return
        }
        Get-CgroupValue memory memory.memsw.limit_in_bytes | Should -Be "$(160MB)"
        $swapWarning | Should -BeNullOrEmpty
        # Only the CPU changes: the swap limit given before stays.
        Update-CriContainer -Id $c.Id -CpuShares 256
        Get-CgroupValue memory memory.memsw.limit_in_bytes | Should -Be "$(160MB)"
    }
    It 'changes the CPU quota, period and shares of a container from the pipeline and leaves the memory limit' -Skip:$NoLocalCgroups {
        if ($cgroupV2) { Set-ItResult -Skipped -Because 'the checks read cgroup v1 files' }
        $before = Get-CgroupValue memory memory.limit_in_bytes
        Get-CriContainer -Id $c.Id | Update-CriContainer -CpuQuota 20000 -CpuPeriod 50000 -CpuShares 512
        Get-CgroupValue cpu cpu.cfs_quota_us | Should -Be '20000'
        Get-CgroupValue cpu cpu.cfs_period_us | Should -Be '50000'
        Get-CgroupValue cpu cpu.shares | Should -Be '512'
        Get-CgroupValue memory memory.limit_in_bytes | Should -Be $before
    }
    It 'pins the container to a CPU (cpuset.cpus)' -Skip:$NoLocalCgroups {
        Update-CriContainer -Id $c.Id -CpusetCpus 0 -CpusetMems 0
        Get-CgroupValue cpuset cpuset.cpus | Should -Be '0'
        # And back to every CPU the node has, as the cgroup's parent allows them.
        $all = "0-$([Environment]::ProcessorCount - 1)" -replace '^0-0$', '0'
        Update-CriContainer -Id $c.Id -CpusetCpus $all
        Get-CgroupValue cpuset cpuset.cpus | Should -Be $all
    }
    It 'changes nothing with -WhatIf' -Skip:$NoLocalCgroups {
        $before = Get-CgroupValue memory memory.limit_in_bytes
        Update-CriContainer -Id $c.Id -MemoryBytes 200MB -WhatIf
        Get-CgroupValue memory memory.limit_in_bytes | Should -Be $before
    }
    It 'refuses bad values before calling the runtime: <Case>' -ForEach @(
        @{ Case = 'no limit'; Arguments = @{}; ErrorId = 'CriNoResourceGiven' }
        @{ Case = 'cpuset text'; Arguments = @{ CpusetCpus = 'a-b' }; ErrorId = 'CriInvalidResource' }
        @{ Case = 'descending range'; Arguments = @{ CpusetCpus = '3-1' }; ErrorId = 'CriInvalidResource' }
        @{ Case = 'quota under 1 ms'; Arguments = @{ CpuQuota = 999 }; ErrorId = 'CriInvalidResource' }
        @{ Case = 'swap below memory'; Arguments = @{ MemoryBytes = 64MB; MemorySwapBytes = 32MB }; ErrorId = 'CriInvalidResource' }
    ) {
        # An endpoint nobody listens on: the error must come before any connection.
        $e = Get-ErrorRecord { Update-CriContainer -Id $c.Id @Arguments -RuntimeEndpoint unix:///nonexistent/crips.sock }
        $e.FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }
    It 'writes CriContainerNotFound for an unknown id and goes on with the next' {
        $out = Update-CriContainer -Id 'ffffeeee0000', $c.Id -CpuShares 300 -PassThru -ErrorVariable errs -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'CriContainerNotFound,*'
        $out.ContainerId | Should -Be $c.Id
        # cri-dockerd reports no limits to read back (the cgroup cases above show the change itself).
        $out.CpuShares | Should -Be $(if ($RuntimeName -ne 'docker') { 300 })
    }
}

Describe 'Checkpoint-CriContainer' -Skip:$NoRuntime {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        $PSDefaultParameterValues['*-Cri*:RuntimeEndpoint'] = $Endpoint
        $prefix = New-TestPrefix
        $null = Invoke-CriImagePull -Image $TestImage
        $pod = New-CriPod "$prefix-cp" -Namespace $prefix -LogDirectory (New-TestLogDirectory "$prefix-cp")
        $c = $pod | New-CriContainer sleeper $TestImage -Command sleep -Argument 3600
        $c | Start-CriContainer
        $dir = (New-Item -ItemType Directory -Force (Join-Path ([IO.Path]::GetTempPath()) "$prefix-checkpoints")).FullName
        # Whether CRIU works on this kernel, as CRIU itself says ('criu check'); without it no runtime can checkpoint.
        $criu = Get-Command criu -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
        $criuWorks = $false
        if ($criu) { $null = & $criu.Source check 2>&1; $criuWorks = $LASTEXITCODE -eq 0 }
    }
    AfterAll {
        Remove-TestPods $prefix
        Remove-Item -Recurse -Force -ErrorAction SilentlyContinue $dir
    }

    It 'says clearly that the runtime does not checkpoint' -Skip:$CheckpointImplemented {
        $e = Get-ErrorRecord { Checkpoint-CriContainer -Id $c.Id -Path "$dir/no.tar" }
        $e.FullyQualifiedErrorId | Should -BeLike 'CriCheckpointNotSupported,*'
        $e.CategoryInfo.Category | Should -Be 'NotImplemented'
        $e.Exception.Message | Should -Match 'does not implement CheckpointContainer'
        $e.Exception.StatusCode | Should -Be 'Unimplemented'
        Test-Path "$dir/no.tar" | Should -BeFalse
    }
    It 'writes the runtime''s archive where CRIU works, else passes on CRIU''s own reason' -Skip:(-not $CheckpointImplemented -or $Endpoint -notmatch '^(unix://)?/') {
        $file = Join-Path $dir 'sleeper.tar'
        $e = $null
        $out = try { Checkpoint-CriContainer -Id $c.Id -Path $file -TimeoutSec 60 -ErrorAction Stop } catch { $e = $_ }
        if ($criuWorks) {
            $e | Should -BeNullOrEmpty
            $out.FullName | Should -Be $file
            # What containerd and CRI-O put in it: CRIU's images, the writable layer, the spec and config.
            $names = & tar -tf $file
            $names | Should -Contain 'spec.dump'
            $names | Should -Contain 'config.dump'
            $names | Where-Object { $_ -like 'checkpoint/*' } | Should -Not -BeNullOrEmpty
            (& stat -c '%a %U' $file) | Should -Be '600 root'
        } elseif (-not $criu) {
            # containerd 2.x looks for criu itself and says it found none.
            $e.FullyQualifiedErrorId | Should -BeLike 'CriCheckpointNotSupported,*'
            $e.Exception.Message | Should -BeLike '*needs CRIU*'
        } else {
            # This kernel's CRIU fails before it dumps anything: the error says so in CRIU's words, from its log.
            $out | Should -BeNullOrEmpty
            $e.FullyQualifiedErrorId | Should -BeLike 'CriCheckpointContainerFailed,*'
            $e.CategoryInfo.Category | Should -Be 'InvalidOperation'
            $reason = (& $criu.Source check 2>&1 | Select-String 'Error \([^)]*\):\s*(.+)$' | Select-Object -First 1).Matches[0].Groups[1].Value.Trim()
            $e.Exception.Message | Should -BeLike "CRIU could not checkpoint container '$($c.Id)': *$reason*"
            Test-Path $file | Should -BeFalse
        }
        # Checkpointing leaves the container running, and leaves no temporary file beside the target.
        (Get-CriContainer -Id $c.Id -All).State | Should -Be 'Running'
        Get-ChildItem $dir -Filter '*.partial' | Should -BeNullOrEmpty
    }
    It 'refuses to replace an existing file without -Force, before calling the runtime' -Skip:($Endpoint -notmatch '^(unix://)?/') {
        $file = Join-Path $dir 'exists.tar'
        Set-Content -LiteralPath $file -Value 'keep me'
        $e = Get-ErrorRecord { Checkpoint-CriContainer -Id $c.Id -Path $file }
        $e.FullyQualifiedErrorId | Should -BeLike 'CriCheckpointFileExists,*'
        $e.CategoryInfo.Category | Should -Be 'ResourceExists'
        $e.TargetObject | Should -Be $file
        Get-Content -LiteralPath $file | Should -Be 'keep me'
    }
    It 'refuses a folder that does not exist and a path that is a folder' -Skip:($Endpoint -notmatch '^(unix://)?/') {
        (Get-ErrorRecord { Checkpoint-CriContainer -Id $c.Id -Path "$dir/missing/x.tar" }).FullyQualifiedErrorId | Should -BeLike 'CriCheckpointFolderNotFound,*'
        (Get-ErrorRecord { Checkpoint-CriContainer -Id $c.Id -Path $dir }).FullyQualifiedErrorId | Should -BeLike 'CriCheckpointPathIsFolder,*'
    }
    It 'writes nothing with -WhatIf' {
        Checkpoint-CriContainer -Id $c.Id -Path "$dir/whatif.tar" -WhatIf
        Test-Path "$dir/whatif.tar" | Should -BeFalse
    }
    It 'writes CriContainerNotFound for an unknown id' {
        $e = Get-ErrorRecord { Checkpoint-CriContainer -Id 'ffffeeee0000' -Path "$dir/unknown.tar" }
        $e.FullyQualifiedErrorId | Should -BeLike 'CriContainerNotFound,*'
    }
}
