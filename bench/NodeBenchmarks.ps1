# B4 (dot-sourced by Invoke-Benchmarks.ps1 after ImageBenchmarks.ps1): moving 1 GiB of Docker images into
# containerd with Convert-DockerNodeToContainerd against `docker save | ctr images import -`, on a node of its own
# (tests/runtime/crips-node.sh). Uses Invoke-Child, Measure-Process and Remove-ImageContent from ImageBenchmarks.ps1.

function New-DockerLoadArchive([string] $OciArchive, [string] $Path, [string] $Tag) {
    # The B3 OCI archive plus a Docker manifest.json naming the same config and layer blobs, which is all that
    # `docker load` of a 20.10 daemon reads (it ignores index.json). Appending to a copy keeps the 1 GiB of layers
    # as they are, so B3 and B4 move identical bytes. Made once and kept.
    if (Test-Path $Path) { return }
    $index = (& tar -xOf $OciArchive index.json) | ConvertFrom-Json
    $manifestDigest = $index.manifests[0].digest -replace '^sha256:'
    $manifest = (& tar -xOf $OciArchive "blobs/sha256/$manifestDigest") | ConvertFrom-Json
    $blobPath = { param($digest) 'blobs/sha256/' + ($digest -replace '^sha256:') }
    $dockerManifest = ConvertTo-Json -Compress -Depth 4 -InputObject @([ordered]@{
        Config = & $blobPath $manifest.config.digest
        RepoTags = @($Tag)
        Layers = @($manifest.layers | ForEach-Object { & $blobPath $_.digest })
    })
    $work = New-Item -ItemType Directory -Force "$Path.d"
    try {
        [IO.File]::WriteAllText((Join-Path $work 'manifest.json'), $dockerManifest)
        Copy-Item $OciArchive "$Path.partial"
        & tar -rf "$Path.partial" -C $work manifest.json
        if ($LASTEXITCODE -ne 0) { throw "tar could not append manifest.json to $Path.partial." }
        Move-Item "$Path.partial" $Path
    } finally {
        Remove-Item -Recurse -Force $work
        Remove-Item -Force "$Path.partial" -ErrorAction SilentlyContinue
    }
}

