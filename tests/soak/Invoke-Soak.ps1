<#
.SYNOPSIS
    CriPS soak (build.ps1 Soak): runtime-kill cycles and a load test against the private runtime named by
    $env:CRIPS_RUNTIME_DIR, with their measurements as bench/results/soak.json and soak.md. Exit code 1 on a failure.
.DESCRIPTION
    Kill cycles: one session, module imported once. Each cycle SIGKILLs containerd while the session's channel is
    connected; the next Get-CriPod must fail with CriRuntimeUnavailable within -TimeoutSec; crips-runtime.sh up
    starts containerd again; the next Get-CriPod must succeed on the same channel, list the same pods, and the
    probe container (its shim survives the kill) must still run.
    Load: -Readers runspaces loop Get-CriContainer -All for -LoadSeconds while this runspace creates, starts and
    removes pods with a container; no call may fail. Memory (managed heap after a full collection, working set,
    private bytes) is sampled between the churn steps, -SampleSeconds or a little more apart; the managed heap of
    the last sample may be at most -MaxGrowthPercent above the first sample after -WarmUpSeconds. Working set
    and private bytes are reported.
    A plain script rather than Pester: the point is the figures (per-cycle times, calls/s, memory series),
    written in the shape of the benchmark results, and a run of several minutes that Pester would only
    summarise as passed or failed.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $RuntimeEndpoint,
    [Parameter(Mandatory)] [string] $Image,
    [int] $Cycles = 20,
    [int] $TimeoutSec = 2,
    [int] $LoadSeconds = 60,
    [int] $WarmUpSeconds = 10,
    [int] $SampleSeconds = 2,
    [int] $Readers = 8,
    [double] $MaxGrowthPercent = 10,
    [string] $ResultsDirectory = (Join-Path $PSScriptRoot '../../bench/results')
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
# Kills and restarts happen only to a runtime named on purpose, never to the default /tmp/crips-runtime.
if (-not $env:CRIPS_RUNTIME_DIR) { throw 'Set CRIPS_RUNTIME_DIR to the private runtime the soak may kill (build.ps1 Soak does).' }
Import-Module $ModulePath
Import-Module (Join-Path $PSScriptRoot '../runtime/PrivateRuntime.psm1') -Force
$PSDefaultParameterValues['*-Cri*:RuntimeEndpoint'] = $RuntimeEndpoint
$Namespace = 'crips-soak'
$LogDirectory = '/tmp/crips-soak-logs'
$startedAt = (Get-Date).ToUniversalTime().ToString('o')
$failures = [Collections.Generic.List[string]]::new()

