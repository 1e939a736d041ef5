# A prepared Kubernetes node that runs Docker Engine (tests/runtime/crips-node.sh), for the tests of
# Convert-DockerNodeToContainerd: start and stop it, read what its systemctl double was asked, and compare its
# tree with the pristine copy the first `up` took.
# Needs root and the private runtime (crips-runtime.sh up): the node's images come from that registry.
Set-StrictMode -Version Latest

$script:Script = Join-Path $PSScriptRoot '../runtime/crips-node.sh'

function Read-CripsNodeEnv([string] $Path) {
    $node = [ordered]@{}
    foreach ($line in Get-Content -LiteralPath $Path) {
        if ($line -match '^([A-Z_][A-Z0-9_]*)=(.*)$') { $node[$Matches[1]] = $Matches[2] }
    }
    [pscustomobject]$node
}

function Invoke-CripsNodeScript([string[]] $Arguments) {
    # stderr is collected too, so a failure says why (the script logs every step there)
    $output = & bash $script:Script @Arguments 2>&1
    $lines = @($output | ForEach-Object { "$_" })
    if ($LASTEXITCODE -ne 0) {
        throw "crips-node.sh $($Arguments -join ' ') failed with exit code ${LASTEXITCODE}:`n$(($lines | Select-Object -Last 15) -join "`n")"
    }
    $lines
}

function Start-CripsNode {
    <#
    .SYNOPSIS
    Brings a Docker node up (idempotent) and returns its node.env as an object (CRIPS_NODE_DIR, CRIPS_NODE_ROOT,
    CRIPS_NODE_BIN, CRIPS_NODE_DOCKER_ENDPOINT, CRIPS_NODE_CONTAINERD_ENDPOINT, ...).
    .DESCRIPTION
    Directory defaults to /tmp/crips-node-<style without dot>, e.g. /tmp/crips-node-126. Prepend CRIPS_NODE_BIN
    to PATH for the code under test to find the systemctl and kubelet doubles. -Fresh purges a node left in the
    directory first (for throwaway nodes whose tests change the tree before they purge it).
    #>
    param(
        [ValidateSet('1.23', '1.26', '1.28')] [string] $Style = '1.26',
        [string] $Directory,
        [switch] $Fresh
    )
    if ((& id -u) -ne '0') { throw 'The Docker node needs root (dockerd, containerd, mounts).' }
    if (-not $Directory) { $Directory = '/tmp/crips-node-' + ($Style -replace '\.', '') }
    if ($Fresh -and (Test-Path -LiteralPath $Directory)) { $null = Invoke-CripsNodeScript @('down', $Directory, '--purge') }
    $lines = Invoke-CripsNodeScript @('up', $Directory, '--style', $Style)
    $envFile = ($lines | Where-Object { $_ -like '/*node.env' } | Select-Object -Last 1)
    if (-not $envFile) { throw "crips-node.sh up printed no node.env path:`n$($lines -join "`n")" }
    Read-CripsNodeEnv $envFile.Trim()
}

function Stop-CripsNode {
    <#
    .SYNOPSIS
    Removes the node's CRI pods (when its containerd serves CRI and CriPS is loaded), then stops the node;
    -Purge deletes its directory.
    #>
    param([Parameter(Mandatory)] $Node, [switch] $Purge)
    try {
        if ((Get-Command Get-CriPod -ErrorAction SilentlyContinue) -and (Test-Path -LiteralPath $Node.CRIPS_NODE_CONTAINERD_ADDRESS)) {
            # CRI DEL through the runtime frees addresses and iptables rules; `down` can only kill what is left.
            $plugins = & ctr -a $Node.CRIPS_NODE_CONTAINERD_ADDRESS plugins ls 2>$null
            if ($LASTEXITCODE -eq 0 -and ($plugins -match '^io\.containerd\.grpc\.v1\s+cri\s.*\sok\s*$')) {
                $ep = $Node.CRIPS_NODE_CONTAINERD_ENDPOINT
                Get-CriPod -RuntimeEndpoint $ep -ErrorAction SilentlyContinue | Remove-CriPod -Force -RuntimeEndpoint $ep
            }
        }
    } finally {
        $null = Invoke-CripsNodeScript @('down', $Node.CRIPS_NODE_DIR, $(if ($Purge) { '--purge' }) | Where-Object { $_ })
    }
}

function Get-CripsNodeSystemctlLog {
    <#
    .SYNOPSIS
    The calls the node's systemctl double received since `up` (or since the last -Clear), one string each,
    arguments joined by single blanks, e.g. 'disable --now docker'.
    #>
    param([Parameter(Mandatory)] $Node, [switch] $Clear)
    $path = $Node.CRIPS_NODE_SYSTEMCTL_LOG
    $lines = if (Test-Path -LiteralPath $path) { @(Get-Content -LiteralPath $path) } else { @() }
    if ($Clear) { Set-Content -LiteralPath $path -Value $null -NoNewline }
    $lines
}

function Get-CripsNodeTreeEntry([string] $Base) {
    # path -> type, mode, owner, link target; find gives owners and modes that .NET does not
    $entries = @{}
    $fields = ((& find $Base -mindepth 1 -printf '%P\0%y\0%m\0%u:%g\0%l\0') -join "`n") -split "`0"
    for ($i = 0; $i + 4 -lt $fields.Count; $i += 5) {
        $entries[$fields[$i]] = [pscustomobject]@{ Type = $fields[$i + 1]; Mode = $fields[$i + 2]; Owner = $fields[$i + 3]; Target = $fields[$i + 4] }
    }
    $entries
}

function Compare-CripsNodeTree {
    <#
    .SYNOPSIS
    Lists what differs between the node's pristine tree (root.orig) and its tree (root): one object per path with
    Path (relative, e.g. 'etc/containerd/config.toml'), Change (Added, Removed or Changed), Differences (for Changed:
    any of Type, Content, Mode, Owner, Target), Original and Current ('type mode owner'). Nothing when they are equal.
    #>
    param([Parameter(Mandatory)] $Node)
    $orig = Get-CripsNodeTreeEntry $Node.CRIPS_NODE_ORIG
    $root = Get-CripsNodeTreeEntry $Node.CRIPS_NODE_ROOT
    $describe = { param($e) if ($e) { '{0} {1} {2}' -f $e.Type, $e.Mode, $e.Owner } }
    foreach ($path in @($orig.Keys) + @($root.Keys) | Sort-Object -Unique) {
        $before = $orig[$path]
        $after = $root[$path]
        $differences = [Collections.Generic.List[string]]::new()
        if (-not $before) { $change = 'Added' }
        elseif (-not $after) { $change = 'Removed' }
        else {
            $change = 'Changed'
            if ($before.Type -ne $after.Type) { $differences.Add('Type') }
            elseif ($before.Type -eq 'f') {
                $a = Get-FileHash -Algorithm SHA256 -LiteralPath (Join-Path $Node.CRIPS_NODE_ORIG $path)
                $b = Get-FileHash -Algorithm SHA256 -LiteralPath (Join-Path $Node.CRIPS_NODE_ROOT $path)
                if ($a.Hash -ne $b.Hash) { $differences.Add('Content') }
            }
            if ($before.Mode -ne $after.Mode) { $differences.Add('Mode') }
            if ($before.Owner -ne $after.Owner) { $differences.Add('Owner') }
            if ($before.Target -ne $after.Target) { $differences.Add('Target') }
            if ($differences.Count -eq 0) { continue }
        }
        [pscustomobject]@{
            PSTypeName  = 'CriPS.Tests.NodeTreeChange'
            Path        = $path
            Change      = $change
            Differences = [string[]]$differences
            Original    = & $describe $before
            Current     = & $describe $after
        }
    }
}

function Invoke-CripsConversionWhatIf {
    <#
    .SYNOPSIS
    Runs Convert-DockerNodeToContainerd -WhatIf on the node in a child pwsh, where the "What if:" lines reach the
    host, and returns everything it printed as one string. -Tail follows the parameters (more parameters, a pipe).
    #>
    param([Parameter(Mandatory)] $Node, [string] $Tail = '', [Parameter(Mandatory)] [string[]] $Pwsh)
    $script = "Import-Module '$env:CRIPS_MODULE_PATH'; `$env:PATH = '$($env:PATH)'; Convert-DockerNodeToContainerd -WhatIf " +
        "-Root '$($Node.CRIPS_NODE_ROOT)' -RuntimeEndpoint '$($Node.CRIPS_NODE_CONTAINERD_ENDPOINT)' -DockerEndpoint '$($Node.CRIPS_NODE_DOCKER_ENDPOINT)' $Tail"
    (& $Pwsh[0] @($Pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $script 2>&1) -join "`n"
}

function Get-CripsNodeTreeState {
    <#
    .SYNOPSIS
    Every entry of the node's tree as it is now, one sorted line each: path, type, mode, owner, link target, and the
    content hash of regular files. The conversion's own state (var/lib/crips) is left out. Two calls compare with
    Should -Be: a snapshot taken after a test reshaped the node, which the pristine copy cannot give.
    #>
    param([Parameter(Mandatory)] $Node)
    $root = $Node.CRIPS_NODE_ROOT
    $lines = & find $root -mindepth 1 -path "$root/var/lib/crips" -prune -o -printf '%P %y %m %u:%g %l\n'
    foreach ($line in $lines | Sort-Object) {
        $full = Join-Path $root $line.Split(' ')[0]
        if ((Test-Path -LiteralPath $full -PathType Leaf) -and -not (Get-Item -LiteralPath $full -Force).LinkTarget) { "$line $((Get-FileHash -LiteralPath $full).Hash)" } else { $line }
    }
}

function Invoke-CripsNodePod {
    <#
    .SYNOPSIS
    Runs a pod on the converted node's containerd from the node's first moved image, execs `echo Word` in it, removes
    the pod again and returns what the echo printed.
    #>
    param([Parameter(Mandatory)] $Node, [Parameter(Mandatory)] [string] $Word)
    $ep = $Node.CRIPS_NODE_CONTAINERD_ENDPOINT
    try {
        $pod = New-CriPod -RuntimeEndpoint $ep -Name $Word -Namespace "crips-$Word"
        $c = New-CriContainer -RuntimeEndpoint $ep -PodId $pod.Id -Name app -Image ($Node.CRIPS_NODE_TAGGED_IMAGES -split ',')[0] -Command sh, -c, 'sleep 300'
        Start-CriContainer -RuntimeEndpoint $ep -Id $c.Id
        (Invoke-CriContainerCommand -RuntimeEndpoint $ep -Id $c.Id -Command echo, $Word).Stdout
    } finally {
        Get-CriPod -RuntimeEndpoint $ep -Namespace "crips-$Word" -ErrorAction SilentlyContinue | Remove-CriPod -RuntimeEndpoint $ep -Force
    }
}

Export-ModuleMember -Function Get-CripsNodeTreeState, Invoke-CripsNodePod, Invoke-CripsConversionWhatIf, Start-CripsNode, Stop-CripsNode, Get-CripsNodeSystemctlLog, Compare-CripsNodeTree, Read-CripsNodeEnv
