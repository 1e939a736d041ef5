<#
.SYNOPSIS
    CriPS benchmarks (build.ps1 Bench): medians of repeated runs, with the floor or peer measured in the same run.
.DESCRIPTION
    B1  warm Get-CriContainer -All with 50 and with 500 containers (pods of 25, two started in each; the rest
        created) against the floor: the same ListContainers call through the generated client in this process,
        without mapping; and `ctr -n k8s.io containers ls` as one process per query, for reference.
    B2  cold start: pwsh -NoProfile -c 'Import-Module CriPS; Get-CriContainer' minus a bare pwsh -NoProfile -c 1, against
        the same for a module that ships with pwsh ('Import-Module Microsoft.PowerShell.Utility; Get-Random'), the four
        taken in turn round after round (ColdStartBenchmarks.ps1); the ratio is CriPS's added time over the reference's.
    B3  pull of a 200 MB image from the local registry, content removed between runs: Invoke-CriImagePull
        (progress on) against `ctr -n k8s.io images pull`; and import of a 1 GiB OCI archive:
        Import-ContainerdImage against `ctr images import --no-unpack` and plain `ctr images import`, with peak RSS.
    B4  moving 1 GiB of Docker images into containerd: the Images step of Convert-DockerNodeToContainerd on a Docker
        node of its own (tests/runtime/crips-node.sh, root) against `docker save | ctr images import -`, with and
        without unpacking, with peak RSS. Not in the default list: it brings up and purges a second Docker node and
        takes about ten minutes; ask for it with -Benchmark B4.
    B5  fan-out: Get-CriContainer -All against the 8 runtimes of -FanOutEndpoint at once (50 containers each) against
        the same way of asking one, three ways: the documented ForEach-Object -Parallel pattern, a warm RunspacePool,
        and a plain loop (see FanOutBenchmarks.ps1). build.ps1 Bench brings the runtimes up.
    Results: bench/results/results.json and bench/results/results.md. A run of some benchmarks keeps the last
    figures of the others (each benchmark records when it was measured). Peak RSS of this process is reported.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $RuntimeEndpoint,
    [Parameter(Mandatory)] [string] $Image,
    [string] $ContainerdAddress,
    [string] $PullImage,
    [string] $RegistryHostsDir,
    [string] $ImportArchive = '/tmp/crips-bench/import-1g.tar',
    [ValidateSet('B1', 'B2', 'B3', 'B4', 'B5')] [string[]] $Benchmark = @('B1', 'B2', 'B3', 'B5'),
    [int[]] $Containers = @(50, 500),
    # B5: the runtimes to fan out to (the first is the "one" of the ratio), their directories (for their memory),
    # and how long bringing them up took (build.ps1 measures it).
    [string[]] $FanOutEndpoint,
    [string[]] $FanOutRuntimeDir,
    [double] $FanOutUpSeconds,
    [int] $Runs = 200,
    [int] $ColdRuns = 20
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
. (Join-Path $PSScriptRoot 'ImageBenchmarks.ps1')
. (Join-Path $PSScriptRoot 'NodeBenchmarks.ps1')
. (Join-Path $PSScriptRoot 'ListingBenchmarks.ps1')
. (Join-Path $PSScriptRoot 'FanOutBenchmarks.ps1')
. (Join-Path $PSScriptRoot 'ColdStartBenchmarks.ps1')
$PSDefaultParameterValues['*-Cri*:RuntimeEndpoint'] = $RuntimeEndpoint
$resultsDir = Join-Path $PSScriptRoot 'results'
$null = New-Item -ItemType Directory -Force $resultsDir

function Get-Median([double[]] $Values) {
    $sorted = $Values | Sort-Object
    $n = $sorted.Count
    if ($n % 2) { $sorted[($n - 1) / 2] } else { ($sorted[$n / 2 - 1] + $sorted[$n / 2]) / 2 }
}

function Measure-Times([int] $Count, [scriptblock] $Script) {
    $watch = [Diagnostics.Stopwatch]::new()
    foreach ($i in 1..$Count) { $watch.Restart(); $null = & $Script; $watch.Stop(); $watch.Elapsed.TotalMilliseconds }
}

