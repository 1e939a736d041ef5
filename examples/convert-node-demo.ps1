<#
.SYNOPSIS
    Convert-DockerNodeToContainerd on a prepared Docker node: the plan, the conversion, the report, the rollback.
.DESCRIPTION
    build.ps1 Demo runs this after the tour. The node is tests/runtime/crips-node.sh's: a real Docker Engine with
    images and a container, Docker's containerd with CRI disabled, kubelet 1.26 files for cri-dockerd, all below
    /tmp/crips-demo-node, and a systemctl stand-in on PATH (systemd does not run here). The node is removed at the end.
#>
param(
    [Parameter(Mandatory)] [string] $NodeScript
)
$ErrorActionPreference = 'Stop'

function Show([string] $Title, [scriptblock] $Command) {
    Write-Host "`nPS> $($Command.ToString().Trim())" -ForegroundColor Cyan
    & $Command | Out-String -Width 160 | Write-Host
}

$dir = '/tmp/crips-demo-node'
$envFile = (& bash $NodeScript up $dir --style 1.26 2>$null | Select-Object -Last 1)
if ($LASTEXITCODE -ne 0) { throw "crips-node.sh up failed (exit code $LASTEXITCODE)." }
$node = @{}
Get-Content $envFile | ForEach-Object { $key, $value = $_ -split '=', 2; $node[$key] = $value }
$savedPath = $env:PATH
$env:PATH = "$($node.CRIPS_NODE_BIN):$env:PATH"
$PSDefaultParameterValues['Convert-DockerNodeToContainerd:Root'] = $node.CRIPS_NODE_ROOT
try {
    Write-Host "`nA Docker node in $($node.CRIPS_NODE_ROOT) (kubelet $($node.CRIPS_NODE_KUBELET_VERSION) on cri-dockerd), Docker at $($node.CRIPS_NODE_DOCKER_ENDPOINT)" -ForegroundColor Green
    $p = @{ RuntimeEndpoint = $node.CRIPS_NODE_CONTAINERD_ENDPOINT; DockerEndpoint = $node.CRIPS_NODE_DOCKER_ENDPOINT }
    # Convert-DockerNodeToContainerd -WhatIf prints the whole plan: every step, every file with its diff, every service action and image.
    Show 'Convert it' { $script:report = Convert-DockerNodeToContainerd @p -Force -WarningAction SilentlyContinue; $report }
    Show 'Each step, with its time' { $report.Steps | Format-Table Name, Status, @{ n = 'Seconds'; e = { '{0:N2}' -f $_.Duration.TotalSeconds } } }
    Show "What became of Docker's settings" { $report.CarriedSettings }
    Show "containerd's config, before and after" { & diff -u "$($node.CRIPS_NODE_ORIG)/etc/containerd/config.toml" "$($node.CRIPS_NODE_ROOT)/etc/containerd/config.toml" | Select-Object -Skip 2 }
    Show 'containerd now serves CRI' {
        Get-CriRuntimeInfo -RuntimeEndpoint $node.CRIPS_NODE_CONTAINERD_ENDPOINT | Select-Object RuntimeName, RuntimeVersion, RuntimeApiVersion, RuntimeReady, NetworkReady, SandboxImage
    }
    Show "with Docker's images, under the same IDs" { Get-CriImage -RuntimeEndpoint $node.CRIPS_NODE_CONTAINERD_ENDPOINT }
    Show 'And back again' { (Convert-DockerNodeToContainerd -Rollback -Force).Steps.Details | Select-Object -First 8 }
} finally {
    $env:PATH = $savedPath
    & bash $NodeScript down $dir --purge *> $null
}
