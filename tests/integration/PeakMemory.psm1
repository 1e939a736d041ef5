<#
.SYNOPSIS
    Measures the peak memory one hostile-input case costs this pwsh process, and records it for the report.
.DESCRIPTION
    Linux keeps a process's peak resident set (VmHWM in /proc/self/status); writing 5 to /proc/self/clear_refs
    resets it to the current resident set. So each case starts from the process as it is (its baseline), and the
    peak it reaches over that is what the case cost. Each measured case is appended to a tab-separated report
    ($env:CRIPS_HOSTILE_REPORT, or hostile-input.tsv beside the Pester results), which the note's table is made from.
#>

function Get-ProcessMemoryKiB([string] $Field) {
    $line = Select-String -Path /proc/self/status -Pattern "^$($Field):\s+(\d+) kB" | Select-Object -First 1
    if (-not $line) { throw "/proc/self/status has no $Field." }
    [long] $line.Matches[0].Groups[1].Value
}

<#
.SYNOPSIS
    Runs one case and returns its outcome: the ErrorId it ended with (or 'ok'), its output, and the peak memory
    over the baseline in MiB. Errors are caught, not rethrown: the caller asserts on ErrorId.
#>
function Measure-CripsPeakMemory {
    param(
        [Parameter(Mandatory)] [string] $Suite,
        [Parameter(Mandatory)] [string] $Case,
        [Parameter(Mandatory)] [scriptblock] $ScriptBlock
    )
    # Garbage from earlier cases is collected first, so it neither counts in this case's peak nor hides it.
    [GC]::Collect()
    [GC]::WaitForPendingFinalizers()
    [GC]::Collect()
    # Not Set-Content: it truncates the file after writing, which procfs refuses (EINVAL), an error under -ErrorAction Stop.
    [IO.File]::WriteAllText('/proc/self/clear_refs', '5')
    $baseline = Get-ProcessMemoryKiB VmRSS
    $errorId = 'ok'
    $exception = $null
    $output = $null
    $watch = [Diagnostics.Stopwatch]::StartNew()
    try {
        $output = & $ScriptBlock
    } catch {
        $exception = $_
        $errorId = ($_.FullyQualifiedErrorId -split ',')[0]
    }
    $watch.Stop()
    $peak = Get-ProcessMemoryKiB VmHWM
    $result = [pscustomobject]@{
        Suite        = $Suite
        Case         = $Case
        ErrorId      = $errorId
        Error        = $exception
        Output       = $output
        BaselineMiB  = [math]::Round($baseline / 1024, 1)
        PeakOverMiB  = [math]::Round(($peak - $baseline) / 1024, 1)
        Seconds      = [math]::Round($watch.Elapsed.TotalSeconds, 2)
    }
    $report = if ($env:CRIPS_HOSTILE_REPORT) { $env:CRIPS_HOSTILE_REPORT } else { Join-Path ([IO.Path]::GetTempPath()) 'crips-hostile-input.tsv' }
    $runtime = if ($env:CRIPS_TEST_RUNTIME_NAME) { $env:CRIPS_TEST_RUNTIME_NAME } else { '' }
    $outcome = if ($errorId -ne 'ok') { $errorId } else { "ok: $(@($output).Count) object(s)" }
    Add-Content -Path $report -Value (@($runtime, $Suite, $Case, $outcome, $result.BaselineMiB, $result.PeakOverMiB, $result.Seconds) -join "`t")
    $result
}

Export-ModuleMember -Function Measure-CripsPeakMemory