function Measure-Median([int] $Count, [scriptblock] $Script) {
    [math]::Round((Get-Median (Measure-Times $Count $Script)), 3)
}

$B1 = $B2 = $B3 = $B4 = $B5 = $null
$startedAt = (Get-Date).ToUniversalTime().ToString('o')
# Other work on the machine moves every figure; the load averages say how busy it was.
function Get-LoadAverage { (Get-Content /proc/loadavg -ErrorAction SilentlyContinue) -replace '^(\S+ \S+ \S+).*', '$1' }
$loadAtStart = Get-LoadAverage
if ('B1' -in $Benchmark) {
    $B1 = Measure-ListingBenchmark -Endpoint $RuntimeEndpoint -Image $Image -Containers $Containers -Runs $Runs -LogDirectory /tmp/crips-bench-logs
}

if ('B2' -in $Benchmark) {
    Write-Host "B2: cold start, $ColdRuns rounds of four fresh pwsh processes"
    $B2 = Measure-ColdStartBenchmark -ModulePath $ModulePath -RuntimeEndpoint $RuntimeEndpoint -Rounds $ColdRuns
}

if ('B3' -in $Benchmark) {
    if (-not ($ContainerdAddress -and $PullImage -and $RegistryHostsDir)) { throw 'B3 needs -ContainerdAddress, -PullImage and -RegistryHostsDir.' }
    Write-Host 'B3: pull'
    $pull = Measure-PullBenchmark -ModulePath $ModulePath -RuntimeEndpoint $RuntimeEndpoint -Address $ContainerdAddress -Image $PullImage -HostsDir $RegistryHostsDir
    Write-Host 'B3: import (the 1 GiB archive is made once)'
    $null = New-Item -ItemType Directory -Force (Split-Path $ImportArchive)
    New-ImportArchive $ImportArchive
    $import = Measure-ImportBenchmark -ModulePath $ModulePath -Address $ContainerdAddress -Archive $ImportArchive
    $B3 = [ordered]@{ pull = $pull; import = $import }
}

if ('B4' -in $Benchmark) {
    Write-Host 'B4: moving 1 GiB of Docker images into containerd (own Docker node; the archive is made once)'
    $null = New-Item -ItemType Directory -Force (Split-Path $ImportArchive)
    New-ImportArchive $ImportArchive
    $B4 = Measure-ImageMoveBenchmark -ModulePath $ModulePath -ImportArchive $ImportArchive
}

