BeforeDiscovery { . $PSScriptRoot/TestFixture.ps1 }

Describe 'Container lifecycle and exec' -Skip:$NoRuntime {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        $PSDefaultParameterValues['*-Cri*:RuntimeEndpoint'] = $Endpoint
        $prefix = New-TestPrefix
        $null = Invoke-CriImagePull -Image $TestImage
        $pod = New-CriPod "$prefix-life" -Namespace $prefix -LogDirectory (New-TestLogDirectory "$prefix-life")
        function New-Sleeper([string] $Name) {
            $c = $pod | New-CriContainer "$prefix-$Name" $TestImage -Command sh -Argument '-c', 'echo started; exec sleep 3600'
            $c | Start-CriContainer
            Get-CriContainer -Id $c.Id -Detailed
        }
    }
    AfterAll { Remove-TestPods $prefix }

    It 'runs a command and returns its output and exit code' {
        $c = New-Sleeper exec
        $r = Invoke-CriContainerCommand -Id $c.Id -Command echo, hello
        $r.PSObject.TypeNames[0] | Should -Be 'CriPS.ExecResult'
        $r.Stdout | Should -Be "hello`n"
        $r.ExitCode | Should -Be 0
        $r.ContainerId | Should -Be $c.Id
        $r.Duration | Should -BeGreaterThan ([TimeSpan]::Zero)
    }
    It 'reports a non-zero exit in ExitCode and $LASTEXITCODE, not as an error' {
        $c = Get-CriContainer -Name "$prefix-exec"
        $errs = $null
        $r = $c | Invoke-CriContainerCommand -Command sh, -c, 'echo oops >&2; exit 4' -ErrorVariable errs
        $r.ExitCode | Should -Be 4
        $r.Stderr | Should -Be "oops`n"
        $LASTEXITCODE | Should -Be 4
        $errs | Should -BeNullOrEmpty
    }
    It 'stops a command that outlives -CommandTimeoutSec: CriCommandTimeout' {
        $c = Get-CriContainer -Name "$prefix-exec"
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $err = Get-ErrorRecord { Invoke-CriContainerCommand -Id $c.Id -Command sleep, 30 -CommandTimeoutSec 1 }
        $watch.Stop()
        $err.FullyQualifiedErrorId | Should -BeLike 'CriCommandTimeout,*'
        $err.CategoryInfo.Category | Should -Be 'OperationTimeout'
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
    }
    It 'refuses a command in a container that is not running, naming its state' {
        $created = $pod | New-CriContainer "$prefix-idle" $TestImage -Command true
        $err = Get-ErrorRecord { Invoke-CriContainerCommand -Id $created.Id -Command true }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriContainerNotRunning,*'
        $err.Exception.Message | Should -Match 'Created'
        (Get-ErrorRecord { Invoke-CriContainerCommand -Id 'ffff0000ffff0000dead' -Command true }).FullyQualifiedErrorId | Should -BeLike 'CriContainerNotFound,*'
    }
    It 'stops a container, and changes nothing under -WhatIf' {
        $c = New-Sleeper stop
        Stop-CriContainer -Id $c.Id -WhatIf
        (Get-CriContainer -Id $c.Id).State | Should -Be 'Running'
        $stopped = Stop-CriContainer -Id $c.Id -GracePeriodSec 1 -PassThru
        $stopped.State | Should -Be 'Exited'
        $stopped.FinishedAt | Should -Not -BeNullOrEmpty
    }
    It 'refuses to remove a running container without -Force and says so' {
        $c = New-Sleeper busy
        $err = Get-ErrorRecord { Remove-CriContainer -Id $c.Id }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriContainerRunning,*'
        $err.Exception.Message | Should -Match '-Force'
        (Get-CriContainer -Id $c.Id).State | Should -Be 'Running'
    }
    It 'removes a running container with -Force, and its log file' {
        $c = Get-CriContainer -Name "$prefix-busy" -Detailed
        Test-Path $c.LogPath | Should -BeTrue
        Get-CriContainer -Id $c.Id | Remove-CriContainer -Force
        (Get-ErrorRecord { Get-CriContainer -Id $c.Id }).FullyQualifiedErrorId | Should -BeLike 'CriContainerNotFound,*'
        Test-Path $c.LogPath | Should -BeFalse
    }
    It 'keeps the log file with -KeepLogs' {
        $c = Get-CriContainer -Name "$prefix-stop" -All -Detailed
        Remove-CriContainer -Id $c.Id -KeepLogs
        # cri-dockerd deletes the log with the container: CriPS copied it aside first and put it back
        Test-Path $c.LogPath | Should -BeTrue
        (Get-Content $c.LogPath) -join "`n" | Should -Match 'stdout F started|"log":"started\\n"'
        Get-ChildItem "$($c.LogPath).crips-kept-*" -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
    It 'removes the container an id in another case names, not just its logs' {
        $c = $pod | New-CriContainer "$prefix-upper" $TestImage -Command true
        Remove-CriContainer -Id $c.Id.ToUpperInvariant()
        (Get-ErrorRecord { Get-CriContainer -Id $c.Id }).FullyQualifiedErrorId | Should -BeLike 'CriContainerNotFound,*'
    }
}
