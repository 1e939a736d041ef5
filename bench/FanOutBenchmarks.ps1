# B5 (dot-sourced by Invoke-Benchmarks.ps1, after ListingBenchmarks.ps1): Get-CriContainer -All against several
# private runtimes at once, each figure against the same way of asking one runtime, measured in the same run.
#   documented  the pattern of about_CriPS: $endpoints | ForEach-Object -Parallel { Import-Module CriPS; Get-CriContainer }.
#               Its runspaces are reused within one ForEach-Object call only (PowerShell 7.1+), so every query pays
#               new runspaces and an Import-Module in each; the gRPC channels are the process's and stay warm.
#   pool        a RunspacePool opened once with CriPS imported, one PowerShell instance per endpoint per query:
#               what a script that asks again and again keeps warm.
#   sequential  foreach ($ep in $endpoints) { Get-CriContainer -All -RuntimeEndpoint $ep } in one runspace.
#   floor       the engine's bare ListContainers calls, all started at once (Task.WhenAll): what the machine and the
#               runtimes allow without PowerShell; the fan-out cannot do better than this ratio.
# Wall times are taken interleaved (one way, then its peer, in turn). Each way also has the CPU time this process spent
# per query (all threads) and how busy the whole machine was meanwhile (/proc/stat), from a run of its own, since a
# fan-out is bound by cores; a series over 1, 2, 4 and 8 runtimes shows where it bends.

function Get-ProcessRssKb([string] $ProcessId) {
    $line = Select-String -Path "/proc/$ProcessId/status" -Pattern '^VmRSS:\s+(\d+) kB' -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($line) { [int]$line.Matches[0].Groups[1].Value } else { 0 }
}

function Get-RuntimeRssMb([string] $RuntimeDir) {
    # What one private runtime holds in memory: the daemons crips-runtime.sh recorded (containerd, registry) and
    # the runc shims that serve its pods (their command line names its socket).
    $total = 0
    foreach ($pidFile in Get-ChildItem (Join-Path $RuntimeDir 'pids') -Filter '*.pid' -ErrorAction SilentlyContinue) {
        $total += Get-ProcessRssKb (Get-Content $pidFile.FullName).Trim()
    }
    $socket = Join-Path $RuntimeDir 'containerd.sock'
    foreach ($cmdline in Get-ChildItem /proc -Directory -ErrorAction SilentlyContinue | Where-Object Name -match '^\d+$') {
        $args0 = try { [IO.File]::ReadAllText("$($cmdline.FullName)/cmdline") } catch { '' }
        if ($args0 -like '*containerd-shim*' -and $args0.Contains("$socket`0")) { $total += Get-ProcessRssKb $cmdline.Name }
    }
    [math]::Round($total / 1024, 1)
}

function Get-MachineCpuTicks {
    # The first line of /proc/stat: every core's user, nice, system, idle, iowait, irq, softirq, steal ticks.
    $ticks = @((Get-Content /proc/stat -TotalCount 1) -split '\s+' | Select-Object -Skip 1 -First 8 | ForEach-Object { [long]$_ })
    [pscustomobject]@{ Total = ($ticks | Measure-Object -Sum).Sum; Idle = $ticks[3] + $ticks[4] }
}

function Measure-Interleaved([int] $Count, [scriptblock[]] $Scripts, [int] $CpuRuns = 50) {
    <# The scripts' wall times taken in turn, $Count rounds, so a change in the machine's load falls on all of them
       alike: one median each. Then, script by script (work left behind by one, such as a collection or a pool's
       clean-up, would otherwise be charged to the next), $CpuRuns runs back to back for this process's CPU time per
       run (all threads) and the share of the whole machine that was busy meanwhile. #>
    $watch = [Diagnostics.Stopwatch]::new()
    $times = @(foreach ($s in $Scripts) { , [Collections.Generic.List[double]]::new() })
    foreach ($round in 1..$Count) {
        for ($k = 0; $k -lt $Scripts.Count; $k++) {
            $watch.Restart(); $null = & $Scripts[$k]; $watch.Stop()
            $times[$k].Add($watch.Elapsed.TotalMilliseconds)
        }
    }
    $self = [Diagnostics.Process]::GetCurrentProcess()
    for ($k = 0; $k -lt $Scripts.Count; $k++) {
        [GC]::Collect()
        $self.Refresh()
        $cpu = $self.TotalProcessorTime
        $machine = Get-MachineCpuTicks
        foreach ($i in 1..$CpuRuns) { $null = & $Scripts[$k] }
        $after = Get-MachineCpuTicks
        $self.Refresh()
        $total = $after.Total - $machine.Total
        [pscustomobject]@{
            Ms = [math]::Round((Get-Median $times[$k].ToArray()), 3)
            CpuMs = [math]::Round(($self.TotalProcessorTime - $cpu).TotalMilliseconds / $CpuRuns, 2)
            MachineBusyPercent = if ($total -gt 0) { [math]::Round(100 * ($total - ($after.Idle - $machine.Idle)) / $total, 0) }
        }
    }
}