if ('B5' -in $Benchmark) {
    if (@($FanOutEndpoint).Count -lt 2) { throw 'B5 needs -FanOutEndpoint: the runtimes to query at once (build.ps1 Bench brings up 8).' }
    $B5 = Measure-FanOutBenchmark -ModulePath $ModulePath -Endpoints $FanOutEndpoint -RuntimeDirs $FanOutRuntimeDir -Image $Image `
        -LogDirectory /tmp/crips-bench-fanout-logs -RuntimesUpSeconds $FanOutUpSeconds
}

# Benchmarks not run now keep their last figures; each says when it was measured (older files had one date).
$resultsFile = Join-Path $resultsDir 'results.json'
$previous = if (Test-Path $resultsFile) { Get-Content -Raw $resultsFile | ConvertFrom-Json -AsHashtable -DateKind String } else { @{} }
$measured = [ordered]@{ B1 = $B1; B2 = $B2; B3 = $B3; B4 = $B4; B5 = $B5 }
foreach ($name in @($measured.Keys)) {
    if ($measured[$name]) { $measured[$name]['measuredAt'] = $startedAt; continue }
    $old = $previous[$name]
    if ($old -and -not $old['measuredAt']) { $old['measuredAt'] = $previous['date'] }
    $measured[$name] = $old
}
$B1, $B2, $B3, $B4, $B5 = $measured.B1, $measured.B2, $measured.B3, $measured.B4, $measured.B5

$peakRssMb = [math]::Round([Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64 / 1MB, 1)
$result = [ordered]@{
    date = $startedAt
    machine = "$([Environment]::ProcessorCount) cores, $([Environment]::OSVersion.VersionString)"
    runtime = (Get-CriRuntimeInfo | ForEach-Object { "$($_.RuntimeName) $($_.RuntimeVersion)" })
    B1 = $B1
    B2 = $B2
    B3 = $B3
    B4 = $B4
    B5 = $B5
    benchmarksRun = @($Benchmark)
    loadAverage = [ordered]@{ atStart = $loadAtStart; atEnd = (Get-LoadAverage) }
    peakRssMb = $peakRssMb
}
$result | ConvertTo-Json -Depth 6 | Set-Content $resultsFile
$rows = @(
    if ($B1) {
        # Results from before the 500-container tier hold one tier at the top level.
        foreach ($t in $(if ($B1['tiers']) { $B1['tiers'] } else { , $B1 })) {
            $shape = if ($t['pods']) { "$($t.containers) containers in $($t.pods) pods, $($t.running) running" } else { "$($t.containers) containers" }
            $rss = if ($t['peakRssMb']) { "; peak RSS $($t.peakRssMb) MB" } else { '' }
            "| B1 Get-CriContainer -All, $shape ($($t.runs) runs$rss) | $($t.cmdletMs) ms | floor (bare ListContainers in process) $($t.floorMs) ms | $($t.ratio)x |"
            "| B1 ctr containers ls, one process per query, $($t.containers) containers | $($t.ctrProcessMs) ms | | |"
        }
    }
    if ($B2) {
        $engineCode = if ($B2.pwshReadyToRun) { 'ReadyToRun' } else { 'IL only, no ReadyToRun code' }
        $reference = if ($B2['reference']) { $B2.reference } else { 'Import-Module Microsoft.PowerShell.Utility; $null = Get-Random' }
        $spread = { param($name) if ($B2['addedQuartilesMs']) { "; quartiles $($B2.addedQuartilesMs[$name] -join ' to ') ms" } else { '' } }
        $ratio = if ($B2['ratio']) { "$($B2.ratio)x" } else { '' }
        "| B2 pwsh + Import-Module CriPS + Get-CriContainer, added over a bare pwsh ($($B2.runs) rounds$(& $spread 'importAndQuery')) | +$($B2.addedByImportAndQueryMs) ms | pwsh + ``$reference``, a module that ships with pwsh: +$($B2.addedByBuiltinModuleMs) ms$(& $spread 'reference') | $ratio |"
        "| B2 pwsh + Import-Module CriPS alone$(& $spread 'import') | +$($B2.addedByImportMs) ms | bare pwsh $($B2.barePwshMs) ms (this pwsh's System.Management.Automation.dll: $engineCode) | |"
    }
    if ($B3) {
        $p = $B3.pull; $i = $B3.import
        "| B3 Invoke-CriImagePull, $($p.sizeMb) MB image ($($p.runs) runs; $($p.progressUpdatesPerSecond) progress updates/s; peak RSS $($p.cmdletPeakRssMb) MB) | $($p.cmdletMs) ms | ctr images pull $($p.ctrMs) ms (peak RSS $($p.ctrPeakRssMb) MB) | $($p.ratio)x |"
        "| B3 Import-ContainerdImage, $($i.archiveMiB) MiB OCI archive ($($i.runs) runs; peak RSS $($i.cmdletPeakRssMb) MB, $($i.cmdletRssBeforeMb) MB before) | $($i.cmdletMs) ms = $($i.cmdletMiBps) MiB/s | ctr images import --no-unpack $($i.ctrNoUnpackMs) ms = $($i.ctrNoUnpackMiBps) MiB/s (peak RSS $($i.ctrNoUnpackPeakRssMb) MB) | $([math]::Round($i.cmdletMiBps / $i.ctrNoUnpackMiBps, 2))x throughput |"
        "| B3 (reference) ctr images import, unpacking | $($i.ctrMs) ms = $($i.ctrMiBps) MiB/s (peak RSS $($i.ctrPeakRssMb) MB) | | |"
    }
    if ($B4) {
        $m = $B4
        "| B4 Convert-DockerNodeToContainerd, Images step moving $($m.saveStreamMiB) MiB ($($m.image) + sandbox image, $($m.runs) runs; peak RSS $($m.cmdletPeakRssMb) MB, $($m.cmdletRssBeforeMb) MB before, $($m.cmdletWithoutImagesPeakRssMb) MB for the same conversion moving no image) | $($m.cmdletImagesStepMs) ms = $($m.cmdletMiBps) MiB/s | docker save \| ctr images import --no-unpack - $($m.peerNoUnpackMs) ms = $($m.peerNoUnpackMiBps) MiB/s (peak RSS ctr $($m.peerNoUnpackCtrPeakRssMb) MB + docker CLI $($m.peerNoUnpackDockerCliPeakRssMb) MB) | $($m.ratioNoUnpack)x throughput |"
        "| B4 (reference) docker save \| ctr images import -, unpacking | $($m.peerMs) ms = $($m.peerMiBps) MiB/s (peak RSS ctr $($m.peerCtrPeakRssMb) MB + docker CLI $($m.peerDockerCliPeakRssMb) MB) | CriPS against it | $($m.ratio)x throughput |"
        "| B4 (reference) docker save > /dev/null, dockerd's stream alone | $($m.dockerSaveOnlyMs) ms = $($m.dockerSaveOnlyMiBps) MiB/s | | |"
    }
    if ($B5) {
        $f = $B5
        $shape = "$($f.runtimes) runtimes x $($f.containersPerRuntime) containers, $($f.cores) cores"
        "| B5 fan-out, warm RunspacePool (CriPS imported once), $shape ($($f.runs) runs; CPU $($f.poolAllCpuMs) ms/query, machine $($f.poolAllMachineBusyPercent)% busy; peak RSS $($f.peakRssMb) MB; load $($f.loadAverage)) | $($f.poolAllMs) ms | the same pool asking 1 runtime $($f.poolOneMs) ms (CPU $($f.poolOneCpuMs) ms) | $($f.poolRatio)x |"
        "| B5 fan-out, documented ForEach-Object -Parallel { Import-Module CriPS; ... }, $shape ($($f.documentedRuns) runs; CPU $($f.documentedAllCpuMs) ms/query) | $($f.documentedAllMs) ms | the same pattern for 1 runtime $($f.documentedOneMs) ms (CPU $($f.documentedOneCpuMs) ms) | $($f.documentedRatio)x |"
        "| B5 fan-out, foreach loop in one runspace, $shape (CPU $($f.sequentialAllCpuMs) ms/query) | $($f.sequentialAllMs) ms | Get-CriContainer -All against 1 runtime $($f.singleCmdletMs) ms (CPU $($f.singleCmdletCpuMs) ms) | $($f.sequentialRatio)x |"
        "| B5 (floor) bare ListContainers to all runtimes at once (Task.WhenAll), $shape (CPU $($f.floorAllCpuMs) ms/query) | $($f.floorAllMs) ms | the same to 1 runtime $($f.floorOneMs) ms (CPU $($f.floorOneCpuMs) ms) | $($f.floorRatio)x |"
        if ($f['scaling']) {
            $series = ($f.scaling | ForEach-Object { "$($_.runtimes): $($_.poolMs) ms (machine $($_.poolMachineBusyPercent)% busy), floor $($_.floorMs) ms" }) -join '; '
            "| B5 pool and floor by number of runtimes | $series | | |"
        }
        "| B5 the $($f.runtimes) private runtimes (crips-runtime.sh up in this run, one after another: $($f.runtimesUpSeconds) s) | RSS $($f.runtimeRssMbEach) MB each (containerd, registry, shims), $($f.runtimeRssMbTotal) MB in all | fixture made in $($f.fixtureSeconds) s | |"
    }
)
$dates = foreach ($name in 'B1', 'B2', 'B3', 'B4', 'B5') { if ($measured[$name]) { "$name $($measured[$name]['measuredAt'])" } }
@"
# CriPS benchmarks ($($result.machine), $($result.runtime))

| benchmark | figure (median) | reference | ratio |
|---|---|---|---|
$($rows -join "`n")

Measured: $($dates -join '; ').
Peak RSS of the benchmark process in the last run ($($Benchmark -join ', ')): $peakRssMb MB.
Load average (1, 5, 15 min) of the machine in the last run: $($result.loadAverage.atStart) at the start, $($result.loadAverage.atEnd) at the end.
"@ | Set-Content (Join-Path $resultsDir 'results.md')
Get-Content (Join-Path $resultsDir 'results.md')
