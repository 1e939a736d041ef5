# The private test runtime, as build.ps1 drives it: crips-runtime.sh starts the daemons; images are pulled
# and pods torn down through CriPS itself (a child pwsh with the staged module), so CNI releases what it took.
Set-StrictMode -Version Latest

$script:Script = Join-Path $PSScriptRoot 'crips-runtime.sh'

function Get-PrivateRuntimeDirectory {
    if ($env:CRIPS_RUNTIME_DIR) { $env:CRIPS_RUNTIME_DIR } else { '/tmp/crips-runtime' }
}

function Test-IsRoot { (& id -u) -eq '0' }

function Read-RuntimeEnv([string] $Path) {
    $vars = [ordered]@{}
    foreach ($line in Get-Content -LiteralPath $Path) {
        if ($line -match '^([A-Z_][A-Z0-9_]*)=(.*)$') { $vars[$Matches[1]] = $Matches[2] }
    }
    $vars
}

function Invoke-RuntimeScript([string] $Action, [string[]] $Extra = @()) {
    $dir = Get-PrivateRuntimeDirectory
    $out = & bash $script:Script $Action @Extra $dir
    if ($LASTEXITCODE -ne 0) { throw "crips-runtime.sh $Action failed with exit code $LASTEXITCODE." }
    $out
}

function Start-PrivateRuntime {
    <# Brings the private runtime up (idempotent) and returns its settings (runtime.env) as an ordered dictionary. #>
    param([Parameter(Mandatory)] [scriptblock] $InModule)
    if (-not (Test-IsRoot)) { throw 'The private runtime needs root (containerd, CNI and mounts): run as root or give CRIPS_TEST_ENDPOINT.' }
    $envFile = (Invoke-RuntimeScript up | Select-Object -Last 1).Trim()
    $vars = Read-RuntimeEnv $envFile
    # Pull through CRI so the images are what the kubelet would see (and the sandbox image is there for pods).
    & $InModule @"
`$ErrorActionPreference = 'Stop'
`$ep = '$($vars.CRIPS_RUNTIME_ENDPOINT)'
foreach (`$image in '$($vars.CRIPS_BUSYBOX_IMAGE)', '$($vars.CRIPS_PAUSE_IMAGE)') {
    if (-not (Get-CriImage -RuntimeEndpoint `$ep -Name `$image -ErrorAction SilentlyContinue)) { `$null = Invoke-CriImagePull -RuntimeEndpoint `$ep -Image `$image }
}
"@
    $vars
}

function Stop-PrivateRuntime {
    <# Removes every pod through CRI (CNI DEL frees IPs, iptables rules, netns), then stops only what up started. #>
    param([Parameter(Mandatory)] [scriptblock] $InModule, [switch] $Purge)
    $dir = Get-PrivateRuntimeDirectory
    $envFile = Join-Path $dir 'runtime.env'
    try {
        if ((Test-Path $envFile) -and (Get-PrivateRuntimeStatus)) {
            $vars = Read-RuntimeEnv $envFile
            & $InModule "Get-CriPod -RuntimeEndpoint '$($vars.CRIPS_RUNTIME_ENDPOINT)' | Remove-CriPod -Force -RuntimeEndpoint '$($vars.CRIPS_RUNTIME_ENDPOINT)'"
        }
    } finally {
        # The daemons stop even when removing the pods failed (down then warns about what is left).
        Invoke-RuntimeScript down @(if ($Purge) { '--purge' }) | Out-Null
    }
}

function Add-PrivateBenchImage {
    <# Builds and pushes the 200 MB image of the pull benchmark (once) and returns its reference. #>
    (Invoke-RuntimeScript bench-images | Select-Object -Last 1).Trim()
}

function Stop-PrivateContainerd {
    <#
    Kills the private runtime's containerd with SIGKILL, as a crash would (no shutdown, sockets left behind; the
    shims and the containers they run survive), waits until the process is no longer running and returns its pid.
    #>
    $pidFile = Join-Path (Get-PrivateRuntimeDirectory) 'pids/containerd.pid'
    $containerdPid = [int](Get-Content -LiteralPath $pidFile)
    # Only our daemon is ever signalled: the recorded pid must still run containerd (not a reused pid).
    $exe = Get-Item -LiteralPath "/proc/$containerdPid/exe" -ErrorAction SilentlyContinue
    if (-not $exe -or (Split-Path -Leaf $exe.LinkTarget) -ne 'containerd') { throw "pid $containerdPid in $pidFile is not a running containerd." }
    & kill -s KILL $containerdPid
    if ($LASTEXITCODE -ne 0) { throw "kill -s KILL $containerdPid failed with exit code $LASTEXITCODE." }
    # Gone or a zombie (the parent that start-stop-daemon left may never reap it): either way it serves nothing.
    $deadline = [datetime]::UtcNow.AddSeconds(10)
    while (Test-ProcessRunning $containerdPid) {
        if ([datetime]::UtcNow -gt $deadline) { throw "containerd (pid $containerdPid) still runs 10 s after SIGKILL." }
        Start-Sleep -Milliseconds 10
    }
    $containerdPid
}

function Test-ProcessRunning([int] $ProcessId) {
    $stat = Get-Content -Raw -LiteralPath "/proc/$ProcessId/stat" -ErrorAction SilentlyContinue
    # The state follows the parenthesised name, which may itself hold blanks.
    $stat -and ($stat.Substring($stat.LastIndexOf(')') + 2, 1) -notin 'Z', 'X')
}

function Restore-PrivateRuntime {
    <# crips-runtime.sh up again: starts whichever daemon is gone, leaves the running ones; returns runtime.env's path. #>
    (Invoke-RuntimeScript up 2>$null | Select-Object -Last 1).Trim()
}

function Get-PrivateRuntimeStatus {
    <# True when both daemons of the private runtime run. #>
    $dir = Get-PrivateRuntimeDirectory
    & bash $script:Script status $dir *> $null
    $LASTEXITCODE -eq 0
}

Export-ModuleMember -Function Start-PrivateRuntime, Stop-PrivateContainerd, Restore-PrivateRuntime, Add-PrivateBenchImage, Stop-PrivateRuntime, Get-PrivateRuntimeStatus, Get-PrivateRuntimeDirectory, Test-IsRoot, Read-RuntimeEnv
