<#
.SYNOPSIS
    CriPS benchmarks (build.ps1 Bench): medians of repeated runs, with the floor or peer measured in the same run.
.DESCRIPTION
    B1  warm Get-CriContainer -All with 50 containers (10 running, 40 created) against the floor: the same
        ListContainers call through the generated client in this process, without mapping; and
        `ctr -n k8s.io containers ls` as one process per query, for reference.
    B2  cold start: pwsh -NoProfile -c 'Import-Module CriPS; Get-CriContainer' minus a bare pwsh -NoProfile -c 1.
    Results: bench/results/results.json and bench/results/results.md. Peak RSS of this process is reported.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $RuntimeEndpoint,
    [Parameter(Mandatory)] [string] $Image,
    [int] $Containers = 50,
    [int] $Runs = 200,
    [int] $ColdRuns = 10
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$PSDefaultParameterValues['*-Cri*:RuntimeEndpoint'] = $RuntimeEndpoint
$resultsDir = Join-Path $PSScriptRoot 'results'
$null = New-Item -ItemType Directory -Force $resultsDir

function Get-Median([double[]] $Values) {
    $sorted = $Values | Sort-Object
    $n = $sorted.Count
    if ($n % 2) { $sorted[($n - 1) / 2] } else { ($sorted[$n / 2 - 1] + $sorted[$n / 2]) / 2 }
}

function Measure-Median([int] $Count, [scriptblock] $Script) {
    $watch = [Diagnostics.Stopwatch]::new()
    $times = foreach ($i in 1..$Count) { $watch.Restart(); $null = & $Script; $watch.Stop(); $watch.Elapsed.TotalMilliseconds }
    [math]::Round((Get-Median $times), 3)
}

# --- fixture: one pod with $Containers containers, 10 of them running
Get-CriPod -Namespace crips-bench | Remove-CriPod -Force
$pod = New-CriPod bench -Namespace crips-bench -LogDirectory /tmp/crips-bench-logs
$null = Invoke-CriImagePull -Image $Image
foreach ($i in 1..$Containers) {
    $c = $pod | New-CriContainer "c$i" $Image -Command sleep -Argument 3600
    if ($i -le 10) { $c | Start-CriContainer }
}
$count = @(Get-CriContainer -All).Count
Write-Host "Fixture: $count containers in the runtime."

# --- B1: the floor is the engine's bare call, reached by reflection because the engine lives in its own load context
$engine = [System.Runtime.Loader.AssemblyLoadContext]::All.Assemblies | Where-Object { $_.GetName().Name -eq 'CriPS.Engine' } | Select-Object -First 1
$client = $engine.GetType('CriPS.Engine.CriClient')::Connect($RuntimeEndpoint, $null, $null, $null)
$none = [Threading.CancellationToken]::None
foreach ($i in 1..20) { $null = Get-CriContainer -All; $null = $client.ListContainersRawAsync($none).GetAwaiter().GetResult() }
$floor = Measure-Median $Runs { $client.ListContainersRawAsync($none).GetAwaiter().GetResult() }
$cmdlet = Measure-Median $Runs { Get-CriContainer -All }
$ctr = if (Get-Command ctr -ErrorAction SilentlyContinue) {
    $address = $RuntimeEndpoint -replace '^unix://'
    Measure-Median 20 { & ctr -a $address -n k8s.io containers ls }
}

# --- B2: cold start over a bare pwsh (the pwsh apphost, not the dotnet tool shim, which adds its own start-up)
$pwsh = Join-Path $PSHOME 'pwsh'
$pwshArgs = @()
if (-not (Test-Path $pwsh) -or -not ((Get-Item $pwsh).UnixMode -match '^-..x')) { $pwsh = [Environment]::ProcessPath; $pwshArgs = @(Join-Path $PSHOME 'pwsh.dll') }
$null = & $pwsh @pwshArgs -NoProfile -c 1
$bare = Measure-Median $ColdRuns { & $pwsh @pwshArgs -NoProfile -c 1 }
$withModule = Measure-Median $ColdRuns { & $pwsh @pwshArgs -NoProfile -c "Import-Module '$ModulePath'; `$null = Get-CriContainer -RuntimeEndpoint '$RuntimeEndpoint'" }
$importOnly = Measure-Median $ColdRuns { & $pwsh @pwshArgs -NoProfile -c "Import-Module '$ModulePath'" }

Get-CriPod -Namespace crips-bench | Remove-CriPod -Force
Remove-Item -Recurse -Force /tmp/crips-bench-logs -ErrorAction SilentlyContinue

$peakRssMb = [math]::Round([Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64 / 1MB, 1)
$result = [ordered]@{
    date = (Get-Date).ToUniversalTime().ToString('o')
    machine = "$([Environment]::ProcessorCount) cores, $([Environment]::OSVersion.VersionString)"
    runtime = (Get-CriRuntimeInfo | ForEach-Object { "$($_.RuntimeName) $($_.RuntimeVersion)" })
    B1 = [ordered]@{ containers = $count; runs = $Runs; cmdletMs = $cmdlet; floorMs = $floor; ratio = [math]::Round($cmdlet / $floor, 2); ctrProcessMs = $ctr }
    B2 = [ordered]@{ runs = $ColdRuns; barePwshMs = $bare; importMs = $importOnly; importAndQueryMs = $withModule
                     addedByImportMs = [math]::Round($importOnly - $bare, 1); addedByImportAndQueryMs = [math]::Round($withModule - $bare, 1) }
    peakRssMb = $peakRssMb
}
$result | ConvertTo-Json -Depth 4 | Set-Content (Join-Path $resultsDir 'results.json')
@"
# CriPS benchmarks ($($result.date), $($result.machine), $($result.runtime))

| benchmark | figure (median) | reference | ratio |
|---|---|---|---|
| B1 Get-CriContainer -All, $count containers ($Runs runs) | $cmdlet ms | floor (bare ListContainers in process) $floor ms | $($result.B1.ratio)x |
| B1 ctr containers ls, one process per query | $ctr ms | | |
| B2 pwsh + Import-Module ($ColdRuns runs) | +$($result.B2.addedByImportMs) ms | bare pwsh $bare ms | |
| B2 pwsh + Import-Module + Get-CriContainer | +$($result.B2.addedByImportAndQueryMs) ms | bare pwsh $bare ms | |

Peak RSS of the benchmark process: $peakRssMb MB.
"@ | Set-Content (Join-Path $resultsDir 'results.md')
Get-Content (Join-Path $resultsDir 'results.md')
