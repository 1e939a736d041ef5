# B3 (dot-sourced by Invoke-Benchmarks.ps1): image pull and image import against ctr, in the same run.
# Every CriPS run happens in a child pwsh that reports its own time and peak RSS, so one run's memory never
# hides in another's; ctr runs under /usr/bin/time for the same two figures.

function Invoke-Child([string] $Script) {
    # A fresh pwsh; the script prints one JSON line last.
    $pwsh = [Environment]::ProcessPath
    $pwshArgs = @()
    if ((Split-Path -Leaf $pwsh) -like 'dotnet*') { $pwshArgs = @(Join-Path $PSHOME 'pwsh.dll') }
    $out = & $pwsh @pwshArgs -NoProfile -c $Script
    if ($LASTEXITCODE -ne 0) { throw "Child pwsh failed: $out" }
    ($out | Select-Object -Last 1) | ConvertFrom-Json
}

function Measure-Process([string] $Exe, [string[]] $Arguments) {
    # Wall time (ms) and peak RSS (MB) of one process, from GNU time.
    $report = [IO.Path]::GetTempFileName()
    try {
        & /usr/bin/time -f '%e %M' -o $report $Exe @Arguments *> $null
        if ($LASTEXITCODE -ne 0) { throw "$Exe $($Arguments -join ' ') failed with exit code $LASTEXITCODE." }
        $seconds, $kb = (Get-Content $report | Select-Object -Last 1) -split ' '
        [pscustomobject]@{ Ms = [double]$seconds * 1000; PeakRssMb = [math]::Round([double]$kb / 1024, 1) }
    } finally { Remove-Item $report }
}

function Remove-ImageContent([string] $Address, [string] $Namespace, [string] $Name) {
    # Every record of the image (CRI keeps three: the name, name@digest, the id), collected at once, so the
    # next run pulls or imports everything again.
    $digest = (Get-ContainerdImage -Address $Address -Namespace $Namespace -Name $Name -ErrorAction SilentlyContinue).Digest
    if (-not $digest) { return }
    Get-ContainerdImage -Address $Address -Namespace $Namespace | Where-Object Digest -eq $digest |
        Remove-ContainerdImage -Address $Address -Namespace $Namespace
    if (Get-ContainerdContent -Address $Address -Namespace $Namespace -Digest $digest) { throw "The content of $Name is still in $Namespace." }
}

function Measure-PullBenchmark {
    param([string] $ModulePath, [string] $RuntimeEndpoint, [string] $Address, [string] $Image, [string] $HostsDir, [int] $Runs = 5)
    # The pull as a user sees it: the module loaded, Invoke-CriImagePull with its progress shown to a host.
    $pull = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
`$ps = [powershell]::Create()
`$null = `$ps.AddScript('Import-Module ''$ModulePath''; Get-CriRuntimeInfo -RuntimeEndpoint ''$RuntimeEndpoint'' | Out-Null').Invoke()
`$ps.Commands.Clear()
`$watch = [Diagnostics.Stopwatch]::StartNew()
`$null = `$ps.AddScript('Invoke-CriImagePull -RuntimeEndpoint ''$RuntimeEndpoint'' -Image ''$Image''').Invoke()
`$ms = `$watch.Elapsed.TotalMilliseconds
if (`$ps.HadErrors) { throw "`$(`$ps.Streams.Error)" }
`$updates = @(`$ps.Streams.Progress | Where-Object RecordType -eq 'Processing').Count
@{ ms = `$ms; updates = `$updates; peakRssMb = [math]::Round([Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64 / 1MB, 1) } | ConvertTo-Json -Compress
"@
    $crips = [System.Collections.Generic.List[object]]::new()
    $ctr = [System.Collections.Generic.List[object]]::new()
    $address = $Address -replace '^unix://'
    foreach ($i in 1..$Runs) {
        # Alternating, so drift in the machine's speed touches both sides alike.
        Remove-ImageContent $Address k8s.io $Image
        $crips.Add((Invoke-Child $pull))
        Remove-ImageContent $Address k8s.io $Image
        $ctr.Add((Measure-Process ctr '-a', $address, '-n', 'k8s.io', 'images', 'pull', '--hosts-dir', $HostsDir, $Image))
    }
    $size = (Get-CriImage -RuntimeEndpoint $RuntimeEndpoint -Name $Image).Size
    $cripsMs = Get-Median $crips.ms
    $ctrMs = Get-Median $ctr.Ms
    [ordered]@{
        image = $Image; sizeMb = [math]::Round($size / 1e6, 1); runs = $Runs
        cmdletMs = [math]::Round($cripsMs, 1); ctrMs = [math]::Round($ctrMs, 1); ratio = [math]::Round($cripsMs / $ctrMs, 3)
        progressUpdatesPerSecond = [math]::Round((Get-Median ($crips | ForEach-Object { $_.updates / ($_.ms / 1000) })), 1)
        cmdletPeakRssMb = Get-Median $crips.peakRssMb; ctrPeakRssMb = Get-Median $ctr.PeakRssMb
    }
}

