<#
.SYNOPSIS
    A short tour of CriPS on a runtime: what runs, where, from which image.
.DESCRIPTION
    build.ps1 Demo runs this against the private runtime. It makes a small demo pod (once) so there is
    something to see, then shows the runtime, pods, containers and images, and a few pipelines.
#>
param(
    [Parameter(Mandatory)] [string] $RuntimeEndpoint,
    [Parameter(Mandatory)] [string] $Image
)
$ErrorActionPreference = 'Stop'
$PSDefaultParameterValues['*-Cri*:RuntimeEndpoint'] = $RuntimeEndpoint
# containerd's own API answers on the same socket.
$PSDefaultParameterValues['*-Containerd*:Address'] = $RuntimeEndpoint

function Show([string] $Title, [scriptblock] $Command) {
    Write-Host "`nPS> $($Command.ToString().Trim())" -ForegroundColor Cyan
    # Wide, so the tables read as in a wide terminal even when the output is redirected.
    & $Command | Out-String -Width 160 | Write-Host
}

if (-not (Get-CriPod -Namespace crips-demo -Name web)) {
    Write-Host 'Creating the demo pods (namespace crips-demo) ...'
    $web = New-CriPod web -Namespace crips-demo -Label @{ app = 'web' } -LogDirectory /tmp/crips-demo-logs/web
    $web | New-CriContainer server $Image -Command sh -Argument '-c', 'while true; do echo serving; sleep 5; done' | Start-CriContainer
    $web | New-CriContainer sidecar $Image -Command sleep -Argument 86400 | Start-CriContainer
    $job = New-CriPod batch -Namespace crips-demo -Label @{ app = 'batch' } -LogDirectory /tmp/crips-demo-logs/batch
    $job | New-CriContainer migrate $Image -Command sh -Argument '-c', 'echo done; exit 0' | Start-CriContainer
    Start-Sleep -Milliseconds 500
}

Show 'Runtime' { Get-CriRuntimeInfo }
Show 'Pods' { Get-CriPod }
Show 'Running containers' { Get-CriContainer }
Show 'Every container of the web pod' { Get-CriPod -Name web | Get-CriContainer -All }
Show 'Exited containers' { Get-CriContainer -State Exited | Select-Object Name, PodName, State, CreatedAt }
Show 'Images' { Get-CriImage }
Show 'Containers per image' { Get-CriContainer -All | Group-Object Image | Select-Object Count, Name }
Show 'Details of one container' { Get-CriContainer -Name server -Detailed | Select-Object Name, State, Pid, StartedAt, LogPath }
Show 'Run a command in a container' { Get-CriContainer -Name server | Invoke-CriContainerCommand -Command uname, -a | Select-Object ExitCode, Stdout }
Show 'Where images live' { Get-CriImageFsInfo }
Show 'containerd itself' { Get-ContainerdVersion }
Show 'The containerd tasks behind the running CRI containers' { Get-CriContainer | Get-ContainerdTask }
$archive = Join-Path ([IO.Path]::GetTempPath()) 'crips-demo-image.tar'
Show 'Export an image as an archive (OCI layout + Docker manifest.json)' { Export-ContainerdImage -Name $Image -Path $archive | Select-Object Name, Length }
Show 'Import it into another namespace, streamed and verified' { Import-ContainerdImage -Path $archive -Namespace crips-demo }
Show 'The same digest on both sides' { Get-ContainerdImage -Name $Image; Get-ContainerdImage -Namespace crips-demo }
Get-ContainerdImage -Namespace crips-demo | Remove-ContainerdImage -Namespace crips-demo
Remove-Item $archive
