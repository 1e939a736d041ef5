# B1 and B5 (dot-sourced by Invoke-Benchmarks.ps1): the runtimes' contents they list, and the warm listing itself.
# Everything is made and removed through CRI, in the namespace crips-bench, so the runtime is as it was afterwards.

function Add-BenchContainers {
    <# Adds $Count containers in new pods of $PerPod (the first $RunningPerPod of each pod started); pods are named from
       bench$FirstPod on. Returns the index of the next pod. #>
    param([string] $Endpoint, [string] $Image, [int] $Count, [int] $FirstPod = 0, [int] $PerPod = 25,
          [int] $RunningPerPod = 2, [string] $LogDirectory)
    $made = 0
    $podIndex = $FirstPod
    while ($made -lt $Count) {
        # A log directory per pod: containers of different pods share names (c1, c2, ...) and so log file names.
        $pod = New-CriPod "bench$podIndex" -Namespace crips-bench -LogDirectory (Join-Path $LogDirectory "bench$podIndex") -RuntimeEndpoint $Endpoint
        $inPod = [math]::Min($PerPod, $Count - $made)
        foreach ($i in 1..$inPod) {
            $container = $pod | New-CriContainer "c$i" $Image -Command sleep -Argument 3600 -RuntimeEndpoint $Endpoint
            if ($i -le $RunningPerPod) { $container | Start-CriContainer -RuntimeEndpoint $Endpoint }
        }
        $made += $inPod
        $podIndex++
    }
    $podIndex
}

function Remove-BenchContainers([string] $Endpoint, [string] $LogDirectory) {
    # Through CRI (Remove-CriPod -Force removes the containers and lets CNI release the addresses).
    Get-CriPod -Namespace crips-bench -RuntimeEndpoint $Endpoint | Remove-CriPod -Force -RuntimeEndpoint $Endpoint
    Remove-Item -Recurse -Force $LogDirectory -ErrorAction SilentlyContinue
}

function Get-BenchFloorClient([string] $Endpoint) {
    # The floor is the engine's bare call, reached by reflection because the engine lives in its own load context.
    $engine = [System.Runtime.Loader.AssemblyLoadContext]::All.Assemblies | Where-Object { $_.GetName().Name -eq 'CriPS.Engine' } | Select-Object -First 1
    $engine.GetType('CriPS.Engine.CriClient')::Connect($Endpoint, $null, $null, $null)
}

function Get-PeakRssMb {
    # The process's peak so far (VmHWM): it only grows, so a figure taken after a step bounds that step.
    [math]::Round([Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64 / 1MB, 1)
}

function Measure-ListingTier {
    <# B1 at the runtime's present contents: Get-CriContainer -All against the floor, ctr as a process per query. #>
    param([string] $Endpoint, [int] $Runs, [int] $CtrRuns = 20)
    $client = Get-BenchFloorClient $Endpoint
    $none = [Threading.CancellationToken]::None
    $count = @(Get-CriContainer -All -RuntimeEndpoint $Endpoint).Count
    $running = @(Get-CriContainer -RuntimeEndpoint $Endpoint).Count
    if ($client.ListContainersRawAsync($none).GetAwaiter().GetResult() -ne $count) { throw 'The floor and Get-CriContainer -All disagree on the number of containers.' }
    foreach ($i in 1..20) { $null = Get-CriContainer -All -RuntimeEndpoint $Endpoint; $null = $client.ListContainersRawAsync($none).GetAwaiter().GetResult() }
    # Interleaved halves, so a slow spell of the machine does not land on one side of the ratio only.
    $half = [math]::Max(1, [int]($Runs / 2))
    $floor1 = @(Measure-Times $half { $client.ListContainersRawAsync($none).GetAwaiter().GetResult() })
    $cmdlet1 = @(Measure-Times $half { Get-CriContainer -All -RuntimeEndpoint $Endpoint })
    $floor2 = @(Measure-Times $half { $client.ListContainersRawAsync($none).GetAwaiter().GetResult() })
    $cmdlet2 = @(Measure-Times $half { Get-CriContainer -All -RuntimeEndpoint $Endpoint })
    $floor = [math]::Round((Get-Median ($floor1 + $floor2)), 3)
    $cmdlet = [math]::Round((Get-Median ($cmdlet1 + $cmdlet2)), 3)
    $ctr = if (Get-Command ctr -ErrorAction SilentlyContinue) {
        $address = $Endpoint -replace '^unix://'
        Measure-Median $CtrRuns { & ctr -a $address -n k8s.io containers ls }
    }
    [ordered]@{ containers = $count; running = $running; runs = 2 * $half; cmdletMs = $cmdlet; floorMs = $floor
                ratio = [math]::Round($cmdlet / $floor, 2); ctrProcessMs = $ctr; peakRssMb = (Get-PeakRssMb); loadAverage = (Get-LoadAverage) }
}

function Measure-ListingBenchmark {
    <# B1: the runtime filled to each of $Containers (ascending) in turn, each tier measured, everything removed after. #>
    param([string] $Endpoint, [string] $Image, [int[]] $Containers, [int] $Runs, [string] $LogDirectory)
    Remove-BenchContainers $Endpoint $LogDirectory
    $null = Invoke-CriImagePull -Image $Image -RuntimeEndpoint $Endpoint
    $tiers = [Collections.Generic.List[object]]::new()
    $made = 0
    $nextPod = 0
    try {
        foreach ($target in $Containers | Sort-Object) {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $nextPod = Add-BenchContainers -Endpoint $Endpoint -Image $Image -Count ($target - $made) -FirstPod $nextPod -LogDirectory $LogDirectory
            $made = $target
            $fixtureSeconds = [math]::Round($watch.Elapsed.TotalSeconds, 1)
            Write-Host "B1: $made containers in $nextPod pods (added in $fixtureSeconds s); measuring"
            $tier = Measure-ListingTier -Endpoint $Endpoint -Runs $Runs
            $tier['pods'] = $nextPod
            $tier['fixtureSeconds'] = $fixtureSeconds
            $tiers.Add($tier)
        }
    } finally {
        Remove-BenchContainers $Endpoint $LogDirectory
    }
    [ordered]@{ tiers = $tiers.ToArray() }
}
