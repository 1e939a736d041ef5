BeforeDiscovery { . $PSScriptRoot/TestFixture.ps1 }

# Start-CriContainer -Config -PodConfig (crictl run): a pod, its container, started, in one step; all or nothing.
# What the runtime really holds is read with ctr (containerd's own view: the pod's sandbox and the container are
# containers and tasks in namespace k8s.io), not with the cmdlets under test.
Describe 'Start-CriContainer -Config -PodConfig (crictl run)' -Skip:$NoContainerd {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        $PSDefaultParameterValues['*-Cri*:RuntimeEndpoint'] = $Endpoint
        $prefix = New-TestPrefix
        $null = Invoke-CriImagePull -Image $TestImage
        $logs = New-TestLogDirectory "$prefix-run"

        function Get-CtrTasks {
            # TASK PID STATUS, as a map of id to status.
            $map = @{}
            foreach ($line in @(& ctr -a $ContainerdAddress -n k8s.io tasks list | Select-Object -Skip 1)) {
                $f = -split $line
                if ($f.Count -ge 3) { $map[$f[0]] = $f[2] }
            }
            $map
        }
        function Get-CtrContainerIds {
            @(& ctr -a $ContainerdAddress -n k8s.io containers list --quiet | Sort-Object)
        }
        function New-PodConfigFile([string] $Name) {
            # YAML, as crictl users write it; a uid of its own, as crictl's examples have.
            $path = Join-Path $TestDrive "$Name-pod.yaml"
            @"
metadata:
  name: $Name
  namespace: $prefix
  uid: $([guid]::NewGuid())
  attempt: 1
log_directory: $logs/$Name
"@ | Set-Content -LiteralPath $path
            $path
        }
        function New-ContainerConfigFile([string] $Name, [string] $Image = $TestImage, [string[]] $Command = @('sh', '-c', 'echo started; exec sleep 3600')) {
            $path = Join-Path $TestDrive "$Name-container.json"
            @{ metadata = @{ name = $Name }; image = @{ image = $Image }; command = $Command } | ConvertTo-Json | Set-Content -LiteralPath $path
            $path
        }
        $missingImage = $TestImage -replace '[^/]+$', "crips-no-such-image-$prefix`:0"
    }
    AfterAll {
        Remove-TestPods $prefix
        # The -Pull test removes the test image and the run pulls it back; should that run fail, it is pulled here.
        $null = Invoke-CriImagePull -Image $TestImage -ErrorAction SilentlyContinue
    }

    It 'runs the pod and the container from crictl config files and writes the running container' {
        $podConfig = New-PodConfigFile 'web'
        $c = Start-CriContainer -Config (New-ContainerConfigFile 'sleeper') -PodConfig $podConfig
        $c.PSObject.TypeNames[0] | Should -Be 'CriPS.Container'
        $c.Name | Should -Be 'sleeper'
        $c.State | Should -Be 'Running'
        $pod = @(Get-CriPod -Namespace $prefix -Name web)
        $pod.Count | Should -Be 1
        $c.PodId | Should -Be $pod[0].Id
        $pod[0].State | Should -Be 'Ready'
        $pod[0].Attempt | Should -Be 1
        # containerd's own view: the pod's sandbox task and the container's task run.
        $tasks = Get-CtrTasks
        $tasks[$c.Id] | Should -Be 'RUNNING'
        $tasks[$pod[0].Id] | Should -Be 'RUNNING'
        # The pod was made from the config: its log folder is the config's, and the container writes there.
        $deadline = [datetime]::UtcNow.AddSeconds(10)
        while (-not (Select-String -Quiet -Path "$logs/web/sleeper/*.log" -Pattern 'started' -ErrorAction SilentlyContinue) -and [datetime]::UtcNow -lt $deadline) {
            Start-Sleep -Milliseconds 100
        }
        Select-String -Quiet -Path "$logs/web/sleeper/*.log" -Pattern 'started' | Should -BeTrue
    }

    It 'takes hashtables as the configs' {
        $c = Start-CriContainer -Config @{ metadata = @{ name = 'inline' }; image = @{ image = $TestImage }; command = @('sleep', '3600') } `
            -PodConfig @{ metadata = @{ name = 'inline'; namespace = $prefix; uid = "$([guid]::NewGuid())" }; log_directory = "$logs/inline" }
        (Get-CtrTasks)[$c.Id] | Should -Be 'RUNNING'
        (Get-CriPod -Id $c.PodId).Name | Should -Be 'inline'
    }

    It 'changes nothing under -WhatIf' {
        $before = Get-CtrContainerIds
        $out = Start-CriContainer -Config (New-ContainerConfigFile 'whatif') -PodConfig (New-PodConfigFile 'whatif') -WhatIf
        $out | Should -BeNullOrEmpty
        Get-CtrContainerIds | Should -Be $before
        Get-CriPod -Namespace $prefix -Name whatif | Should -BeNullOrEmpty
    }

    It 'removes the pod it made when the image is missing (without -Pull), and says so' {
        $before = Get-CtrContainerIds
        $err = Get-ErrorRecord { Start-CriContainer -Config (New-ContainerConfigFile 'noimage' $missingImage) -PodConfig (New-PodConfigFile 'noimage') }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'Cri*,*'
        $err.Exception.Message | Should -Match "CriPS removed the pod $prefix/noimage \([0-9a-f]{64}\) it had made"
        Get-CtrContainerIds | Should -Be $before
        Get-CriPod -Namespace $prefix -Name noimage | Should -BeNullOrEmpty
    }

    It 'removes the container and the pod when the container cannot start, and says so' {
        $before = Get-CtrContainerIds
        $err = Get-ErrorRecord { Start-CriContainer -Config (New-ContainerConfigFile 'nostart' -Command '/no/such/program') -PodConfig (New-PodConfigFile 'nostart') }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriStartContainerFailed,*'
        $err.Exception.Message | Should -Match "CriPS removed the container [0-9a-f]{64} and pod $prefix/nostart"
        Get-CtrContainerIds | Should -Be $before
        Get-CriPod -Namespace $prefix -Name nostart | Should -BeNullOrEmpty
    }

    It 'never removes a pod that was there before: a second run of the same pod config fails and the first pod stays' {
        $podConfig = New-PodConfigFile 'twice'
        $first = Start-CriContainer -Config (New-ContainerConfigFile 'first') -PodConfig $podConfig
        $err = Get-ErrorRecord { Start-CriContainer -Config (New-ContainerConfigFile 'second') -PodConfig $podConfig }
        $err | Should -Not -BeNullOrEmpty
        $err.Exception.Message | Should -Not -Match 'CriPS removed'
        $tasks = Get-CtrTasks
        $tasks[$first.PodId] | Should -Be 'RUNNING'
        $tasks[$first.Id] | Should -Be 'RUNNING'
    }

    It 'makes nothing when a config does not parse, or lacks the image' {
        $before = Get-CtrContainerIds
        $err = Get-ErrorRecord { Start-CriContainer -Config '{"metadata": {"name": "x"}, "no_such_field": 1}' -PodConfig (New-PodConfigFile 'badconfig') }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriInvalidContainerConfig,*'
        $err = Get-ErrorRecord { Start-CriContainer -Config @{ metadata = @{ name = 'x' } } -PodConfig (New-PodConfigFile 'badconfig') -Pull }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriInvalidContainerConfig,*'
        $err.Exception.Message | Should -Match 'image'
        Get-CtrContainerIds | Should -Be $before
        Get-CriPod -Namespace $prefix -Name badconfig | Should -BeNullOrEmpty
    }

    It 'pulls a missing image first with -Pull, and a failed pull makes nothing' {
        $before = Get-CtrContainerIds
        $err = Get-ErrorRecord { Start-CriContainer -Config (New-ContainerConfigFile 'pullfail' $missingImage) -PodConfig (New-PodConfigFile 'pullfail') -Pull }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriImagePull*,*'
        Get-CtrContainerIds | Should -Be $before
        Get-CriPod -Namespace $prefix -Name pullfail | Should -BeNullOrEmpty

        Remove-CriImage -Name $TestImage -Force
        @(& ctr -a $ContainerdAddress -n k8s.io images list --quiet) | Should -Not -Contain $TestImage
        $c = Start-CriContainer -Config (New-ContainerConfigFile 'pulled') -PodConfig (New-PodConfigFile 'pulled') -Pull
        @(& ctr -a $ContainerdAddress -n k8s.io images list --quiet) | Should -Contain $TestImage
        (Get-CtrTasks)[$c.Id] | Should -Be 'RUNNING'
    }

    It 'on Ctrl+C after the pod is made, removes what it made' {
        $name = 'stopped'
        $ps = [powershell]::Create()
        $null = $ps.AddScript("Import-Module '$env:CRIPS_MODULE_PATH'; Start-CriContainer -RuntimeEndpoint '$Endpoint' -Config '$(New-ContainerConfigFile $name)' -PodConfig '$(New-PodConfigFile $name)'")
        $async = $ps.BeginInvoke()
        # The stop comes as soon as the pod is listed, while the container is being created or started.
        $deadline = [datetime]::UtcNow.AddSeconds(20)
        while (-not (Get-CriPod -Namespace $prefix -Name $name) -and -not $async.IsCompleted -and [datetime]::UtcNow -lt $deadline) { }
        $ps.Stop()
        $finished = @(try { $ps.EndInvoke($async) } catch { })
        $ps.Dispose()
        if ($finished.Count -gt 0) { Set-ItResult -Skipped -Because 'the run finished before the stop reached it' }
        $deadline = [datetime]::UtcNow.AddSeconds(10)
        while ((Get-CriPod -Namespace $prefix -Name $name) -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        Get-CriPod -Namespace $prefix -Name $name | Should -BeNullOrEmpty
        Get-CriContainer -All -Namespace $prefix -Name $name | Should -BeNullOrEmpty
    }
}
