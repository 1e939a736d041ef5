<#
.SYNOPSIS
    What runs where: placement.csv (one row per container, and one per pod without containers, per node) and
    placement.html (the nodes, then one table per node); the rows are written to the pipeline too.
.DESCRIPTION
    Asks every node for its pods and containers (all of them, exited ones too), and writes for each: the host
    name, the runtime endpoint, the pod's namespace, name, id and state, and the container's name, id, image,
    state and attempt (the kubelet counts restarts in it). A node is one runtime on one host, so two runtimes on
    one machine are two nodes.

    The nodes come from one of:
      -RuntimeEndpoint  endpoints this machine reaches (unix sockets, tcp://), each queried in its own runspace.
      -Session          PowerShell remoting sessions to nodes where CriPS is installed (New-PSSession -HostName);
                        each node asks its default endpoint, or those -RuntimeEndpoint names.
      the pipeline      CriPS objects gathered beforehand, live or deserialized, e.g.
                        Invoke-Command -HostName n1, n2 { Get-CriRuntimeInfo; Get-CriPod; Get-CriContainer -All }
    A node that cannot be read is reported as an error, listed in the page, and left out of the rows.
.EXAMPLE
    ./Export-WorkloadPlacement.ps1 -RuntimeEndpoint unix:///run/containerd/containerd.sock, tcp://node2:10010 -Path ./report
.EXAMPLE
    # Which nodes run the web pods, and did anything restart there?
    ./Export-WorkloadPlacement.ps1 -Session (New-PSSession -HostName node1, node2) -Path ./report |
        Where-Object PodNamespace -eq web | Where-Object Attempt -gt 0
.OUTPUTS
    CriPS.Report.WorkloadPlacementRow
#>
[CmdletBinding(DefaultParameterSetName = 'Endpoint')]
param(
    # With -Session: the endpoints every remote node asks instead of its own default one.
    [Parameter(Mandatory, ParameterSetName = 'Endpoint')]
    [Parameter(ParameterSetName = 'Session')]
    [string[]] $RuntimeEndpoint,

    [Parameter(Mandatory, ParameterSetName = 'Session')]
    [System.Management.Automation.Runspaces.PSSession[]] $Session,

    # CriPS.RuntimeInfo, CriPS.Pod and CriPS.Container objects from any number of nodes.
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
    Update-TypeData -TypeName CriPS.Report.WorkloadPlacementRow -DefaultDisplayPropertySet ComputerName, PodNamespace, PodName, PodState, Container, State, Attempt -Force
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
        Get-CriPod @on
        Get-CriContainer -All @on
    }
    $found = Get-CriReportObject -Query $query -RuntimeEndpoint $RuntimeEndpoint -Session $Session -InputObject $gathered -ThrottleLimit $ThrottleLimit
    $unreached = $found.UnreachedNode
    $runtimes = $found.RuntimeInfo
    $pods = $found.Pod
    $containers = $found.Container
    # Pod ids are unique per runtime only, so containers find their pod by node and id.
    $podsByKey = @{}
    foreach ($pod in $pods) { $podsByKey["$(Get-CriNodeKey $pod) $($pod.Id)"] = $pod }
    $podsWithContainers = [System.Collections.Generic.HashSet[string]]::new()

    $rows = @(@(
        foreach ($container in $containers) {
            $podKey = "$(Get-CriNodeKey $container) $($container.PodId)"
            $null = $podsWithContainers.Add($podKey)
            $pod = $podsByKey[$podKey]
            [pscustomobject]@{
                PSTypeName      = 'CriPS.Report.WorkloadPlacementRow'
                ComputerName    = $container.ComputerName
                RuntimeEndpoint = $container.RuntimeEndpoint
                PodNamespace    = $container.PodNamespace
                PodName         = $container.PodName
                PodId           = $container.PodId
                # A container listed while its pod was being removed has no pod in the listing.
                PodState        = if ($pod) { "$($pod.State)" } else { '' }
                Container       = $container.Name
                ContainerId     = $container.Id
                Image           = $container.Image
                State           = "$($container.State)"
                Attempt         = [uint32]$container.Attempt
            }
        }
        foreach ($pod in $pods) {
            if ($podsWithContainers.Contains("$(Get-CriNodeKey $pod) $($pod.Id)")) { continue }
            [pscustomobject]@{
                PSTypeName      = 'CriPS.Report.WorkloadPlacementRow'
                ComputerName    = $pod.ComputerName
                RuntimeEndpoint = $pod.RuntimeEndpoint
                PodNamespace    = $pod.Namespace
                PodName         = $pod.Name
                PodId           = $pod.Id
                PodState        = "$($pod.State)"
                Container       = ''
                ContainerId     = ''
                Image           = ''
                State           = ''
                Attempt         = $null
            }
        }
    ) | Sort-Object ComputerName, RuntimeEndpoint, PodNamespace, PodName, PodId, Container, Attempt)

    $null = New-Item -ItemType Directory -Force -Path $Path
    $rows | Export-Csv -LiteralPath (Join-Path $Path 'placement.csv') -NoTypeInformation -Encoding utf8NoBOM

    $nodeKeys = @(@($runtimes) + @($pods) + @($containers) | ForEach-Object { Get-CriNodeKey $_ } | Sort-Object -Unique)
    $nodeSummary = foreach ($key in $nodeKeys) {
        $runtime = $runtimes | Where-Object { (Get-CriNodeKey $_) -eq $key } | Select-Object -First 1
        $nodePods = @($pods | Where-Object { (Get-CriNodeKey $_) -eq $key })
        $nodeContainers = @($containers | Where-Object { (Get-CriNodeKey $_) -eq $key })
        [pscustomobject]@{
            ComputerName      = $key.Split(' ', 2)[0]
            RuntimeEndpoint   = $key.Split(' ', 2)[1]
            Runtime           = if ($runtime) { "$($runtime.RuntimeName) $($runtime.RuntimeVersion)" } else { '' }
            Pods              = $nodePods.Count
            ReadyPods         = @($nodePods | Where-Object { "$($_.State)" -eq 'Ready' }).Count
            Containers        = $nodeContainers.Count
            RunningContainers = @($nodeContainers | Where-Object { "$($_.State)" -eq 'Running' }).Count
        }
    }
    $sections = @(
        ConvertTo-ReportTable -Id 'nodes' -Heading 'Nodes' -InputObject $nodeSummary -Property ComputerName, RuntimeEndpoint, Runtime, Pods, ReadyPods, Containers, RunningContainers
        if ($unreached) {
            ConvertTo-ReportTable -Id 'unreached' -Heading 'Nodes not reached' -InputObject $unreached -Property ComputerName, RuntimeEndpoint, Error
        }
        for ($i = 0; $i -lt $nodeKeys.Count; $i++) {
            $onNode = $rows | Where-Object { (Get-CriNodeKey $_) -eq $nodeKeys[$i] }
            ConvertTo-ReportTable -Id "node-$($i + 1)" -Heading $nodeKeys[$i] -InputObject $onNode -Property @(
                @{ Name = 'Pod'; Expression = { "$($_.PodNamespace)/$($_.PodName)" } }, 'PodState', 'Container', 'Image', 'State', 'Attempt')
        }
    )
    Write-ReportPage -Path (Join-Path $Path 'placement.html') -Title "What runs where: $($nodeKeys.Count) node(s)" -Section $sections

    $rows
}