function New-ImportArchive([string] $Path, [int] $Layers = 4, [int] $LayerMiB = 256) {
    # An OCI archive of random, uncompressed layers (valid tars, so ctr can also unpack it), made once and kept.
    if (Test-Path $Path) { return }
    $work = "$Path.d"
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
    $blobs = New-Item -ItemType Directory (Join-Path $work 'layout/blobs/sha256')
    $buffer = [byte[]]::new(1MB)
    $layerDescriptors = foreach ($n in 1..$Layers) {
        $stage = New-Item -ItemType Directory (Join-Path $work "stage$n")
        $file = [IO.File]::Create((Join-Path $stage "random$n.bin"))
        foreach ($mb in 1..$LayerMiB) { [Security.Cryptography.RandomNumberGenerator]::Fill($buffer); $file.Write($buffer, 0, $buffer.Length) }
        $file.Dispose()
        $tar = Join-Path $work "layer$n.tar"
        & tar --numeric-owner --owner=0 --group=0 -C $stage -cf $tar .
        Remove-Item -Recurse $stage
        $hash = (Get-FileHash -Algorithm SHA256 $tar).Hash.ToLower()
        Move-Item $tar (Join-Path $blobs $hash)
        [ordered]@{ mediaType = 'application/vnd.oci.image.layer.v1.tar'; digest = "sha256:$hash"; size = (Get-Item (Join-Path $blobs $hash)).Length }
    }
    function Add-Blob([string] $Json) {
        $bytes = [Text.Encoding]::UTF8.GetBytes($Json)
        $hash = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($bytes)).ToLower()
        [IO.File]::WriteAllBytes((Join-Path $blobs $hash), $bytes)
        @{ digest = "sha256:$hash"; size = $bytes.Length }
    }
    $config = Add-Blob (ConvertTo-Json -Compress -Depth 5 ([ordered]@{
        architecture = 'amd64'; os = 'linux'; config = @{}
        rootfs = [ordered]@{ type = 'layers'; diff_ids = @($layerDescriptors.digest) }
    }))
    $manifest = Add-Blob (ConvertTo-Json -Compress -Depth 5 ([ordered]@{
        schemaVersion = 2; mediaType = 'application/vnd.oci.image.manifest.v1+json'
        config = [ordered]@{ mediaType = 'application/vnd.oci.image.config.v1+json'; digest = $config.digest; size = $config.size }
        layers = @($layerDescriptors)
    }))
    [IO.File]::WriteAllText((Join-Path $work 'layout/oci-layout'), '{"imageLayoutVersion":"1.0.0"}')
    [IO.File]::WriteAllText((Join-Path $work 'layout/index.json'), (ConvertTo-Json -Compress -Depth 6 ([ordered]@{
        schemaVersion = 2
        manifests = @([ordered]@{
            mediaType = 'application/vnd.oci.image.manifest.v1+json'; digest = $manifest.digest; size = $manifest.size
            annotations = @{ 'io.containerd.image.name' = 'crips.bench/import:1'; 'org.opencontainers.image.ref.name' = '1' }
        })
    })))
    & tar -C (Join-Path $work 'layout') -cf $Path oci-layout index.json blobs
    Remove-Item -Recurse -Force $work
}

function Measure-ImportBenchmark {
    param([string] $ModulePath, [string] $Address, [string] $Archive, [int] $Runs = 3)
    $size = (Get-Item $Archive).Length
    $import = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$ModulePath'
`$null = Get-ContainerdVersion -Address '$Address'
`$before = [math]::Round([Diagnostics.Process]::GetCurrentProcess().WorkingSet64 / 1MB, 1)
`$watch = [Diagnostics.Stopwatch]::StartNew()
`$null = Import-ContainerdImage -Address '$Address' -Namespace crips-bench-import -Path '$Archive' -ProgressAction SilentlyContinue
`$ms = `$watch.Elapsed.TotalMilliseconds
@{ ms = `$ms; rssBeforeMb = `$before; peakRssMb = [math]::Round([Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64 / 1MB, 1) } | ConvertTo-Json -Compress
"@
    $address = $Address -replace '^unix://'
    $crips = [System.Collections.Generic.List[object]]::new()
    $ctr = [System.Collections.Generic.List[object]]::new()
    $ctrUnpack = [System.Collections.Generic.List[object]]::new()
    foreach ($i in 1..$Runs) {
        Remove-ImageContent $Address crips-bench-import crips.bench/import:1
        $crips.Add((Invoke-Child $import))
        Remove-ImageContent $Address crips-bench-import crips.bench/import:1
        $ctr.Add((Measure-Process ctr '-a', $address, '-n', 'crips-bench-import', 'images', 'import', '--no-unpack', $Archive))
        Remove-ImageContent $Address crips-bench-import crips.bench/import:1
        $ctrUnpack.Add((Measure-Process ctr '-a', $address, '-n', 'crips-bench-import', 'images', 'import', $Archive))
    }
    Remove-ImageContent $Address crips-bench-import crips.bench/import:1
    $mibPerSecond = { param($ms) [math]::Round($size / 1MB / ($ms / 1000), 1) }
    [ordered]@{
        archiveMiB = [math]::Round($size / 1MB, 1); runs = $Runs
        cmdletMs = [math]::Round((Get-Median $crips.ms), 1); cmdletMiBps = & $mibPerSecond (Get-Median $crips.ms)
        ctrNoUnpackMs = [math]::Round((Get-Median $ctr.Ms), 1); ctrNoUnpackMiBps = & $mibPerSecond (Get-Median $ctr.Ms)
        ctrMs = [math]::Round((Get-Median $ctrUnpack.Ms), 1); ctrMiBps = & $mibPerSecond (Get-Median $ctrUnpack.Ms)
        cmdletPeakRssMb = Get-Median $crips.peakRssMb; cmdletRssBeforeMb = Get-Median $crips.rssBeforeMb
        ctrNoUnpackPeakRssMb = Get-Median $ctr.PeakRssMb; ctrPeakRssMb = Get-Median $ctrUnpack.PeakRssMb
    }
}
