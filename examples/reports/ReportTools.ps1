# Dot-sourced by the report scripts of this folder: asking every node for its CriPS objects, telling the nodes
# apart, and writing the HTML page. Not meant to be run on its own.

function Invoke-CriNodeQuery {
    <#
    .SYNOPSIS
        Runs one query on every node and returns what the nodes answered, every object tagged with its node.
    .DESCRIPTION
        -RuntimeEndpoint: each endpoint in its own runspace (ForEach-Object -Parallel, as about_CriPS shows), so
        a slow or dead node costs its own timeout once instead of delaying every node after it.
        -Session: Invoke-Command on each remote node, where CriPS must be installed; each node asks the endpoints
        -RuntimeEndpoint names, or else the one its own endpoint resolution finds.
        A node that cannot be read yields a CriPS.Report.UnreachedNode object (and no CriPS objects).
    #>
    param(
        [string[]] $RuntimeEndpoint,
        [System.Management.Automation.Runspaces.PSSession[]] $Session,
        # The query's text, run with the endpoint as its only argument ($null on a session without -RuntimeEndpoint).
        [Parameter(Mandatory)] [string] $Query,
        [int] $ThrottleLimit = 16
    )
    # Script blocks cannot cross into other runspaces ($using refuses them), so the query travels as text.
    $perNode = {
        param([string] $QueryText, [string] $Endpoint, [string] $ModulePath)
        try {
            Import-Module $ModulePath -ErrorAction Stop
            & ([scriptblock]::Create($QueryText)) $Endpoint
        } catch {
            [pscustomobject]@{
                PSTypeName      = 'CriPS.Report.UnreachedNode'
                ComputerName    = [Environment]::MachineName
                RuntimeEndpoint = if ($Endpoint) { $Endpoint } else { '(default)' }
                Error           = $_.Exception.Message
            }
        }
    }
    if ($Session) {
        # Each remote node asks the endpoints given, one after the other, or else its own default one.
        $endpoints = if ($RuntimeEndpoint) { $RuntimeEndpoint } else { , '' }
        Invoke-Command -Session $Session -ThrottleLimit $ThrottleLimit -ArgumentList $perNode.ToString(), $Query, $endpoints -ScriptBlock {
            param([string] $PerNodeText, [string] $QueryText, [string[]] $Endpoints)
            foreach ($endpoint in $Endpoints) { & ([scriptblock]::Create($PerNodeText)) $QueryText $endpoint 'CriPS' }
        }
        return
    }
    # The runspaces load the same CriPS as this session (a staged or installed copy alike).
    $module = Get-Module CriPS | Select-Object -First 1
    if (-not $module) { $module = Import-Module CriPS -PassThru -ErrorAction Stop }
    $modulePath = $module.ModuleBase
    $perNodeText = $perNode.ToString()
    $RuntimeEndpoint | ForEach-Object -ThrottleLimit $ThrottleLimit -Parallel {
        & ([scriptblock]::Create($using:perNodeText)) $using:Query $_ $using:modulePath
    }
}

function Get-CriReportObject {
    <#
    .SYNOPSIS
        The objects a report works on, by kind (RuntimeInfo, Image, Pod, Container, UnreachedNode): asked of the
        nodes when -RuntimeEndpoint or -Session is given, else sorted out of -InputObject. Each node that could not
        be read is also written as an error (CriReportNodeUnreached, its endpoint as target).
    #>
    param(
        [Parameter(Mandatory)] [scriptblock] $Query,
        [string[]] $RuntimeEndpoint,
        [System.Management.Automation.Runspaces.PSSession[]] $Session,
        [object[]] $InputObject,
        [int] $ThrottleLimit = 16
    )
    $objects = $InputObject
    if ($RuntimeEndpoint -or $Session) {
        $objects = Invoke-CriNodeQuery -Query $Query.ToString() -RuntimeEndpoint $RuntimeEndpoint -Session $Session -ThrottleLimit $ThrottleLimit
    }
    $byKind = @{}
    foreach ($kind in 'RuntimeInfo', 'Image', 'Pod', 'Container', 'Report.UnreachedNode') {
        $byKind[$kind -replace '^Report\.', ''] = @($objects | Where-Object { Test-CriObjectType $_ "CriPS.$kind" })
    }
    foreach ($node in $byKind.UnreachedNode) {
        Write-Error -Message "Node $($node.ComputerName) $($node.RuntimeEndpoint) was not reached: $($node.Error)" `
            -Category ConnectionError -ErrorId 'CriReportNodeUnreached' -TargetObject $node.RuntimeEndpoint
    }
    $byKind
}

function Test-CriObjectType([object] $InputObject, [string] $TypeName) {
    # True for live CriPS objects and for the deserialized ones remoting returns (Deserialized.CriPS.Image ...).
    $InputObject.PSObject.TypeNames -contains $TypeName -or $InputObject.PSObject.TypeNames -contains "Deserialized.$TypeName"
}

function Get-CriNodeKey([object] $InputObject) {
    # A node is one runtime on one host: two runtimes on one machine are two nodes, one host name is not enough.
    "$($InputObject.ComputerName) $($InputObject.RuntimeEndpoint)"
}

function Format-ByteSize([double] $Bytes) {
    # Invariant culture: the page reads the same whatever locale the report ran under.
    [string]::Format([cultureinfo]::InvariantCulture, '{0:N1} MB', $Bytes / 1MB)
}

function ConvertTo-ReportTable {
    # One HTML table of the objects, with an id so readers (and tests) can find it; values are HTML-encoded.
    param([Parameter(Mandatory)] [string] $Id, [Parameter(Mandatory)] [string] $Heading, [object[]] $InputObject, [object[]] $Property)
    $encodedHeading = [System.Net.WebUtility]::HtmlEncode($Heading)
    if (-not $InputObject) { return "<h2>$encodedHeading</h2>`n<p id=`"$Id`">None.</p>" }
    $table = ($InputObject | ConvertTo-Html -Fragment -Property $Property) -replace '^<table>$', "<table id=`"$Id`">"
    "<h2>$encodedHeading</h2>`n" + ($table -join "`n")
}

function Write-ReportPage {
    # A whole XHTML page (it parses as XML) with a small inline style, so it opens anywhere without other files.
    param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [string] $Title, [string[]] $Section)
    $encodedTitle = [System.Net.WebUtility]::HtmlEncode($Title)
    $generated = [System.Net.WebUtility]::HtmlEncode(('{0:u} on {1}' -f [datetime]::UtcNow, [Environment]::MachineName))
    $page = @"
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta charset="utf-8"/>
<title>$encodedTitle</title>
<style>
body { font-family: sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 1.6em; }
table { border-collapse: collapse; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: left; font-size: 0.9em; }
th { background: #eee; }
tr:nth-child(even) td { background: #f8f8f8; }
.generated { color: #666; font-size: 0.85em; }
</style>
</head>
<body>
<h1>$encodedTitle</h1>
<p class="generated">Generated $generated</p>
$($Section -join "`n")
</body>
</html>
"@
    Set-Content -LiteralPath $Path -Value $page -Encoding utf8NoBOM
}