function Get-Median([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    $n = $sorted.Count
    if ($n % 2) { $sorted[($n - 1) / 2] } else { ($sorted[$n / 2 - 1] + $sorted[$n / 2]) / 2 }
}

function Get-Summary([double[]] $Values) {
    [ordered]@{ median = [math]::Round((Get-Median $Values), 1); max = [math]::Round(($Values | Measure-Object -Maximum).Maximum, 1) }
}

function Get-PooledChannel {
    # The engine's channel for this endpoint (reached by reflection: the engine lives in its own load context),
    # to show a recovery reuses the channel rather than building a new one.
    $engine = [System.Runtime.Loader.AssemblyLoadContext]::All.Assemblies | Where-Object { $_.GetName().Name -eq 'CriPS.Engine' } | Select-Object -First 1
    $pool = $engine.GetType('CriPS.Engine.Connection.CriChannel').GetField('Pool', [Reflection.BindingFlags]'NonPublic, Static').GetValue($null)
    @($pool.Values | Where-Object { $_.Endpoint.Address -eq $RuntimeEndpoint })
}

function Remove-SoakPods {
    Get-CriPod -Namespace "$Namespace*" | Remove-CriPod -Force
}

function Invoke-KillCycles {
    $pod = New-CriPod probe -Namespace "$Namespace-kill" -LogDirectory $LogDirectory
    $probe = $pod | New-CriContainer probe $Image -Command sleep -Argument 3600
    $null = $probe | Start-CriContainer
    $podCount = @(Get-CriPod).Count
    $channel = @(Get-PooledChannel)
    $rows = foreach ($cycle in 1..$Cycles) {
        $problems = [Collections.Generic.List[string]]::new()
        # The session holds a connected channel when containerd dies: this call leaves its connection open.
        $null = Get-CriPod
        $total = [Diagnostics.Stopwatch]::StartNew()
        $killed = Stop-PrivateContainerd

        $watch = [Diagnostics.Stopwatch]::StartNew()
        $errorId = try { $null = Get-CriPod -TimeoutSec $TimeoutSec -ErrorAction Stop; '(none)' } catch { $_.FullyQualifiedErrorId -replace ',.*$' }
        $failMs = $watch.Elapsed.TotalMilliseconds
        if ($errorId -ne 'CriRuntimeUnavailable') { $problems.Add("the call with containerd dead raised $errorId, not CriRuntimeUnavailable") }
        if ($failMs -gt $TimeoutSec * 1000) { $problems.Add("the call with containerd dead took $([math]::Round($failMs)) ms, over -TimeoutSec $TimeoutSec") }

        $watch.Restart()
        $null = Restore-PrivateRuntime
        $upMs = $watch.Elapsed.TotalMilliseconds

        # One call, no retry: the first call after containerd is back must answer.
        $watch.Restart()
        $pods = @(try { Get-CriPod -ErrorAction Stop } catch { $problems.Add("the first call after the restart failed: $_") })
        $firstCallMs = $watch.Elapsed.TotalMilliseconds
        $recoveryMs = $total.Elapsed.TotalMilliseconds
        if ($pods.Count -ne $podCount) { $problems.Add("$($pods.Count) pods listed after the restart, $podCount before") }
        $state = (Get-CriContainer -Id $probe.Id -All).State
        if ("$state" -ne 'Running') { $problems.Add("the probe container is $state after the restart, not Running") }
        $now = @(Get-PooledChannel)
        $sameChannel = $now.Count -eq 1 -and $channel.Count -eq 1 -and [object]::ReferenceEquals($now[0], $channel[0])
        if (-not $sameChannel) { $problems.Add('the session no longer uses the channel it had before the kill') }
        $newPid = [int](Get-Content (Join-Path $env:CRIPS_RUNTIME_DIR 'pids/containerd.pid'))
        if ($newPid -eq $killed) { $problems.Add("containerd still has pid ${killed}: it was not restarted") }

        foreach ($p in $problems) { $failures.Add("kill cycle ${cycle}: $p") }
        Write-Host ("cycle {0,2}: killed pid {1}, {2} in {3:n0} ms, containerd up again in {4:n0} ms, first call {5:n0} ms{6}" -f
            $cycle, $killed, $errorId, $failMs, $upMs, $firstCallMs, $(if ($problems.Count) { " - FAILED: $($problems -join '; ')" }))
        [ordered]@{ cycle = $cycle; killedPid = $killed; errorId = $errorId; failMs = [math]::Round($failMs, 1); restartMs = [math]::Round($upMs, 1)
                    firstCallMs = [math]::Round($firstCallMs, 1); recoveryMs = [math]::Round($recoveryMs, 1); pods = $pods.Count
                    probeState = "$state"; sameChannel = $sameChannel; passed = $problems.Count -eq 0 }
    }
    $pod | Remove-CriPod -Force
    [ordered]@{
        cycles = $Cycles; timeoutSec = $TimeoutSec; podsListed = $podCount; passedCycles = @($rows | Where-Object { $_.passed }).Count
        failMs = Get-Summary $rows.failMs; restartMs = Get-Summary $rows.restartMs; firstCallMs = Get-Summary $rows.firstCallMs
        recoveryMs = Get-Summary $rows.recoveryMs; perCycle = @($rows)
    }
}

function Get-MemorySample([Diagnostics.Stopwatch] $Clock) {
    # A full, compacting collection first, so the managed figure is what is still referenced.
    [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
    $process = [Diagnostics.Process]::GetCurrentProcess()
    [ordered]@{ seconds = [math]::Round($Clock.Elapsed.TotalSeconds, 1); managedMb = [math]::Round([GC]::GetTotalMemory($true) / 1MB, 2)
                workingSetMb = [math]::Round($process.WorkingSet64 / 1MB, 1); privateMb = [math]::Round($process.PrivateMemorySize64 / 1MB, 1) }
}

function Get-Growth($Series, [string] $Key) {
    $first = $Series[0][$Key]; $last = $Series[-1][$Key]
    [ordered]@{ afterWarmUp = $first; last = $last; growthPercent = [math]::Round(($last - $first) / $first * 100, 1) }
}

function Invoke-Load {
    $sessionState = [Management.Automation.Runspaces.InitialSessionState]::CreateDefault2()
    $sessionState.ImportPSModule($ModulePath)
    # As many runspaces as readers, all opened (module imported) before the clock starts.
    $pool = [runspacefactory]::CreateRunspacePool($Readers, $Readers, $sessionState, $Host)
    $pool.Open()
    $reader = {
        param([string] $Endpoint, [long] $UntilTicks)
        $calls = 0; $errors = 0; $firstError = $null
        while ([datetime]::UtcNow.Ticks -lt $UntilTicks) {
            try { $null = Get-CriContainer -All -RuntimeEndpoint $Endpoint -ErrorAction Stop; $calls++ }
            catch { $errors++; if (-not $firstError) { $firstError = "$($_.FullyQualifiedErrorId): $_" } }
        }
        [pscustomobject]@{ Calls = $calls; Errors = $errors; FirstError = $firstError }
    }
    # One call in each runspace first, so command lookup and the first connection are not in the figures.
    $warm = foreach ($i in 1..$Readers) {
        $ps = [powershell]::Create(); $ps.RunspacePool = $pool
        $null = $ps.AddScript('param($Endpoint) $null = Get-CriContainer -All -RuntimeEndpoint $Endpoint').AddArgument($RuntimeEndpoint)
        [pscustomobject]@{ PowerShell = $ps; Handle = $ps.BeginInvoke() }
    }
    foreach ($w in $warm) { $null = $w.PowerShell.EndInvoke($w.Handle); $w.PowerShell.Dispose() }

    $clock = [Diagnostics.Stopwatch]::StartNew()
    $until = [datetime]::UtcNow.AddSeconds($LoadSeconds)
    $running = foreach ($i in 1..$Readers) {
        $ps = [powershell]::Create(); $ps.RunspacePool = $pool
        $null = $ps.AddScript($reader).AddArgument($RuntimeEndpoint).AddArgument($until.Ticks)
        [pscustomobject]@{ PowerShell = $ps; Handle = $ps.BeginInvoke() }
    }

    $samples = [Collections.Generic.List[object]]::new()
    $churned = 0; $churnErrors = 0; $churnFirstError = $null
    $churnMs = [Collections.Generic.List[double]]::new()
    $watch = [Diagnostics.Stopwatch]::new()
    $nextSample = 0; $sampling = [Diagnostics.Stopwatch]::new()
    # Dot-sourced between the churn steps (one churn pod takes longer than -SampleSeconds); the time a sample
    # takes is left out of the churn figures.
    $sampleIfDue = {
        if ($clock.Elapsed.TotalSeconds -ge $nextSample) {
            $sampling.Start(); $samples.Add((Get-MemorySample $clock)); $sampling.Stop()
            $nextSample = $clock.Elapsed.TotalSeconds + $SampleSeconds
        }
    }
    while ([datetime]::UtcNow -lt $until) {
        . $sampleIfDue
        $watch.Restart(); $sampling.Reset()
        try {
            $pod = New-CriPod "churn$churned" -Namespace "$Namespace-churn" -LogDirectory $LogDirectory
            . $sampleIfDue
            $container = $pod | New-CriContainer work $Image -Command sleep -Argument 3600
            . $sampleIfDue
            $null = $container | Start-CriContainer
            . $sampleIfDue
            $null = $pod | Remove-CriPod -Force
            $churned++
            $churnMs.Add(($watch.Elapsed - $sampling.Elapsed).TotalMilliseconds)
        } catch {
            $churnErrors++
            if (-not $churnFirstError) { $churnFirstError = "$($_.FullyQualifiedErrorId): $_" }
            $null = Get-CriPod -Namespace "$Namespace-churn" | Remove-CriPod -Force
        }
    }
    $readerResults = foreach ($r in $running) { $r.PowerShell.EndInvoke($r.Handle); $r.PowerShell.Dispose() }
    $seconds = $clock.Elapsed.TotalSeconds
    $samples.Add((Get-MemorySample $clock))
    $pool.Dispose()

    $afterWarmUp = @($samples | Where-Object { $_.seconds -ge $WarmUpSeconds })
    $calls = ($readerResults | Measure-Object Calls -Sum).Sum
    $errors = ($readerResults | Measure-Object Errors -Sum).Sum
    foreach ($r in $readerResults | Where-Object Errors) { $failures.Add("load: a reader had $($r.Errors) failed calls, the first: $($r.FirstError)") }
    if ($churnErrors) { $failures.Add("load: $churnErrors churn iterations failed, the first: $churnFirstError") }
    $managed = Get-Growth $afterWarmUp managedMb
    if ($managed.growthPercent -ge $MaxGrowthPercent) { $failures.Add("load: the managed heap grew $($managed.growthPercent)% after warm-up ($($managed.afterWarmUp) MB to $($managed.last) MB)") }
    Write-Host ("load: {0} readers, {1} calls in {2:n1} s ({3:n0}/s), {4} errors; churn {5} pods ({6} errors); managed heap {7} -> {8} MB ({9}%), working set {10} -> {11} MB" -f
        $Readers, $calls, $seconds, ($calls / $seconds), $errors, $churned, $churnErrors, $managed.afterWarmUp, $managed.last, $managed.growthPercent,
        $afterWarmUp[0].workingSetMb, $afterWarmUp[-1].workingSetMb)
    [ordered]@{
        readers = $Readers; seconds = [math]::Round($seconds, 1); warmUpSeconds = $WarmUpSeconds; sampleSeconds = $SampleSeconds
        calls = $calls; callsPerSecond = [math]::Round($calls / $seconds, 1); errors = $errors
        callsPerReader = @($readerResults.Calls); errorsPerReader = @($readerResults.Errors)
        churnPods = $churned; churnErrors = $churnErrors; churnPodMs = Get-Summary $churnMs
        managedMb = $managed; workingSetMb = Get-Growth $afterWarmUp workingSetMb; privateMb = Get-Growth $afterWarmUp privateMb
        maxGrowthPercent = $MaxGrowthPercent; samples = @($samples)
    }
}

$null = Invoke-CriImagePull -Image $Image
Remove-SoakPods
try {
    Write-Host "Kill cycles: $Cycles x SIGKILL of containerd (pid file in $env:CRIPS_RUNTIME_DIR/pids)"
    $kill = Invoke-KillCycles
    Write-Host "Load: $Readers readers for $LoadSeconds s beside a pod churn loop"
    $load = Invoke-Load
} finally {
    # A failed cycle may leave containerd dead; the pods are removed through it.
    if (-not (Get-PrivateRuntimeStatus)) { $null = Restore-PrivateRuntime }
    Remove-SoakPods
    Remove-Item -Recurse -Force $LogDirectory -ErrorAction SilentlyContinue
}

$result = [ordered]@{
    date = $startedAt
    machine = "$([Environment]::ProcessorCount) cores, $([Environment]::OSVersion.VersionString)"
    runtime = (Get-CriRuntimeInfo | ForEach-Object { "$($_.RuntimeName) $($_.RuntimeVersion)" })
    passed = $failures.Count -eq 0
    failures = @($failures)
    killCycles = $kill
    load = $load
    peakRssMb = [math]::Round([Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64 / 1MB, 1)
}
$null = New-Item -ItemType Directory -Force $ResultsDirectory
$result | ConvertTo-Json -Depth 6 | Set-Content (Join-Path $ResultsDirectory 'soak.json')
$k = $kill; $l = $load
$ms = { param($s) "median $($s.median) ms, max $($s.max) ms" }
@"
# CriPS soak ($($result.machine), $($result.runtime)): $(if ($result.passed) { 'passed' } else { 'FAILED' })

| check | figure | requirement | result |
|---|---|---|---|
| Kill cycles: SIGKILL containerd, then Get-CriPod -TimeoutSec $($k.timeoutSec) | fails in $(& $ms $k.failMs) | CriRuntimeUnavailable within $($k.timeoutSec) s | $($k.passedCycles) of $($k.cycles) cycles passed |
| Kill cycles: crips-runtime.sh up | $(& $ms $k.restartMs) | | |
| Kill cycles: first Get-CriPod after the restart, same session and channel | $(& $ms $k.firstCallMs) | succeeds, $($k.podsListed) pods listed, probe container still running | |
| Kill cycles: kill to first answer | $(& $ms $k.recoveryMs) | | |
| Load: $($l.readers) runspaces of Get-CriContainer -All for $($l.seconds) s | $($l.calls) calls = $($l.callsPerSecond)/s; per runspace $($l.callsPerReader -join ', ') | no error | $($l.errors) errors |
| Load: pod churn beside it (New-CriPod, New-CriContainer, Start-CriContainer, Remove-CriPod) | $($l.churnPods) pods, $(& $ms $l.churnPodMs) each | no error | $($l.churnErrors) errors |
| Load: managed heap after a full collection, after $($l.warmUpSeconds) s warm-up to the end | $($l.managedMb.afterWarmUp) MB to $($l.managedMb.last) MB | under $($l.maxGrowthPercent)% growth | $($l.managedMb.growthPercent)% |
| Load: working set (reported) | $($l.workingSetMb.afterWarmUp) MB to $($l.workingSetMb.last) MB | | $($l.workingSetMb.growthPercent)% |
| Load: private bytes (reported) | $($l.privateMb.afterWarmUp) MB to $($l.privateMb.last) MB | | $($l.privateMb.growthPercent)% |

Measured $startedAt; memory sampled between churn steps, at least $($l.sampleSeconds) s apart ($($l.samples.Count) samples, in soak.json). Peak RSS of the soak process: $($result.peakRssMb) MB.
$(if ($failures.Count) { "`nFailures:`n`n" + (($failures | ForEach-Object { "- $_" }) -join "`n") })
"@ | Set-Content (Join-Path $ResultsDirectory 'soak.md')
Get-Content (Join-Path $ResultsDirectory 'soak.md')
if ($failures.Count) { exit 1 }
