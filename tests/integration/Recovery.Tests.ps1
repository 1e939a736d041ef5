BeforeDiscovery { . $PSScriptRoot/TestFixture.ps1 }

# Only the private runtime may be killed by a test: its daemons are ours. Three cycles here; build.ps1 Soak runs 20.
Describe 'A session survives containerd being killed' -Skip:(-not $IsPrivateRuntime) {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        Import-Module $PSScriptRoot/../runtime/PrivateRuntime.psm1 -Force
        $prefix = New-TestPrefix
        $pod = New-CriPod probe -Namespace $prefix -LogDirectory (New-TestLogDirectory $prefix) -RuntimeEndpoint $Endpoint
        $probe = $pod | New-CriContainer probe $TestImage -Command sleep -Argument 3600 -RuntimeEndpoint $Endpoint
        $null = $probe | Start-CriContainer -RuntimeEndpoint $Endpoint
        $podCount = @(Get-CriPod -RuntimeEndpoint $Endpoint).Count
        $timeoutSec = 2
    }
    AfterAll {
        # A failed cycle may leave containerd dead; the files after this one need it.
        if (-not (Get-PrivateRuntimeStatus)) { $null = Restore-PrivateRuntime }
        Remove-TestPods $prefix
    }

    It 'SIGKILL <_> of 3: the next call fails within its deadline with CriRuntimeUnavailable; after a restart the same session answers' -ForEach (1..3) {
        $null = Get-CriPod -RuntimeEndpoint $Endpoint   # the session's channel is connected when containerd dies
        $killed = Stop-PrivateContainerd

        $watch = [Diagnostics.Stopwatch]::StartNew()
        $down = Get-ErrorRecord { Get-CriPod -RuntimeEndpoint $Endpoint -TimeoutSec $timeoutSec }
        $watch.Stop()
        $down.FullyQualifiedErrorId | Should -BeLike 'CriRuntimeUnavailable,*'
        # Not a speed figure: the deadline is the promise that a dead runtime never leaves the caller hanging.
        $watch.Elapsed.TotalSeconds | Should -BeLessThan $timeoutSec

        $null = Restore-PrivateRuntime
        [int](Get-Content (Join-Path $env:CRIPS_RUNTIME_DIR 'pids/containerd.pid')) | Should -Not -Be $killed
        # No retry and no Import-Module: the first call after the restart answers, with every pod still there and
        # the probe still running (its shim outlives containerd).
        @(Get-CriPod -RuntimeEndpoint $Endpoint).Count | Should -Be $podCount
        (Get-CriContainer -RuntimeEndpoint $Endpoint -Id $probe.Id -All).State | Should -Be 'Running'
    }
}