function Invoke-NodeScript([string] $Script, [string[]] $Arguments) {
    $output = & bash $Script @Arguments 2>&1
    if ($LASTEXITCODE -ne 0) { throw "crips-node.sh $($Arguments -join ' ') failed:`n$(($output | Select-Object -Last 15) -join "`n")" }
    @($output | ForEach-Object { "$_" })
}

function Read-NodeEnv([string] $Path) {
    $node = @{}
    foreach ($line in Get-Content -LiteralPath $Path) { if ($line -match '^([A-Z_][A-Z0-9_]*)=(.*)$') { $node[$Matches[1]] = $Matches[2] } }
    $node
}

function Assert-ImageGone([string] $Address, [string[]] $Names, [string[]] $Digests) {
    # The next run must move every byte again: no record left, and no blob (manifest, config, layers) either.
    foreach ($name in $Names) {
        if (Get-ContainerdImage -Address $Address -Namespace k8s.io -Name $name -ErrorAction SilentlyContinue) { throw "$name is still in k8s.io." }
    }
    foreach ($digest in $Digests) {
        if (Get-ContainerdContent -Address $Address -Namespace k8s.io -Digest $digest) { throw "Blob $digest is still in containerd's content store." }
    }
}

function Measure-PipelineProcess([string] $Pipeline, [string] $ReportDir) {
    # Wall time of a `docker save | ctr import` pipeline (GNU time of its bash) and the peak RSS of each side:
    # GNU time's %M is ru_maxrss of the waited-for child, which Linux takes as the maximum over the child and its
    # reaped descendants, not their sum; both sides run at once, so each gets a GNU time of its own.
    $outer = Join-Path $ReportDir 'pipeline'
    & /usr/bin/time -f '%e %M' -o $outer bash -o pipefail -c $Pipeline *> $null
    if ($LASTEXITCODE -ne 0) { throw "The pipeline failed with exit code ${LASTEXITCODE}: $Pipeline" }
    # the last line: "Command exited with non-zero status" would come before it
    $read = { param($file) Get-Content (Join-Path $ReportDir $file) | Select-Object -Last 1 }
    $seconds, $shellKb = (& $read 'pipeline') -split ' '
    $saveKb = & $read 'save'
    $importKb = & $read 'import'
    [pscustomobject]@{
        Ms = [double]$seconds * 1000
        ShellPeakRssMb = [math]::Round([double]$shellKb / 1024, 1)
        SavePeakRssMb = [math]::Round([double]$saveKb / 1024, 1)
        ImportPeakRssMb = [math]::Round([double]$importKb / 1024, 1)
    }
}

function Measure-ImageMoveBenchmark {
    param(
        [Parameter(Mandatory)] [string] $ModulePath,
        [Parameter(Mandatory)] [string] $ImportArchive,
        [string] $NodeScript = (Join-Path $PSScriptRoot '../tests/runtime/crips-node.sh'),
        [string] $NodeDirectory = '/tmp/crips-node-bench',
        [string] $Image = 'crips.bench/move:1',
        [int] $Runs = 3
    )
    $loadArchive = Join-Path (Split-Path $ImportArchive) 'move-1g-docker.tar'
    New-DockerLoadArchive $ImportArchive $loadArchive $Image
    # A fresh node: a run left converted by an earlier, interrupted benchmark would move nothing.
    if (Test-Path $NodeDirectory) { $null = Invoke-NodeScript $NodeScript 'down', $NodeDirectory, '--purge' }
    $envFile = (Invoke-NodeScript $NodeScript 'up', $NodeDirectory, '--style', '1.26' | Where-Object { $_ -like '/*node.env' } | Select-Object -Last 1)
    $node = Read-NodeEnv $envFile.Trim()
    $savedPath = $env:PATH
    $reports = New-Item -ItemType Directory -Force (Join-Path $NodeDirectory 'bench-time')
    try {
        $env:PATH = "$($node.CRIPS_NODE_BIN):$savedPath"
        $address = $node.CRIPS_NODE_CONTAINERD_ADDRESS
        $dockerHost = $node.CRIPS_NODE_DOCKER_ENDPOINT
        $sandbox = $node.CRIPS_NODE_SANDBOX_IMAGE
        & /usr/bin/docker -H $dockerHost load -i $loadArchive *> $null
        if ($LASTEXITCODE -ne 0) { throw "docker load -i $loadArchive failed on $dockerHost." }
        # The bytes both sides move: Docker's save stream of the image and the sandbox image (CriPS moves the
        # sandbox image with any -Image; the peer gets it too, so both carry the same archive).
        $saveBytes = [long](& bash -o pipefail -c "/usr/bin/docker -H '$dockerHost' save '$Image' '$sandbox' | wc -c")
        $imageBytes = [long](& bash -o pipefail -c "/usr/bin/docker -H '$dockerHost' save '$Image' | wc -c")
        $versions = "containerd $((Get-ContainerdVersion -Address $address).Version), dockerd $(& /usr/bin/docker -H $dockerHost version --format '{{.Server.Version}}')"
        $layerDigests = @((& tar -xOf $loadArchive manifest.json | ConvertFrom-Json).Layers | ForEach-Object { 'sha256:' + (Split-Path -Leaf $_) })

        $clear = {
            foreach ($name in $Image, $sandbox) { Remove-ImageContent $address k8s.io $name }
            Assert-ImageGone $address @($Image, $sandbox) $layerDigests
        }
        $convert = { param($imageArguments) @"
`$ErrorActionPreference = 'Stop'
`$ProgressPreference = 'SilentlyContinue'
Import-Module '$ModulePath'
`$before = [math]::Round([Diagnostics.Process]::GetCurrentProcess().WorkingSet64 / 1MB, 1)
`$watch = [Diagnostics.Stopwatch]::StartNew()
`$report = Convert-DockerNodeToContainerd -Root '$($node.CRIPS_NODE_ROOT)' -RuntimeEndpoint '$($node.CRIPS_NODE_CONTAINERD_ENDPOINT)' -DockerEndpoint '$dockerHost' $imageArguments -Force
`$ms = `$watch.Elapsed.TotalMilliseconds
if (`$report.Outcome -ne 'Converted') { throw "Outcome `$(`$report.Outcome)" }
`$step = `$report.Steps | Where-Object Name -eq 'Images'
@{ imagesMs = `$step.Duration.TotalMilliseconds; conversionMs = `$ms; moved = @(`$report.Images | Where-Object Status -eq 'Moved').Name -join ','
   details = `$step.Details -join '; '; rssBeforeMb = `$before
   peakRssMb = [math]::Round([Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64 / 1MB, 1) } | ConvertTo-Json -Compress
"@ }
        $rollback = {
            $back = Convert-DockerNodeToContainerd -Root $node.CRIPS_NODE_ROOT -Rollback -Force
            if ($back.Outcome -ne 'RolledBack') { throw "Rollback ended $($back.Outcome)." }
        }
        $pipeline = { param($importArgs)
            "/usr/bin/time -f %M -o '$reports/save' /usr/bin/docker -H '$dockerHost' save '$Image' '$sandbox' | " +
            "/usr/bin/time -f %M -o '$reports/import' ctr -a '$address' -n k8s.io images import $importArgs -"
        }

        $crips = [System.Collections.Generic.List[object]]::new()
        $peer = [System.Collections.Generic.List[object]]::new()
        $peerUnpack = [System.Collections.Generic.List[object]]::new()
        $saveOnly = [System.Collections.Generic.List[object]]::new()
        foreach ($i in 1..$Runs) {
            # Alternating, so drift in the machine's speed touches every side alike.
            & $clear
            $run = Invoke-Child (& $convert "-Image '$Image'")
            Write-Host "B4 run ${i}: CriPS Images step $([math]::Round($run.imagesMs)) ms (moved $($run.moved)), peak RSS $($run.peakRssMb) MB"
            $crips.Add($run)
            & $rollback
            & $clear
            $peer.Add((Measure-PipelineProcess (& $pipeline '--no-unpack') $reports))
            Write-Host "B4 run ${i}: docker save | ctr import --no-unpack $($peer[-1].Ms) ms"
            & $clear
            $peerUnpack.Add((Measure-PipelineProcess (& $pipeline '') $reports))
            Write-Host "B4 run ${i}: docker save | ctr import $($peerUnpack[-1].Ms) ms"
            # Docker's side alone: how fast dockerd can produce the stream at all.
            $saveOnly.Add((Measure-Process bash '-o', 'pipefail', '-c', "/usr/bin/docker -H '$dockerHost' save '$Image' '$sandbox' > /dev/null"))
            Write-Host "B4 run ${i}: docker save > /dev/null $($saveOnly[-1].Ms) ms"
        }
        & $clear
        # Where the memory goes: the same conversion moving no image (the sandbox image is then pulled by postflight).
        $withoutImages = Invoke-Child (& $convert '-MigrateImages None')
        & $rollback
        Write-Host "B4: the conversion without images peaks at $($withoutImages.peakRssMb) MB"
        & $clear
    } finally {
        $env:PATH = $savedPath
        $null = Invoke-NodeScript $NodeScript 'down', $NodeDirectory, '--purge'
    }

    $mibPerSecond = { param($ms) [math]::Round($saveBytes / 1MB / ($ms / 1000), 1) }
    $cripsMs = Get-Median $crips.imagesMs
    $peerMs = Get-Median $peer.Ms
    $peerUnpackMs = Get-Median $peerUnpack.Ms
    [ordered]@{
        node = $versions; image = $Image; sandboxImage = $sandbox; saveStreamMiB = [math]::Round($saveBytes / 1MB, 1); imageSaveMiB = [math]::Round($imageBytes / 1MB, 1); runs = $Runs
        cmdletImagesStepMs = [math]::Round($cripsMs, 1); cmdletMiBps = & $mibPerSecond $cripsMs
        cmdletConversionMs = [math]::Round((Get-Median $crips.conversionMs), 1)
        cmdletPeakRssMb = Get-Median $crips.peakRssMb; cmdletRssBeforeMb = Get-Median $crips.rssBeforeMb
        peerNoUnpackMs = [math]::Round($peerMs, 1); peerNoUnpackMiBps = & $mibPerSecond $peerMs
        peerMs = [math]::Round($peerUnpackMs, 1); peerMiBps = & $mibPerSecond $peerUnpackMs
        ratioNoUnpack = [math]::Round($peerMs / $cripsMs, 2); ratio = [math]::Round($peerUnpackMs / $cripsMs, 2)
        peerNoUnpackCtrPeakRssMb = Get-Median $peer.ImportPeakRssMb; peerNoUnpackDockerCliPeakRssMb = Get-Median $peer.SavePeakRssMb
        peerNoUnpackShellPeakRssMb = Get-Median $peer.ShellPeakRssMb
        peerCtrPeakRssMb = Get-Median $peerUnpack.ImportPeakRssMb; peerDockerCliPeakRssMb = Get-Median $peerUnpack.SavePeakRssMb
        peerShellPeakRssMb = Get-Median $peerUnpack.ShellPeakRssMb
        dockerSaveOnlyMs = [math]::Round((Get-Median $saveOnly.Ms), 1); dockerSaveOnlyMiBps = & $mibPerSecond (Get-Median $saveOnly.Ms)
        cmdletWithoutImagesPeakRssMb = $withoutImages.peakRssMb
        cmdletRuns = @($crips | ForEach-Object { [ordered]@{ imagesMs = [math]::Round($_.imagesMs, 1); peakRssMb = $_.peakRssMb } })
        peerNoUnpackRunsMs = @($peer.Ms); peerRunsMs = @($peerUnpack.Ms)
    }
}