function Invoke-PooledListing([System.Management.Automation.Runspaces.RunspacePool] $Pool, [string[]] $Endpoints) {
    # All queries started before any is awaited; returns every container.
    $running = foreach ($endpoint in $Endpoints) {
        $ps = [powershell]::Create()
        $ps.RunspacePool = $Pool
        $null = $ps.AddCommand('Get-CriContainer').AddParameter('All').AddParameter('RuntimeEndpoint', $endpoint)
        [pscustomobject]@{ Shell = $ps; Handle = $ps.BeginInvoke() }
    }
    foreach ($query in $running) {
        try { $query.Shell.EndInvoke($query.Handle) } finally { $query.Shell.Dispose() }
    }
}

function Measure-FanOutBenchmark {
    param([string] $ModulePath, [string[]] $Endpoints, [string[]] $RuntimeDirs, [string] $Image, [int] $ContainersPerRuntime = 50,
          [int] $Runs = 100, [int] $DocumentedRuns = 15, [string] $LogDirectory, [double] $RuntimesUpSeconds)
    $all = @($Endpoints)
    $one = @($all[0])
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $index = 0
    foreach ($endpoint in $all) {
        $logs = Join-Path $LogDirectory "rt$index"
        Remove-BenchContainers $endpoint $logs
        $null = Invoke-CriImagePull -Image $Image -RuntimeEndpoint $endpoint
        $null = Add-BenchContainers -Endpoint $endpoint -Image $Image -Count $ContainersPerRuntime -LogDirectory $logs
        $index++
    }
    $fixtureSeconds = [math]::Round($watch.Elapsed.TotalSeconds, 1)
    $expected = $all.Count * $ContainersPerRuntime
    Write-Host "B5: $($all.Count) runtimes with $ContainersPerRuntime containers each (made in $fixtureSeconds s); measuring"
    $daemonRss = @($RuntimeDirs | ForEach-Object { Get-RuntimeRssMb $_ })
    $pool = $null
    try {
        $documented = {
            param([string[]] $Targets)
            $Targets | ForEach-Object -ThrottleLimit 8 -Parallel {
                Import-Module $using:ModulePath
                Get-CriContainer -All -RuntimeEndpoint $_
            }
        }
        $sequential = { param([string[]] $Targets) foreach ($t in $Targets) { Get-CriContainer -All -RuntimeEndpoint $t } }
        $state = [initialsessionstate]::CreateDefault2()
        $state.ImportPSModule($ModulePath)
        $pool = [runspacefactory]::CreateRunspacePool(1, $all.Count, $state, $Host)
        $pool.Open()

        # Each way must bring back every container before it is timed.
        $answers = [ordered]@{ documented = @(& $documented $all); pool = @(Invoke-PooledListing $pool $all); sequential = @(& $sequential $all) }
        foreach ($way in $answers.Keys) {
            $containers = $answers[$way]
            if ($containers.Count -ne $expected) { throw "B5 ${way}: $($containers.Count) containers, expected $expected." }
            $endpointsSeen = @($containers | Group-Object RuntimeEndpoint).Count
            if ($endpointsSeen -ne $all.Count) { throw "B5 ${way}: containers of $endpointsSeen runtimes, expected $($all.Count)." }
        }
        $clients = @($all | ForEach-Object { Get-BenchFloorClient $_ })
        $none = [Threading.CancellationToken]::None
        $floorCalls = { param($Of) [Threading.Tasks.Task]::WhenAll([Threading.Tasks.Task[]]@($Of | ForEach-Object { $_.ListContainersRawAsync($none) })).GetAwaiter().GetResult() }
        # Warm-up: every runspace of the pool opened, every channel connected.
        foreach ($i in 1..20) { $null = Invoke-PooledListing $pool $all; $null = & $sequential $all; $null = & $floorCalls $clients }

        $floorOne, $floorAll, $single, $poolOne, $poolAll, $sequentialAll = Measure-Interleaved $Runs @(
            { & $floorCalls $clients[0] }, { & $floorCalls $clients }, { Get-CriContainer -All -RuntimeEndpoint $one[0] },
            { Invoke-PooledListing $pool $one }, { Invoke-PooledListing $pool $all }, { & $sequential $all })
        $scaling = foreach ($n in 1, 2, 4, 8 | Where-Object { $_ -le $all.Count }) {
            $some = @($all | Select-Object -First $n)
            $someClients = @($clients | Select-Object -First $n)
            $p, $f = Measure-Interleaved ([int]($Runs / 2)) @({ Invoke-PooledListing $pool $some }, { & $floorCalls $someClients })
            [ordered]@{ runtimes = $n; poolMs = $p.Ms; poolCpuMs = $p.CpuMs; poolMachineBusyPercent = $p.MachineBusyPercent
                        floorMs = $f.Ms; floorCpuMs = $f.CpuMs; floorMachineBusyPercent = $f.MachineBusyPercent }
        }
        $documentedOne, $documentedAll = Measure-Interleaved $DocumentedRuns @({ & $documented $one }, { & $documented $all }) -CpuRuns 5
    } finally {
        if ($pool) { $pool.Dispose() }
        $index = 0
        foreach ($endpoint in $all) { Remove-BenchContainers $endpoint (Join-Path $LogDirectory "rt$index"); $index++ }
        Remove-Item -Recurse -Force $LogDirectory -ErrorAction SilentlyContinue
    }
    [ordered]@{
        runtimes = $all.Count; containersPerRuntime = $ContainersPerRuntime; runs = $Runs; documentedRuns = $DocumentedRuns
        cores = [Environment]::ProcessorCount
        loadAverage = Get-LoadAverage
        floorOneMs = $floorOne.Ms; floorAllMs = $floorAll.Ms; floorRatio = [math]::Round($floorAll.Ms / $floorOne.Ms, 2)
        floorOneCpuMs = $floorOne.CpuMs; floorAllCpuMs = $floorAll.CpuMs
        singleCmdletMs = $single.Ms; singleCmdletCpuMs = $single.CpuMs
        poolOneMs = $poolOne.Ms; poolAllMs = $poolAll.Ms; poolRatio = [math]::Round($poolAll.Ms / $poolOne.Ms, 2)
        poolOneCpuMs = $poolOne.CpuMs; poolAllCpuMs = $poolAll.CpuMs
        poolOneMachineBusyPercent = $poolOne.MachineBusyPercent; poolAllMachineBusyPercent = $poolAll.MachineBusyPercent
        scaling = @($scaling)
        poolAllOverSingleCmdlet = [math]::Round($poolAll.Ms / $single.Ms, 2)
        sequentialAllMs = $sequentialAll.Ms; sequentialAllCpuMs = $sequentialAll.CpuMs; sequentialRatio = [math]::Round($sequentialAll.Ms / $single.Ms, 2)
        documentedOneMs = $documentedOne.Ms; documentedAllMs = $documentedAll.Ms; documentedRatio = [math]::Round($documentedAll.Ms / $documentedOne.Ms, 2)
        documentedOneCpuMs = $documentedOne.CpuMs; documentedAllCpuMs = $documentedAll.CpuMs
        fixtureSeconds = $fixtureSeconds
        runtimesUpSeconds = $RuntimesUpSeconds
        runtimeRssMbEach = [math]::Round(($daemonRss | Measure-Object -Average).Average, 1)
        runtimeRssMbTotal = [math]::Round(($daemonRss | Measure-Object -Sum).Sum, 1)
        peakRssMb = (Get-PeakRssMb)
    }
}
