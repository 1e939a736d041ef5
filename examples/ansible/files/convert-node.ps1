# Run on each node by convert-nodes.yml (pwsh -NoProfile -NonInteractive -Command <this text>).
# The playbook passes its values in environment variables, never spliced into this code:
#   CRIPS_MODULE              the module to import: a name (CriPS, installed with Install-PSResource) or a path
#   CRIPS_CONVERT_PARAMETERS  Convert-DockerNodeToContainerd's parameters as a JSON object, splatted as they are
#                             (e.g. {"Root": "/", "VerifyPull": ["registry.example/app:1"], "WhatIf": true})
#   CRIPS_REPORT              the file on the node that receives the report (ConvertTo-Json, enums as names)
# The play, not this script, judges the report: the exit code is 0 whenever a report was written, also for a
# refused or failed conversion, whose errors are printed on standard error.
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
# Plain text on standard error: Ansible shows it as it is, escape sequences and all.
$PSStyle.OutputRendering = 'PlainText'
# One line per failure on standard error, for the play's message; exit code 1.
trap { [Console]::Error.WriteLine("$($_.FullyQualifiedErrorId): $($_.Exception.Message)"); exit 1 }
Import-Module $env:CRIPS_MODULE
$parameters = ConvertFrom-Json -InputObject $env:CRIPS_CONVERT_PARAMETERS -AsHashtable

$failure = $null
try {
    # -OutVariable keeps the report the command writes before a failing step's terminating error;
    # -ErrorAction Continue lets preflight's errors through to standard error without stopping before the report.
    # -Force answers the cmdlet's "are you sure" (ShouldContinue), which -NonInteractive cannot; "WhatIf": true
    # in the parameters still shows only the plan.
    Convert-DockerNodeToContainerd @parameters -Force -OutVariable report -ErrorAction Continue | Out-Null
} catch {
    $failure = $_
}
if ($report.Count -eq 0) {
    if ($failure) { throw $failure }
    throw 'Convert-DockerNodeToContainerd wrote no report.'
}
ConvertTo-Json -InputObject $report[-1] -Depth 8 -EnumsAsStrings | Set-Content -LiteralPath $env:CRIPS_REPORT -Encoding utf8NoBOM
if ($failure) { [Console]::Error.WriteLine("$($failure.FullyQualifiedErrorId): $($failure.Exception.Message)") }
