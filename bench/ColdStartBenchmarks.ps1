# B2 (dot-sourced by Invoke-Benchmarks.ps1): the cold start of CriPS against a module that ships with pwsh, each a
# fresh pwsh process, taken in turn so that a change in the machine's load falls on every command alike.

function Get-ColdStartPwsh {
    # The pwsh apphost when it is there; else the dotnet host running pwsh.dll (the dotnet tool package has no apphost).
    $pwsh = Join-Path $PSHOME 'pwsh'
    if ((Test-Path $pwsh) -and (Get-Item $pwsh).UnixMode -match '^-..x') { return , @($pwsh) }
    , @([Environment]::ProcessPath, (Join-Path $PSHOME 'pwsh.dll'))
}

function Measure-ColdStart {
    <# Runs each command of $Commands (name = pwsh -c text) in a fresh `pwsh -NoProfile`, one round after another, for
       $Rounds rounds; each round takes them in the opposite order of the last (A B C, C B A, ...), so neither the
       first nor the last place of a round favours a command. Returns name = the wall times in ms, round by round. #>
    param([Parameter(Mandatory)] [Collections.Specialized.OrderedDictionary] $Commands, [int] $Rounds = 20)
    $pwsh = Get-ColdStartPwsh
    $exe, $rest = $pwsh[0], @($pwsh | Select-Object -Skip 1)
    # One run to warm the disk cache, which is not what a cold start of a node's shell is about.
    foreach ($text in $Commands.Values) { $null = & $exe @rest -NoProfile -NonInteractive -c $text }
    $times = [ordered]@{}
    foreach ($name in $Commands.Keys) { $times[$name] = [Collections.Generic.List[double]]::new() }
    $names = @($Commands.Keys)
    $watch = [Diagnostics.Stopwatch]::new()
    foreach ($round in 1..$Rounds) {
        $order = if ($round % 2) { $names } else { $names[($names.Count - 1)..0] }
        foreach ($name in $order) {
            $watch.Restart()
            $null = & $exe @rest -NoProfile -NonInteractive -c $Commands[$name]
            $watch.Stop()
            if ($LASTEXITCODE -ne 0) { throw "B2: '$($Commands[$name])' failed with exit code $LASTEXITCODE." }
            $times[$name].Add($watch.Elapsed.TotalMilliseconds)
        }
    }
    $result = [ordered]@{}
    foreach ($name in $names) { $result[$name] = $times[$name].ToArray() }
    $result
}

function Get-AddedMs {
    <# What a command adds over the bare pwsh of the same round: the median of those differences, and their quartiles. #>
    param([double[]] $Times, [double[]] $Bare)
    $added = @(foreach ($i in 0..($Times.Count - 1)) { $Times[$i] - $Bare[$i] }) | Sort-Object
    $at = { param($q) $added[[math]::Min($added.Count - 1, [int][math]::Floor($q * ($added.Count - 1) + 0.5))] }
    [ordered]@{ median = [math]::Round((Get-Median $added), 1); q1 = [math]::Round((& $at 0.25), 1); q3 = [math]::Round((& $at 0.75), 1) }
}

# The reference: a module that ships with every pwsh and that a bare `pwsh -c 1` has not loaded, imported and asked
# one thing. Microsoft.PowerShell.Utility is a binary module (one assembly of cmdlets, the largest that ships) that
# every user has; Get-Random runs a cmdlet through the same binding and pipeline as Get-CriContainer, so the
# difference left is what CriPS adds on top: its own assemblies, format and type files, the engine's load context,
# and the gRPC call. The other candidates that ship with pwsh, and every lever tried on the cold start, are in
# bench/results/cold-start.md.
$ColdStartReference = 'Import-Module Microsoft.PowerShell.Utility; $null = Get-Random'

function Measure-ColdStartBenchmark {
    <# B2: a bare pwsh, the reference, Import-Module CriPS, and Import-Module CriPS with a first Get-CriContainer. #>
    param([string] $ModulePath, [string] $RuntimeEndpoint, [int] $Rounds = 20)
    $commands = [ordered]@{
        bare = '1'
        reference = $ColdStartReference
        import = "Import-Module '$ModulePath'"
        importAndQuery = "Import-Module '$ModulePath'; `$null = Get-CriContainer -RuntimeEndpoint '$RuntimeEndpoint'"
    }
    $times = Measure-ColdStart -Commands $commands -Rounds $Rounds
    $reference = Get-AddedMs $times.reference $times.bare
    $import = Get-AddedMs $times.import $times.bare
    $query = Get-AddedMs $times.importAndQuery $times.bare
    # Whether this pwsh's engine assembly carries ReadyToRun code: without it, every module import JIT-compiles
    # PowerShell's own module loading, which a bare `pwsh -c 1` never runs.
    $engineFile = [IO.File]::OpenRead((Join-Path $PSHOME 'System.Management.Automation.dll'))
    try { $pwshReadyToRun = [Reflection.PortableExecutable.PEReader]::new($engineFile).PEHeaders.CorHeader.ManagedNativeHeaderDirectory.Size -gt 0 } finally { $engineFile.Dispose() }
    [ordered]@{
        runs = $Rounds
        reference = $ColdStartReference
        barePwshMs = [math]::Round((Get-Median $times.bare), 1)
        builtinModuleMs = [math]::Round((Get-Median $times.reference), 1)
        importMs = [math]::Round((Get-Median $times.import), 1)
        importAndQueryMs = [math]::Round((Get-Median $times.importAndQuery), 1)
        addedByBuiltinModuleMs = $reference.median
        addedByImportMs = $import.median
        addedByImportAndQueryMs = $query.median
        addedQuartilesMs = [ordered]@{ reference = @($reference.q1, $reference.q3); import = @($import.q1, $import.q3); importAndQuery = @($query.q1, $query.q3) }
        ratio = [math]::Round($query.median / $reference.median, 2)
        pwshReadyToRun = $pwshReadyToRun
    }
}
