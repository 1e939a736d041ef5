# Run on each node by gather-containers.yml (pwsh -NoProfile -NonInteractive -Command <this text>).
# The playbook passes its values in environment variables, never spliced into this code:
#   CRIPS_MODULE            the module to import: a name (CriPS, installed with Install-PSResource) or a path
#   CRIPS_RUNTIME_ENDPOINT  the CRI endpoint; empty: the module's own resolution (CONTAINER_RUNTIME_ENDPOINT,
#                           crictl.yaml, the well-known sockets)
#   CRIPS_OUTPUT            the file on the node that receives Get-CriContainer -All | ConvertTo-Json
# The last line of standard output is the runtime's readiness as one line of JSON, for the play to judge.
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
# Plain text on standard error: Ansible shows it as it is, escape sequences and all.
$PSStyle.OutputRendering = 'PlainText'
# One line per failure on standard error, for the play's message; exit code 1.
trap { [Console]::Error.WriteLine("$($_.FullyQualifiedErrorId): $($_.Exception.Message)"); exit 1 }
Import-Module $env:CRIPS_MODULE
$endpoint = @{}
if ($env:CRIPS_RUNTIME_ENDPOINT) { $endpoint.RuntimeEndpoint = $env:CRIPS_RUNTIME_ENDPOINT }

$info = Get-CriRuntimeInfo @endpoint
# -InputObject keeps one container an array and no container [], so every file has the same shape.
$containers = @(Get-CriContainer -All @endpoint)
ConvertTo-Json -InputObject $containers -Depth 8 -EnumsAsStrings | Set-Content -LiteralPath $env:CRIPS_OUTPUT -Encoding utf8NoBOM

$info | Select-Object RuntimeName, RuntimeVersion, RuntimeReady, RuntimeReadyReason, RuntimeReadyMessage,
    NetworkReady, NetworkReadyReason, NetworkReadyMessage, RuntimeEndpoint, ComputerName,
    @{ Name = 'ContainerCount'; Expression = { $containers.Count } } |
    ConvertTo-Json -Compress
