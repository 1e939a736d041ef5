BeforeDiscovery { . $PSScriptRoot/TestFixture.ps1 }

# Only the private runtime may be restarted by a test: its daemons are ours.
Describe 'A session survives a runtime restart' -Skip:(-not $IsPrivateRuntime) {
    BeforeAll { . $PSScriptRoot/TestFixture.ps1 }

    It 'answers again through the same channel after containerd restarts, without re-importing' {
        $before = @(Get-CriPod -RuntimeEndpoint $Endpoint).Count
        $pidFile = Join-Path $env:CRIPS_RUNTIME_DIR 'pids/containerd.pid'
        $old = [int](Get-Content $pidFile)
        Stop-Process -Id $old
        $deadline = [datetime]::UtcNow.AddSeconds(15)
        while ((Get-Process -Id $old -ErrorAction SilentlyContinue) -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }

        $down = Get-ErrorRecord { Get-CriPod -RuntimeEndpoint $Endpoint -TimeoutSec 2 }
        $down.FullyQualifiedErrorId | Should -BeLike 'CriRuntimeUnavailable,*'

        & bash "$PSScriptRoot/../runtime/crips-runtime.sh" up $env:CRIPS_RUNTIME_DIR 2>$null | Out-Null
        $LASTEXITCODE | Should -Be 0
        [int](Get-Content $pidFile) | Should -Not -Be $old
        @(Get-CriPod -RuntimeEndpoint $Endpoint).Count | Should -Be $before
    }
}
