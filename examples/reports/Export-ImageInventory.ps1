<#
.SYNOPSIS
    An image inventory across nodes: images.csv (one row per image per node) and images.html (a summary per
    image, then one table per node); the rows are written to the pipeline too.
.DESCRIPTION
    Asks every node for its images and containers, and writes for each image on each node: the host name, the
    runtime endpoint, the repo tags, the image id, the size, whether it is pinned, and how many containers (all,
    and running) use it. A node is one runtime on one host, so two runtimes on one machine are two nodes.

    The nodes come from one of:
      -RuntimeEndpoint  endpoints this machine reaches (unix sockets, tcp://), each queried in its own runspace.
      -Session          PowerShell remoting sessions to nodes where CriPS is installed (New-PSSession -HostName);
                        each node asks its default endpoint, or those -RuntimeEndpoint names.
      the pipeline      CriPS objects gathered beforehand, live or deserialized, e.g.
                        Invoke-Command -HostName n1, n2 { Get-CriRuntimeInfo; Get-CriImage; Get-CriContainer -All }
    A node that cannot be read is reported as an error, listed in the page, and left out of the rows.
.EXAMPLE
    ./Export-ImageInventory.ps1 -RuntimeEndpoint unix:///run/containerd/containerd.sock, tcp://node2:10010 -Path ./report
.EXAMPLE
    $nodes = New-PSSession -HostName node1, node2, node3
    ./Export-ImageInventory.ps1 -Session $nodes -Path ./report | Where-Object Containers -eq 0
.OUTPUTS
    CriPS.Report.ImageInventoryRow (RepoTags as an array; images.csv joins them with ", ").
#>
[CmdletBinding(DefaultParameterSetName = 'Endpoint')]
param(
    # With -Session: the endpoints every remote node asks instead of its own default one.
    [Parameter(Mandatory, ParameterSetName = 'Endpoint')]
    [Parameter(ParameterSetName = 'Session')]
    [string[]] $RuntimeEndpoint,

    [Parameter(Mandatory, ParameterSetName = 'Session')]
    [System.Management.Automation.Runspaces.PSSession[]] $Session,

    # CriPS.RuntimeInfo, CriPS.Image and CriPS.Container objects from any number of nodes.
    [Parameter(Mandatory, ParameterSetName = 'InputObject', ValueFromPipeline)]
    [object[]] $InputObject,

    # The folder the report is written to (created when missing).
    [Parameter(Mandatory)]
    [string] $Path,

    # Nodes queried at once.
    [ValidateRange(1, 256)]
    [int] $ThrottleLimit = 16
)
begin {
    . $PSScriptRoot/ReportTools.ps1
    # Tables of the rows show the columns that matter most; Get-Member and the CSV have them all.
    Update-TypeData -TypeName CriPS.Report.ImageInventoryRow -DefaultDisplayPropertySet ComputerName, RuntimeEndpoint, RepoTags, Size, Pinned, Containers -Force
    $gathered = [System.Collections.Generic.List[object]]::new()
}
process {
    if ($InputObject) { $gathered.AddRange($InputObject) }
}
end {
    # What each node is asked, in its own runspace or remote session; no endpoint means the node's default one.
    $query = {
        param($Endpoint)
        $ErrorActionPreference = 'Stop'
        $on = if ($Endpoint) { @{ RuntimeEndpoint = $Endpoint } } else { @{} }
        Get-CriRuntimeInfo @on
        Get-CriImage @on
        Get-CriContainer -All @on
    }
    $found = Get-CriReportObject -Query $query -RuntimeEndpoint $RuntimeEndpoint -Session $Session -InputObject $gathered -ThrottleLimit $ThrottleLimit
    $unreached = $found.UnreachedNode
    $runtimes = $found.RuntimeInfo
    $images = $found.Image
    $containers = $found.Container
    $containersByNode = $containers | Group-Object { Get-CriNodeKey $_ } -AsHashTable -AsString
    if (-not $containersByNode) { $containersByNode = @{} }

    $rows = foreach ($image in $images) {
        $tags = @($image.RepoTags)
        # A container names its image by id (ImageId); a runtime that leaves that empty still has the reference it was created with.
        $users = @($containersByNode[(Get-CriNodeKey $image)] | Where-Object {
            $_ -and ($_.ImageId -eq $image.Id -or (-not $_.ImageId -and ($_.Image -eq $image.Id -or $tags -contains $_.Image)))
        })
        [pscustomobject]@{
            PSTypeName        = 'CriPS.Report.ImageInventoryRow'
            ComputerName      = $image.ComputerName
            RuntimeEndpoint   = $image.RuntimeEndpoint
            RepoTags          = [string[]]$tags
            Id                = $image.Id
            Size              = [uint64]$image.Size
            Pinned            = [bool]$image.Pinned
            Containers        = $users.Count
            RunningContainers = @($users | Where-Object { "$($_.State)" -eq 'Running' }).Count
        }
    }
    $rows = @($rows | Sort-Object ComputerName, RuntimeEndpoint, @{ Expression = { "$($_.RepoTags)" } }, Id)

    $null = New-Item -ItemType Directory -Force -Path $Path
    $rows | Select-Object ComputerName, RuntimeEndpoint, @{ Name = 'RepoTags'; Expression = { $_.RepoTags -join ', ' } },
        Id, Size, Pinned, Containers, RunningContainers |
        Export-Csv -LiteralPath (Join-Path $Path 'images.csv') -NoTypeInformation -Encoding utf8NoBOM

    # The page: per image (the same id is the same image, whatever node holds it), then the nodes, then each node's images.
    $nodeKeys = @(@($runtimes) + @($rows) | ForEach-Object { Get-CriNodeKey $_ } | Sort-Object -Unique)
    $summary = $rows | Group-Object Id | ForEach-Object {
        $first = $_.Group[0]
        [pscustomobject]@{
            Image      = (@($_.Group.RepoTags | Sort-Object -Unique) -join ', ')
            Id         = $first.Id
            Nodes      = @($_.Group | ForEach-Object { Get-CriNodeKey $_ } | Sort-Object -Unique).Count
            Size       = Format-ByteSize $first.Size
            TotalSize  = Format-ByteSize ($_.Group | Measure-Object Size -Sum).Sum
            Containers = ($_.Group | Measure-Object Containers -Sum).Sum
        }
    } | Sort-Object @{ Expression = 'Nodes'; Descending = $true }, Image, Id
    $nodeSummary = foreach ($key in $nodeKeys) {
        $onNode = @($rows | Where-Object { (Get-CriNodeKey $_) -eq $key })
        $runtime = $runtimes | Where-Object { (Get-CriNodeKey $_) -eq $key } | Select-Object -First 1
        [pscustomobject]@{
            ComputerName    = $key.Split(' ', 2)[0]
            RuntimeEndpoint = $key.Split(' ', 2)[1]
            Runtime         = if ($runtime) { "$($runtime.RuntimeName) $($runtime.RuntimeVersion)" } else { '' }
            Images          = $onNode.Count
            TotalSize       = Format-ByteSize ($onNode | Measure-Object Size -Sum).Sum
        }
    }
    $sections = @(
        ConvertTo-ReportTable -Id 'summary' -Heading 'Images across nodes' -InputObject $summary -Property Image, Id, Nodes, Size, TotalSize, Containers
        ConvertTo-ReportTable -Id 'nodes' -Heading 'Nodes' -InputObject $nodeSummary -Property ComputerName, RuntimeEndpoint, Runtime, Images, TotalSize
        if ($unreached) {
            ConvertTo-ReportTable -Id 'unreached' -Heading 'Nodes not reached' -InputObject $unreached -Property ComputerName, RuntimeEndpoint, Error
        }
        for ($i = 0; $i -lt $nodeKeys.Count; $i++) {
            $onNode = $rows | Where-Object { (Get-CriNodeKey $_) -eq $nodeKeys[$i] }
            ConvertTo-ReportTable -Id "node-$($i + 1)" -Heading $nodeKeys[$i] -InputObject $onNode -Property @(
                @{ Name = 'RepoTags'; Expression = { $_.RepoTags -join ', ' } }, 'Id',
                @{ Name = 'Size'; Expression = { Format-ByteSize $_.Size } }, 'Pinned', 'Containers', 'RunningContainers')
        }
    )
    Write-ReportPage -Path (Join-Path $Path 'images.html') -Title "Image inventory of $($nodeKeys.Count) node(s)" -Section $sections

    $rows
}
