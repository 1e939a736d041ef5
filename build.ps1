<#
.SYNOPSIS
    Builds, tests and demonstrates CriPS.
.DESCRIPTION
    build.ps1 <Task>, run with `dotnet pwsh` after `dotnet tool restore`:
      Build  compiles and stages the importable module into out/CriPS (Import-Module ./out/CriPS), help included.
             The assemblies a cold start loads get ReadyToRun code for .NET 10 (tools/ReadyToRun; bench B2).
      Docs   the same as Build, named for what it also does: docs/*.md become en-US/CriPS.dll-Help.xml (with PlatyPS
             when it is installed, else tools/Build-HelpXml.ps1) and docs/about_*.md the about topics.
      Package  Build, then packs out/CriPS into out/packages/CriPS.<version>.nupkg, the package PSResourceGet
             installs (Publish-PSResource -NupkgPath to a repository, or a local folder repository).
      Test   Build, then the unit tests (xunit) and the integration tests (Pester, in a child pwsh against a real
             runtime: each containerd of -Runtime in turn, all three by default); counts per runtime with its exact
             version, then one line "N passed, N failed, N skipped"; exit code 1 on any failure.
      Demo   Build, bring up the private runtime, and show its pods, containers and images through CriPS; then
             convert a prepared Docker node to containerd and back (Convert-DockerNodeToContainerd).
      Env    -Action Up|Down|Status for the private runtime (root; Debian packages are installed when missing).
    -Runtime picks the private runtime's containerd: containerd-1.6 (the machine's package, Debian 12), containerd-1.7
    (Debian 13's package) or containerd-2.1 (Debian unstable's); the last two are downloaded from those suites with a
    private apt state and unpacked below the runtime's folder (tests/runtime/packages-lib.sh), never installed.
    Demo and Env take one (containerd-1.6 by default), Test any (all three by default). CRIPS_CONTAINERD_BIN_DIR, a
    folder with containerd, ctr and containerd-shim-runc-v2 built elsewhere (2.3, say), replaces the package.
      Bench  the benchmarks (not part of Test); results under bench/results/. -Benchmark picks some (B4, the move of
             1 GiB of Docker images by Convert-DockerNodeToContainerd, runs only when named); the others keep
             their last results. Bench never uses the tests' runtime: it brings up its own, one after another
             (8 for B5), in /tmp/crips-bench/rt0..7 with bridges cripsbench0..7 and subnets 10.88.200-207.0/24
             (CRIPS_BENCH_RUNTIME_DIR, CRIPS_BENCH_BRIDGE, CRIPS_BENCH_SUBNET change the prefix, the bridge prefix
             and the first subnet), and stops them afterwards unless -KeepRuntime.
      Soak   Build, then the fault and load soak (tests/soak/Invoke-Soak.ps1, not part of Test) on a private runtime
             of its own (/tmp/crips-soak, bridge cripsoak, pods in 10.88.93.0/24), so it never kills the runtime
             the tests use: 20 cycles of SIGKILL to containerd, each followed by a call that must fail with
             CriRuntimeUnavailable within its deadline and, once containerd is back, a call that must succeed in the
             same session; then 8 runspaces of Get-CriContainer for 60 s beside a pod churn loop, with no error and
             a managed heap that grows under 10% after warm-up. Results: bench/results/soak.json and soak.md;
             exit code 1 on any failure. The runtime is stopped afterwards (-Purge deletes its data too).
      Runbooks  Build, then tests/integration/Ansible.Tests.ps1 with the rolling node conversion play, which Test
             skips (minutes: two prepared Docker nodes converted through ansible-playbook, serial: 1).
      Clean  removes out/ and the build folders.
    Integration tests use $env:CRIPS_TEST_ENDPOINT when set (any CRI runtime); otherwise, as root, the private
    runtime, which Test starts and, unless -KeepRuntime, stops again. Without either they are skipped.
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Docs', 'Package', 'Test', 'Demo', 'Env', 'Bench', 'Soak', 'Runbooks', 'Clean')]
    [string] $Task = 'Build',

    [ValidateSet('Up', 'Down', 'Status')]
    [string] $Action = 'Status',

    # Test, Demo, Env: the private runtime's containerd (Test: each in turn). Commas separate names also in one
    # string, as `pwsh -File build.ps1 Test -Runtime containerd-1.7,containerd-2.1` passes them.
    [string[]] $Runtime,

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Test, Bench: leave the private runtime(s) running afterwards (faster re-runs).
    [switch] $KeepRuntime,

    # Env -Action Down, Soak: also delete the runtime's images and data.
    [switch] $Purge,

    # Bench: which benchmarks to run (default B1, B2, B3, B5; see bench/Invoke-Benchmarks.ps1).
    [ValidateSet('B1', 'B2', 'B3', 'B4', 'B5')]
    [string[]] $Benchmark
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$KnownRuntimes = 'containerd-1.6', 'containerd-1.7', 'containerd-2.1'
$Runtime = @($Runtime | ForEach-Object { $_ -split ',' } | ForEach-Object Trim | Where-Object { $_ })
foreach ($name in $Runtime) { if ($name -notin $KnownRuntimes) { throw "Unknown runtime '$name': -Runtime takes $($KnownRuntimes -join ', ')." } }
$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$Staged = Join-Path $Out 'CriPS'
$Results = Join-Path $Out 'test-results'
Import-Module (Join-Path $Root 'tests/runtime/PrivateRuntime.psm1') -Force

function Invoke-Native {
    # Runs a program and stops the build when it fails. A plain function: its arguments pass through untouched.
    $file, $rest = $args
    & $file @rest
    if ($LASTEXITCODE -ne 0) { throw "$file $($rest -join ' ') failed with exit code $LASTEXITCODE." }
}

function Get-ModuleVersion {
    $props = [xml](Get-Content -Raw (Join-Path $Root 'Directory.Build.props'))
    $props.Project.PropertyGroup.Version | Where-Object { $_ } | Select-Object -First 1
}

function Get-PwshCommand {
    # The pwsh running this script (the dotnet tool runs pwsh.dll through the dotnet host).
    $self = [Environment]::ProcessPath
    if ((Split-Path -Leaf $self) -like 'dotnet*') { , @($self, (Join-Path $PSHOME 'pwsh.dll')) } else { , @($self) }
}

function Invoke-ChildPwsh {
    # Runs a command in a fresh `pwsh -NoProfile` that has imported the staged module.
    param([Parameter(Mandatory)] [string] $Command, [switch] $NoModule)
    $pwsh = Get-PwshCommand
    $prelude = if ($NoModule) { '' } else { "Import-Module '$Staged'; " }
    $exe = $pwsh[0]; $rest = @($pwsh | Select-Object -Skip 1)
    & $exe @rest -NoProfile -NonInteractive -Command ($prelude + $Command)
    if ($LASTEXITCODE -ne 0) { throw "Child pwsh failed with exit code $LASTEXITCODE." }
}

function Invoke-BuildTask {
    Invoke-Native dotnet build (Join-Path $Root 'CriPS.sln') -c $Configuration --nologo -v quiet '-clp:NoSummary'
    $bin = { param($project) Join-Path $Root "src/$project/bin/$Configuration/net8.0" }

    if (Test-Path $Staged) { Remove-Item -Recurse -Force $Staged }
    $engineDir = New-Item -ItemType Directory -Force (Join-Path $Staged 'engine')
    # Default context: the cmdlets and the shared model. engine/: the engine and every dependency it brings.
    Copy-Item (Join-Path (& $bin 'CriPS') 'CriPS.dll'), (Join-Path (& $bin 'CriPS.Model') 'CriPS.Model.dll') $Staged
    Get-ChildItem (& $bin 'CriPS.Engine') -Filter '*.dll' | Where-Object Name -ne 'CriPS.Model.dll' | Copy-Item -Destination $engineDir
    Copy-Item (Join-Path $Root 'module/*.ps1xml'), (Join-Path $Root 'LICENSE') $Staged
    Invoke-ReadyToRunStep -Bin $bin -EngineDir $engineDir

    $manifest = Get-Content -Raw (Join-Path $Root 'module/CriPS.psd1')
    $manifest = $manifest -replace "ModuleVersion\s*=\s*'0\.0\.0'", "ModuleVersion        = '$(Get-ModuleVersion)'"
    Set-Content -NoNewline -Path (Join-Path $Staged 'CriPS.psd1') -Value $manifest

    Invoke-HelpStep
    # About topics: Get-Help reads en-US/about_*.help.txt as plain text, which the markdown already reads as.
    Get-ChildItem (Join-Path $Root 'docs') -Filter 'about_*.md' |
        ForEach-Object { Copy-Item $_.FullName (Join-Path $Staged "en-US/$($_.BaseName).help.txt") }
    Write-Host "Staged CriPS $(Get-ModuleVersion) in $Staged"
}

function Invoke-ReadyToRunStep {
    # The assemblies that Import-Module CriPS and a first call load get ReadyToRun code for .NET 10 (pwsh 7.6), which
    # spares that JIT work: see tools/ReadyToRun and bench B2. Their IL is unchanged, so pwsh 7.4 still runs them.
    param([scriptblock] $Bin, [string] $EngineDir)
    $compiled = Join-Path $Out 'readytorun'
    Invoke-Native dotnet publish (Join-Path $Root 'tools/ReadyToRun/CriPS.ReadyToRun.csproj') -c $Configuration -o $compiled `
        --nologo -v quiet '-clp:NoSummary' "-p:EngineBin=$(& $Bin 'CriPS.Engine')" "-p:CmdletBin=$(& $Bin 'CriPS')" "-p:PowerShellHome=$PSHOME"
    # Staged files only: the publish folder also holds the helper project's own (empty) assembly.
    foreach ($file in Get-ChildItem $Staged, $EngineDir -Filter '*.dll') {
        $readyToRun = Join-Path $compiled $file.Name
        if (Test-Path $readyToRun) { Copy-Item $readyToRun $file.FullName -Force }
    }
}

function Invoke-HelpStep {
    # docs/*.md (PlatyPS schema) to the MAML that Get-Help reads. PlatyPS when this machine has it; otherwise our
    # generator, which takes the parameter facts from the loaded cmdlets and fails on docs out of step with them.
    $helpFile = "$Staged/en-US/CriPS.dll-Help.xml"
    if (Get-Module -ListAvailable -Name platyPS) {
        Invoke-ChildPwsh "Import-Module platyPS; `$null = New-ExternalHelp -Path (Get-ChildItem '$Root/docs' -Filter '*-*.md').FullName -OutputPath '$Staged/en-US' -Force"
    } else {
        Invoke-ChildPwsh "& '$Root/tools/Build-HelpXml.ps1' -DocsPath '$Root/docs' -OutFile '$helpFile'"
    }
}

function Invoke-PackageTask {
    Invoke-BuildTask
    $package = & (Join-Path $Root 'tools/New-ModulePackage.ps1') -ModulePath $Staged -DestinationPath (Join-Path $Out 'packages')
    Write-Host "Packed $package"
}

function Start-RuntimeForCriPS {
    Start-PrivateRuntime -InModule { param($c) Invoke-ChildPwsh $c }
}

function Stop-RuntimeForCriPS {
    Stop-PrivateRuntime -InModule { param($c) Invoke-ChildPwsh $c } -Purge:$Purge
}

function Set-BenchRuntime([int] $Index) {
    # Points PrivateRuntime.psm1 and crips-runtime.sh (they read these variables) at the benchmarks' runtime $Index.
    $prefix = if ($env:CRIPS_BENCH_RUNTIME_DIR) { $env:CRIPS_BENCH_RUNTIME_DIR } else { '/tmp/crips-bench/rt' }
    $bridge = if ($env:CRIPS_BENCH_BRIDGE) { $env:CRIPS_BENCH_BRIDGE } else { 'cripsbench' }
    $first = if ($env:CRIPS_BENCH_SUBNET) { $env:CRIPS_BENCH_SUBNET } else { '10.88.200.0/24' }
    if ($first -notmatch '^(\d+\.\d+)\.(\d+)\.0/24$' -or [int]$Matches[2] + $Index -gt 255) { throw "CRIPS_BENCH_SUBNET must be a.b.c.0/24 with room for c+${Index}: $first" }
    $env:CRIPS_RUNTIME_DIR = "$prefix$Index"
    $env:CRIPS_BRIDGE = "$bridge$Index"
    $env:CRIPS_POD_SUBNET = "$($Matches[1]).$([int]$Matches[2] + $Index).0/24"
}

function Invoke-BenchTask {
    Invoke-BuildTask
    $benchmarks = if ($Benchmark) { $Benchmark } else { @('B1', 'B2', 'B3', 'B5') }
    $count = if ('B5' -in $benchmarks) { 8 } else { 1 }
    $saved = @{}
    foreach ($name in 'CRIPS_RUNTIME_DIR', 'CRIPS_BRIDGE', 'CRIPS_POD_SUBNET') { $saved[$name] = [Environment]::GetEnvironmentVariable($name) }
    $started = 0
    try {
        # One after another: two `up` calls at once may pick the same free registry port.
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $runtimes = foreach ($i in 0..($count - 1)) {
            Set-BenchRuntime $i
            $started = $i + 1
            Start-RuntimeForCriPS
        }
        $upSeconds = [math]::Round($watch.Elapsed.TotalSeconds, 1)
        Write-Host "Benchmark runtimes up: $count in $upSeconds s."
        $main = @($runtimes)[0]
        $command = "& '$Root/bench/Invoke-Benchmarks.ps1' -ModulePath '$Staged' -RuntimeEndpoint '$($main.CRIPS_RUNTIME_ENDPOINT)' " +
            "-Image '$($main.CRIPS_BUSYBOX_IMAGE)' -ContainerdAddress '$($main.CONTAINERD_ADDRESS)' -Benchmark $($benchmarks -join ',')"
        if ('B3' -in $benchmarks) {
            Set-BenchRuntime 0
            $command += " -PullImage '$(Add-PrivateBenchImage)' -RegistryHostsDir '$(Join-Path $main.CRIPS_RUNTIME_DIR 'certs.d')'"
        }
        if ('B5' -in $benchmarks) {
            $command += " -FanOutEndpoint $((@($runtimes) | ForEach-Object { "'$($_.CRIPS_RUNTIME_ENDPOINT)'" }) -join ',')" +
                " -FanOutRuntimeDir $((@($runtimes) | ForEach-Object { "'$($_.CRIPS_RUNTIME_DIR)'" }) -join ',') -FanOutUpSeconds $upSeconds"
        }
        Invoke-ChildPwsh -NoModule $command
    } finally {
        if (-not $KeepRuntime -and $started -gt 0) {
            foreach ($i in 0..($started - 1)) {
                Set-BenchRuntime $i
                try { Stop-RuntimeForCriPS } catch { Write-Warning "Benchmark runtime ${i}: $_" }
            }
        }
        foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
    }
}

function Get-TrxCounts([string] $Path) {
    $trx = [xml](Get-Content -Raw $Path)
    $c = $trx.TestRun.ResultSummary.Counters
    [pscustomobject]@{ Passed = [int]$c.passed; Failed = [int]$c.failed + [int]$c.error + [int]$c.timeout; Skipped = [int]$c.total - [int]$c.executed }
}

# The Docker Engine the prepared nodes of the conversion tests run beside each containerd: Debian 12's pairing, then
# Debian 13's (Docker 26.1, whose `docker save` writes an OCI layout) for 1.7 and 2.1. CRIPS_DOCKER set by hand wins.
$DockerBeside = @{ 'containerd-1.6' = '20.10'; 'containerd-1.7' = '26.1'; 'containerd-2.1' = '26.1' }
$DockerGiven = [bool]$env:CRIPS_DOCKER
# After the newest containerd's whole suite, the conversion's core cycle (tag Pair: convert, run a pod from a moved
# image, roll back byte for byte) runs once more from the other Docker: with the suites' own pairings, four of the six
# Docker/containerd pairs are converted in every run (all six ran while the suite took less than 20 minutes).
$OtherDocker = @{ '20.10' = '26.1'; '26.1' = '20.10' }
$RuntimesStartedByTest = @{}

function Use-Containerd([string] $Name) {
    # crips-runtime.sh and crips-node.sh read CRIPS_CONTAINERD ("1.7") and CRIPS_DOCKER ("26.1"); children inherit them.
    $env:CRIPS_CONTAINERD = $Name -replace '^containerd-', ''
    if (-not $DockerGiven) { $env:CRIPS_DOCKER = $DockerBeside[$Name] }
}

function Invoke-IntegrationTests([string] $Path, [string] $Runtime = 'containerd-1.6', [switch] $NextRuntimeFollows,
    [switch] $SameRuntimeFollows, [string] $Docker, [string[]] $Tag = @(), [string[]] $ExcludeTag = @()) {
    # Pester, in a child pwsh, against CRIPS_TEST_ENDPOINT or (as root) the private runtime with $Runtime's
    # containerd; returns the counts and the runtime's name and version. The runtime is stopped afterwards when
    # this call started it (unless -KeepRuntime) and always when another containerd follows.
    $saved = @{}
    foreach ($name in 'CRIPS_TEST_ENDPOINT', 'CRIPS_TEST_IMAGE', 'CRIPS_TEST_PRIVATE_RUNTIME', 'CRIPS_DOCKER') { $saved[$name] = [Environment]::GetEnvironmentVariable($name) }
    $startedHere = $false
    $vars = $null
    $label = if ($env:CRIPS_TEST_ENDPOINT) { $env:CRIPS_TEST_ENDPOINT } else { $Runtime }
    if (-not $env:CRIPS_TEST_ENDPOINT -and (Test-IsRoot)) {
        Use-Containerd $Runtime
        if ($Docker) { $env:CRIPS_DOCKER = $Docker }
        $startedHere = -not (Get-PrivateRuntimeStatus) -or $RuntimesStartedByTest[$Runtime]
        $RuntimesStartedByTest[$Runtime] = $startedHere
        $vars = Start-RuntimeForCriPS
        foreach ($v in $vars.GetEnumerator()) { Set-Item "env:$($v.Key)" $v.Value }
        $env:CRIPS_TEST_ENDPOINT = $vars.CRIPS_RUNTIME_ENDPOINT
        $env:CRIPS_TEST_IMAGE = $vars.CRIPS_BUSYBOX_IMAGE
        $env:CRIPS_TEST_PRIVATE_RUNTIME = '1'
        $label = "containerd $($vars.CRIPS_CONTAINERD_VERSION) (nodes: Docker $env:CRIPS_DOCKER)$(if ($Tag) { ', tags ' + ($Tag -join ',') })"
    }
    $null = New-Item -ItemType Directory -Force $Results
    $pesterJson = Join-Path $Results "pester-$($Runtime)$(if ($Docker) { "-docker$Docker" }).json"
    Remove-Item -Force $pesterJson -ErrorAction SilentlyContinue
    $watch = [Diagnostics.Stopwatch]::StartNew()
    try {
        Write-Host "`n=== Integration tests on $label ===`n"
        # To the console, not into this function's result: the counts are read from the JSON file.
        # Hostile-input cases record their outcome and peak memory here (tests/integration/PeakMemory.psm1).
        $env:CRIPS_HOSTILE_REPORT = Join-Path $Results 'hostile-input.tsv'
        $env:CRIPS_TEST_RUNTIME_NAME = $label
        $filters = "$(if ($Tag) { " -Tag $($Tag -join ',')" })$(if ($ExcludeTag) { " -ExcludeTag $($ExcludeTag -join ',')" })"
        Invoke-ChildPwsh -NoModule "& '$Root/tests/Invoke-IntegrationTests.ps1' -ModulePath '$Staged' -ResultPath '$pesterJson' -Path '$Path'$filters" | Out-Host
    } catch {
        Write-Warning $_
    } finally {
        if ($vars -and -not $SameRuntimeFollows -and ($NextRuntimeFollows -or ($startedHere -and -not $KeepRuntime))) { Stop-RuntimeForCriPS | Out-Host }
        foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
    }
    $counts = if (Test-Path $pesterJson) { Get-Content -Raw $pesterJson | ConvertFrom-Json } else { [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } }
    $counts | Add-Member -NotePropertyName Runtime -NotePropertyValue $label -PassThru |
        Add-Member -NotePropertyName Seconds -NotePropertyValue ([math]::Round($watch.Elapsed.TotalSeconds)) -PassThru
}

function Invoke-TestTask {
    Invoke-BuildTask
    if (Test-Path $Results) { Remove-Item -Recurse -Force $Results }
    $null = New-Item -ItemType Directory -Force $Results

    # Unit tests (xunit). A failing test is counted, not thrown: the integration suite still runs.
    & dotnet test (Join-Path $Root 'tests/CriPS.Tests') -c $Configuration --no-build --nologo -v quiet `
        --logger 'trx;LogFileName=unit.trx' --logger 'console;verbosity=minimal' --results-directory $Results
    $unitTrx = Join-Path $Results 'unit.trx'
    $unit = if (Test-Path $unitTrx) { Get-TrxCounts $unitTrx } else { [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } }

    # A given endpoint is one runtime; the private runtime runs each containerd asked for, one after another
    # (each stopped before the next: its pods go through CRI first).
    $runtimes = @(if ($env:CRIPS_TEST_ENDPOINT -or -not (Test-IsRoot)) { 'containerd-1.6' }
                  elseif ($Runtime) { $Runtime } else { $KnownRuntimes })
    $crossPairs = -not $env:CRIPS_TEST_ENDPOINT -and (Test-IsRoot) -and -not $DockerGiven
    $integration = for ($i = 0; $i -lt $runtimes.Count; $i++) {
        $next = $i -lt $runtimes.Count - 1
        # What tests CriPS's own code and not the runtime runs on the last (newest) containerd only, so the whole run
        # stays under 20 minutes: the hostile-input corpus (tag Hostile: archives and logs, about 100 s a runtime) and
        # tag Once (help, package, remoting's serialization, the kubeconfig secret of the conversion).
        $lastOnly = if ($next) { @('Hostile', 'Once') } else { @() }
        $pair = $crossPairs -and -not $next
        Invoke-IntegrationTests (Join-Path $Root 'tests/integration') $runtimes[$i] -NextRuntimeFollows:$next -SameRuntimeFollows:$pair -ExcludeTag $lastOnly
        if ($pair) {
            Invoke-IntegrationTests (Join-Path $Root 'tests/integration/Conversion.Tests.ps1') $runtimes[$i] -NextRuntimeFollows:$next `
                -Docker $OtherDocker[$DockerBeside[$runtimes[$i]]] -Tag Pair -ExcludeTag KillPoints
        }
    }

    Write-Host ("Unit tests: passed {0}, failed {1}, skipped {2}" -f $unit.Passed, $unit.Failed, $unit.Skipped)
    foreach ($r in $integration) {
        Write-Host ("Integration tests on {0}: passed {1}, failed {2}, skipped {3} ({4} s)" -f $r.Runtime, $r.Passed, $r.Failed, $r.Skipped, $r.Seconds)
    }
    $sum = { param($property) ($integration | Measure-Object -Property $property -Sum).Sum }
    $failed = $unit.Failed + (& $sum Failed)
    Write-Host ("Tests: {0} passed, {1} failed, {2} skipped" -f ($unit.Passed + (& $sum Passed)), $failed, ($unit.Skipped + (& $sum Skipped)))
    if ($failed -gt 0) { exit 1 }
}

function Select-OneRuntime {
    # Demo and Env run one containerd: -Runtime's, else CRIPS_CONTAINERD's, else the machine's own package.
    if (@($Runtime).Count -gt 1) { throw "$Task runs one runtime; -Runtime named $($Runtime -join ', ')." }
    if ($Runtime) { Use-Containerd $Runtime[0] }
}

function Invoke-DemoTask {
    Select-OneRuntime
    Invoke-BuildTask
    $vars = Start-RuntimeForCriPS
    Invoke-ChildPwsh "& '$Root/examples/demo.ps1' -RuntimeEndpoint '$($vars.CRIPS_RUNTIME_ENDPOINT)' -Image '$($vars.CRIPS_BUSYBOX_IMAGE)'"
    # The node conversion, on a prepared Docker node that uses the private runtime's registry.
    Invoke-ChildPwsh "& '$Root/examples/convert-node-demo.ps1' -NodeScript '$Root/tests/runtime/crips-node.sh'"
    Write-Host "`nThe private runtime stays up: ./build.ps1 Env -Action Down stops it (pods are removed through CRI)."
}

function Invoke-EnvTask {
    Select-OneRuntime
    switch ($Action) {
        'Up' {
            Invoke-BuildTask
            $vars = Start-RuntimeForCriPS
            $vars.GetEnumerator() | ForEach-Object { '{0}={1}' -f $_.Key, $_.Value }
        }
        'Down' {
            if (-not (Test-Path (Join-Path $Staged 'CriPS.psd1'))) { Invoke-BuildTask }
            Stop-RuntimeForCriPS
        }
        'Status' {
            & bash (Join-Path $Root 'tests/runtime/crips-runtime.sh') status (Get-PrivateRuntimeDirectory)
            exit $LASTEXITCODE
        }
    }
}

function Invoke-RunbooksTask {
    # The rolling node conversion through Ansible takes minutes on two prepared Docker nodes: too slow for Test,
    # which runs only the gather play. Same runtime rules as Test.
    Invoke-BuildTask
    $env:CRIPS_TEST_ANSIBLE_ROLLOUT = '1'
    $result = Invoke-IntegrationTests (Join-Path $Root 'tests/integration/Ansible.Tests.ps1')
    Write-Host ("Runbook tests: {0} passed, {1} failed, {2} skipped" -f $result.Passed, $result.Failed, $result.Skipped)
    if ($result.Failed -gt 0) { exit 1 }
}

function Invoke-SoakTask {
    Invoke-BuildTask
    # Its own runtime, bridge and subnet: the soak kills containerd twenty times, which must never hit the
    # runtime of a test run (or of another soak) going on beside it.
    $env:CRIPS_RUNTIME_DIR = '/tmp/crips-soak'
    $env:CRIPS_BRIDGE = 'cripsoak'
    $env:CRIPS_POD_SUBNET = '10.88.93.0/24'
    $vars = Start-RuntimeForCriPS
    $failed = $false
    try {
        Invoke-ChildPwsh -NoModule ("& '$Root/tests/soak/Invoke-Soak.ps1' -ModulePath '$Staged' " +
            "-RuntimeEndpoint '$($vars.CRIPS_RUNTIME_ENDPOINT)' -Image '$($vars.CRIPS_BUSYBOX_IMAGE)'")
    } catch {
        Write-Warning $_
        $failed = $true
    } finally {
        Stop-RuntimeForCriPS
    }
    if ($failed) { exit 1 }
}

switch ($Task) {
    'Build' { Invoke-BuildTask }
    'Package' { Invoke-PackageTask }
    'Test' { Invoke-TestTask }
    'Demo' { Invoke-DemoTask }
    'Env' { Invoke-EnvTask }
    'Bench' { Invoke-BenchTask }
    'Soak' { Invoke-SoakTask }
    'Runbooks' { Invoke-RunbooksTask }
    'Docs' { Invoke-BuildTask }
    'Clean' {
        foreach ($dir in @($Out) + (Get-ChildItem -Directory -Recurse -Path (Join-Path $Root 'src'), (Join-Path $Root 'tests'), (Join-Path $Root 'tools/ReadyToRun') -Include bin, obj).FullName) {
            if (Test-Path $dir) { Remove-Item -Recurse -Force $dir }
        }
    }
}
