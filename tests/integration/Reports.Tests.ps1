BeforeDiscovery {
    . $PSScriptRoot/TestFixture.ps1
    # Two real runtimes: the private one, and a second private runtime this file starts beside it.
    $ReportsSkipReason = Get-DaemonSkipReason 'the second private runtime'
}

Describe 'The report examples across two nodes (examples/reports)' -Skip:([bool]$ReportsSkipReason) {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        $reports = Join-Path $PSScriptRoot '../../examples/reports'
        $runtimeScript = Join-Path $PSScriptRoot '../runtime/crips-runtime.sh'
        # The second runtime's directory, bridge and subnet; overridable so a private run does not meet the suite's.
        $second = @{
            Directory = if ($env:CRIPS_TEST_RT2_DIR) { $env:CRIPS_TEST_RT2_DIR } else { '/tmp/crips-rt2' }
            Bridge    = if ($env:CRIPS_TEST_RT2_BRIDGE) { $env:CRIPS_TEST_RT2_BRIDGE } else { 'crips2' }
            Subnet    = if ($env:CRIPS_TEST_RT2_SUBNET) { $env:CRIPS_TEST_RT2_SUBNET } else { '10.88.92.0/24' }
        }
        $registry = if ($env:CRIPS_REGISTRY) { $env:CRIPS_REGISTRY } else { ($TestImage -split '/')[0] }
        $pauseImage = if ($env:CRIPS_PAUSE_IMAGE) { $env:CRIPS_PAUSE_IMAGE } else { "$registry/crips/pause:3.9" }
        # On the first node the containers run the spare image, which nothing else in the suite keeps using,
        # so its container counts are exactly ours.
        $spareImage = if ($env:CRIPS_SPARE_IMAGE) { $env:CRIPS_SPARE_IMAGE } else { "$registry/crips/spare:1" }
        $runtimeEnv = @("CRIPS_BRIDGE=$($second.Bridge)", "CRIPS_POD_SUBNET=$($second.Subnet)", "CRIPS_USE_REGISTRY=$registry")

        # A clean second node: what an interrupted earlier run left goes first. It uses the first runtime's registry,
        # so it costs one containerd start instead of building and pushing the images again.
        $leftEnv = Join-Path $second.Directory 'runtime.env'
        if ((Test-Path $leftEnv) -and $(& bash $runtimeScript status $second.Directory *> $null; $LASTEXITCODE -eq 0)) {
            # Its pods go through CRI first, so their shims, network namespaces and CNI rules go too.
            $leftEndpoint = (Get-Content $leftEnv | Where-Object { $_ -like 'CRIPS_RUNTIME_ENDPOINT=*' }) -replace '^[^=]+=', ''
            Get-CriPod -RuntimeEndpoint $leftEndpoint | Remove-CriPod -Force -RuntimeEndpoint $leftEndpoint
        }
        & env @runtimeEnv bash $runtimeScript down --purge $second.Directory *> $null
        $upTime = [System.Diagnostics.Stopwatch]::StartNew()
        $envFile = & env @runtimeEnv bash $runtimeScript up $second.Directory 2>$null | Select-Object -Last 1
        $upTime.Stop()
        $LASTEXITCODE | Should -Be 0
        Write-Host ('Second private runtime up in {0:N1} s' -f $upTime.Elapsed.TotalSeconds)
        $Endpoint2 = (Get-Content $envFile | Where-Object { $_ -like 'CRIPS_RUNTIME_ENDPOINT=*' }) -replace '^[^=]+=', ''
        $hostName = [Environment]::MachineName

        $prefix = New-TestPrefix
        # Node 1: a pod whose app was restarted once (attempt 0 exited, attempt 1 runs) and a sidecar never started.
        # The test image too, so the summary has an image on both nodes.
        foreach ($image in $spareImage, $TestImage) { $null = Invoke-CriImagePull -RuntimeEndpoint $Endpoint -Image $image }
        $spare = Get-CriImage -RuntimeEndpoint $Endpoint -Name $spareImage
        $web = New-CriPod -RuntimeEndpoint $Endpoint -Name web -Namespace "$prefix-a" -LogDirectory (New-TestLogDirectory "$prefix-web")
        $first = New-CriContainer -RuntimeEndpoint $Endpoint -PodId $web.Id -Name app -Image $spareImage -Command true -Attempt 0
        Start-CriContainer -RuntimeEndpoint $Endpoint -Id $first.Id
        $null = Wait-ContainerState $first.Id Exited
        $restarted = New-CriContainer -RuntimeEndpoint $Endpoint -PodId $web.Id -Name app -Image $spareImage -Command sleep -Argument 300 -Attempt 1
        Start-CriContainer -RuntimeEndpoint $Endpoint -Id $restarted.Id
        $null = New-CriContainer -RuntimeEndpoint $Endpoint -PodId $web.Id -Name sidecar -Image $spareImage -Command sleep -Argument 300

        # Node 2: a running job, and a pod with no containers.
        foreach ($image in $TestImage, $pauseImage) { $null = Invoke-CriImagePull -RuntimeEndpoint $Endpoint2 -Image $image }
        $busybox = Get-CriImage -RuntimeEndpoint $Endpoint2 -Name $TestImage
        $pause = Get-CriImage -RuntimeEndpoint $Endpoint2 -Name $pauseImage
        $batch = New-CriPod -RuntimeEndpoint $Endpoint2 -Name batch -Namespace "$prefix-b" -LogDirectory (New-TestLogDirectory "$prefix-batch")
        $job = New-CriContainer -RuntimeEndpoint $Endpoint2 -PodId $batch.Id -Name job -Image $TestImage -Command sleep -Argument 300
        Start-CriContainer -RuntimeEndpoint $Endpoint2 -Id $job.Id
        $idle = New-CriPod -RuntimeEndpoint $Endpoint2 -Name idle -Namespace "$prefix-b" -LogDirectory (New-TestLogDirectory "$prefix-idle")

        $out = Join-Path ([IO.Path]::GetTempPath()) "$prefix-reports"

        function Read-HtmlTable([xml] $Document, [string] $Id) {
            # The rows of the table with that id, as objects named by its header cells.
            $ns = [System.Xml.XmlNamespaceManager]::new($Document.NameTable)
            $ns.AddNamespace('h', 'http://www.w3.org/1999/xhtml')
            $table = $Document.SelectSingleNode("//h:table[@id='$Id']", $ns)
            if (-not $table) { throw "no table with id $Id" }
            $header = @($table.SelectNodes('h:tr/h:th', $ns) | ForEach-Object InnerText)
            foreach ($tr in $table.SelectNodes('h:tr[h:td]', $ns)) {
                $cells = @($tr.SelectNodes('h:td', $ns) | ForEach-Object InnerText)
                $row = [ordered]@{}
                for ($i = 0; $i -lt $header.Count; $i++) { $row[$header[$i]] = $cells[$i] }
                [pscustomobject]$row
            }
        }
        function Get-HtmlNodeTableId([xml] $Document, [string] $Heading) {
            # Each node's table follows an h2 that names the node; its id is what the test reads it by.
            $ns = [System.Xml.XmlNamespaceManager]::new($Document.NameTable)
            $ns.AddNamespace('h', 'http://www.w3.org/1999/xhtml')
            $h2 = @($Document.SelectNodes('//h:h2', $ns) | Where-Object InnerText -eq $Heading)
            $h2.Count | Should -Be 1 -Because "one section names $Heading"
            $h2[0].SelectSingleNode('following-sibling::*[1]', $ns).GetAttribute('id')
        }
        function ConvertTo-Line([object[]] $Rows, [string[]] $Property) {
            # Rows as comparable text lines, in the order given.
            foreach ($row in $Rows) { ($Property | ForEach-Object { "$($row.$_)" }) -join '|' }
        }
    }
    AfterAll {
        if ($prefix) { Remove-TestPods $prefix }
        if ($Endpoint2) { Get-CriPod -RuntimeEndpoint $Endpoint2 | Remove-CriPod -Force -RuntimeEndpoint $Endpoint2 }
        if ($runtimeEnv) { & env @runtimeEnv bash $runtimeScript down --purge $second.Directory *> $null }
        if ($out) { Remove-Item -Recurse -Force -ErrorAction SilentlyContinue $out }
    }

    Context 'Export-ImageInventory' {
        BeforeAll {
            $dead = "unix://$($second.Directory)/nobody.sock"
            $rows = & "$reports/Export-ImageInventory.ps1" -RuntimeEndpoint $Endpoint, $Endpoint2, $dead -Path $out `
                -ErrorVariable unreachedErrors -ErrorAction SilentlyContinue
            $csv = @(Import-Csv (Join-Path $out 'images.csv'))
            $html = [xml](Get-Content -Raw (Join-Path $out 'images.html'))
        }

        It 'writes one CSV row per image per node, with tags, id, size, pinned and the containers using it' {
            $columns = 'ComputerName', 'RuntimeEndpoint', 'RepoTags', 'Id', 'Size', 'Pinned', 'Containers', 'RunningContainers'
            $csv[0].PSObject.Properties.Name | Should -Be $columns
            # The second node is ours alone: exactly its two images; the job uses busybox.
            ConvertTo-Line ($csv | Where-Object RuntimeEndpoint -eq $Endpoint2) $columns | Should -Be @(
                "$hostName|$Endpoint2|$TestImage|$($busybox.Id)|$($busybox.Size)|$($busybox.Pinned)|1|1"
                "$hostName|$Endpoint2|$pauseImage|$($pause.Id)|$($pause.Size)|$($pause.Pinned)|0|0"
            )
            # On the first node, three containers use the spare image (the exited attempt and the sidecar too), one runs.
            ConvertTo-Line ($csv | Where-Object { $_.RuntimeEndpoint -eq $Endpoint -and $_.Id -eq $spare.Id }) $columns |
                Should -Be "$hostName|$Endpoint|$($spare.RepoTags -join ', ')|$($spare.Id)|$($spare.Size)|$($spare.Pinned)|3|1"
            # And every image of the first node is there, nothing more.
            @($csv | Where-Object RuntimeEndpoint -eq $Endpoint | ForEach-Object Id) |
                Should -Be @(Get-CriImage -RuntimeEndpoint $Endpoint | Sort-Object { "$($_.RepoTags)" }, Id | ForEach-Object Id)
        }

        It 'writes the same rows to the pipeline, tags as arrays' {
            $rows.Count | Should -Be $csv.Count
            $rows[0].PSObject.TypeNames[0] | Should -Be 'CriPS.Report.ImageInventoryRow'
            ConvertTo-Line $rows 'RuntimeEndpoint', 'Id', 'Containers' | Should -Be (ConvertTo-Line $csv 'RuntimeEndpoint', 'Id', 'Containers')
            ($rows | Where-Object { $_.RuntimeEndpoint -eq $Endpoint2 -and $_.Id -eq $busybox.Id }).RepoTags | Should -Be @($TestImage)
            ($rows | Where-Object Id -eq $spare.Id).Size | Should -BeOfType [uint64]
        }

        It 'reports a node it cannot reach as an error and in the page, and the others in full' {
            $unreachedErrors.Count | Should -Be 1
            $unreachedErrors[0].FullyQualifiedErrorId | Should -BeLike 'CriReportNodeUnreached,*'
            $unreachedErrors[0].TargetObject | Should -Be $dead
            @($csv.RuntimeEndpoint | Sort-Object -Unique) | Should -Be @(@($Endpoint, $Endpoint2) | Sort-Object)
            (Read-HtmlTable $html 'unreached').RuntimeEndpoint | Should -Be $dead
        }

        It 'summarises per image in the page: on how many nodes, and their total size' {
            $summary = @(Read-HtmlTable $html 'summary')
            $summary[0].PSObject.Properties.Name | Should -Be 'Image', 'Id', 'Nodes', 'Size', 'TotalSize', 'Containers'
            $mb = { param($bytes) [string]::Format([cultureinfo]::InvariantCulture, '{0:N1} MB', $bytes / 1MB) }
            $onBoth = $summary | Where-Object Id -eq $busybox.Id
            $onBoth.Nodes | Should -Be '2'
            $onBoth.Image | Should -Be ((@((Get-CriImage -RuntimeEndpoint $Endpoint -Id $busybox.Id).RepoTags) + @($TestImage) | Sort-Object -Unique) -join ', ')
            $onBoth.TotalSize | Should -Be (& $mb (2 * $busybox.Size))
            $onlyFirst = $summary | Where-Object Id -eq $spare.Id
            ConvertTo-Line $onlyFirst 'Nodes', 'Size', 'TotalSize', 'Containers' | Should -Be "1|$(& $mb $spare.Size)|$(& $mb $spare.Size)|3"
        }

        It 'groups the page per node: one section per node with exactly that node''s images' {
            $nodes = @(Read-HtmlTable $html 'nodes')
            # Nodes in the order of their names (host, then endpoint).
            ConvertTo-Line $nodes 'ComputerName', 'RuntimeEndpoint', 'Images' | Should -Be @(@(
                "$hostName|$Endpoint|$(@($csv | Where-Object RuntimeEndpoint -eq $Endpoint).Count)"
                "$hostName|$Endpoint2|2"
            ) | Sort-Object)
            foreach ($nodeEndpoint in $Endpoint, $Endpoint2) {
                $section = Read-HtmlTable $html (Get-HtmlNodeTableId $html "$hostName $nodeEndpoint")
                ConvertTo-Line $section 'Id', 'Containers', 'RunningContainers' |
                    Should -Be (ConvertTo-Line ($csv | Where-Object RuntimeEndpoint -eq $nodeEndpoint) 'Id', 'Containers', 'RunningContainers')
            }
        }
    }

    Context 'Export-WorkloadPlacement' {
        BeforeAll {
            $rows = & "$reports/Export-WorkloadPlacement.ps1" -RuntimeEndpoint $Endpoint, $Endpoint2 -Path $out
            $csv = @(Import-Csv (Join-Path $out 'placement.csv'))
            $html = [xml](Get-Content -Raw (Join-Path $out 'placement.html'))
            $columns = 'ComputerName', 'RuntimeEndpoint', 'PodNamespace', 'PodName', 'PodId', 'PodState', 'Container', 'ContainerId', 'Image', 'State', 'Attempt'
            $ours = { $_.PodNamespace -like "$prefix-*" }
        }

        It 'writes one CSV row per container, and one per pod without containers, per node' {
            $csv[0].PSObject.Properties.Name | Should -Be $columns
            $expected = @{
                $Endpoint = @(
                    "$hostName|$Endpoint|$prefix-a|web|$($web.Id)|Ready|app|$($first.Id)|$spareImage|Exited|0"
                    "$hostName|$Endpoint|$prefix-a|web|$($web.Id)|Ready|app|$($restarted.Id)|$spareImage|Running|1"
                    "$hostName|$Endpoint|$prefix-a|web|$($web.Id)|Ready|sidecar|$((Get-CriContainer -RuntimeEndpoint $Endpoint -PodId $web.Id -Name sidecar -All).Id)|$spareImage|Created|0"
                )
                $Endpoint2 = @(
                    "$hostName|$Endpoint2|$prefix-b|batch|$($batch.Id)|Ready|job|$($job.Id)|$TestImage|Running|0"
                    "$hostName|$Endpoint2|$prefix-b|idle|$($idle.Id)|Ready|||||"
                )
            }
            # Rows come sorted by node (host name, then endpoint), whichever node answered first.
            ConvertTo-Line ($csv | Where-Object $ours) $columns | Should -Be @($Endpoint, $Endpoint2 | Sort-Object | ForEach-Object { $expected[$_] })
            # The second node holds our pods only.
            @($csv | Where-Object RuntimeEndpoint -eq $Endpoint2).Count | Should -Be 2
        }

        It 'writes the same rows to the pipeline' {
            $rows[0].PSObject.TypeNames[0] | Should -Be 'CriPS.Report.WorkloadPlacementRow'
            ConvertTo-Line $rows $columns | Should -Be (ConvertTo-Line $csv $columns)
        }

        It 'groups the page per node: the node counts, and one section per node with exactly its pods' {
            $nodes = @(Read-HtmlTable $html 'nodes')
            ConvertTo-Line ($nodes | Where-Object RuntimeEndpoint -eq $Endpoint2) 'ComputerName', 'Pods', 'ReadyPods', 'Containers', 'RunningContainers' |
                Should -Be "$hostName|2|2|1|1"
            $nodes.RuntimeEndpoint | Should -Be (@($Endpoint, $Endpoint2) | Sort-Object)
            $section = Read-HtmlTable $html (Get-HtmlNodeTableId $html "$hostName $Endpoint2")
            ConvertTo-Line $section 'Pod', 'PodState', 'Container', 'Image', 'State', 'Attempt' | Should -Be @(
                "$prefix-b/batch|Ready|job|$TestImage|Running|0"
                "$prefix-b/idle|Ready||||"
            )
            $section = Read-HtmlTable $html (Get-HtmlNodeTableId $html "$hostName $Endpoint")
            ConvertTo-Line ($section | Where-Object Pod -eq "$prefix-a/web") 'Container', 'State', 'Attempt' | Should -Be 'app|Exited|0', 'app|Running|1', 'sidecar|Created|0'
        }

        It 'builds the same report from objects gathered beforehand and deserialized, as remoting returns them' {
            $gathered = foreach ($nodeEndpoint in $Endpoint, $Endpoint2) {
                Get-CriRuntimeInfo -RuntimeEndpoint $nodeEndpoint
                Get-CriPod -RuntimeEndpoint $nodeEndpoint
                Get-CriContainer -All -RuntimeEndpoint $nodeEndpoint
            }
            $deserialized = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($gathered))
            $deserialized[0].PSObject.TypeNames[0] | Should -Be 'Deserialized.CriPS.RuntimeInfo'
            $fromPipeline = $deserialized | & "$reports/Export-WorkloadPlacement.ps1" -Path "$out-gathered"
            ConvertTo-Line ($fromPipeline | Where-Object $ours) $columns | Should -Be (ConvertTo-Line ($rows | Where-Object $ours) $columns)
            ConvertTo-Line (Import-Csv "$out-gathered/placement.csv" | Where-Object $ours) $columns | Should -Be (ConvertTo-Line ($csv | Where-Object $ours) $columns)
            Remove-Item -Recurse -Force "$out-gathered"
        }
    }

    Context 'Remote nodes through -Session (PowerShell remoting over SSH on loopback)' {
        BeforeAll {
            # A private sshd of this file's own (tests/runtime/crips-sshd.sh), beside the one Remoting.Tests.ps1 uses.
            $sshdDir = if ($env:CRIPS_TEST_REPORTS_SSHD_DIR) { $env:CRIPS_TEST_REPORTS_SSHD_DIR } else { '/tmp/crips-sshd-reports' }
            $sshdPort = if ($env:CRIPS_TEST_REPORTS_SSHD_PORT) { $env:CRIPS_TEST_REPORTS_SSHD_PORT } else { '2298' }
            $sshdScript = Join-Path $PSScriptRoot '../runtime/crips-sshd.sh'
            $env:CRIPS_PWSH_DLL = Join-Path $PSHOME 'pwsh.dll'
            $sshEnv = & bash $sshdScript up $sshdDir $sshdPort 2>$null | Select-Object -Last 1
            $LASTEXITCODE | Should -Be 0
            $ssh = @{}
            Get-Content $sshEnv | ForEach-Object { $k, $v = $_ -split '=', 2; $ssh[$k] = $v }
            $remote = @{
                HostName    = '127.0.0.1'
                Port        = [int]$ssh.CRIPS_SSH_PORT
                UserName    = $ssh.CRIPS_SSH_USER
                KeyFilePath = $ssh.CRIPS_SSH_KEY
                Options     = @{ StrictHostKeyChecking = 'no'; UserKnownHostsFile = '/dev/null'; LogLevel = 'ERROR' }
            }
            # One session (each costs a remote pwsh start, seconds on a busy machine) that finds CriPS as if installed
            # there, and whose own default endpoint, through CONTAINER_RUNTIME_ENDPOINT, is the second runtime.
            $session = New-PSSession @remote
            Invoke-Command -Session $session -ScriptBlock {
                param($modules, $runtimeEndpoint)
                $env:PSModulePath = "$modules$([IO.Path]::PathSeparator)$env:PSModulePath"
                $env:CONTAINER_RUNTIME_ENDPOINT = $runtimeEndpoint
            } -ArgumentList (Split-Path -Parent $env:CRIPS_MODULE_PATH), $Endpoint2
            $columns = 'ComputerName', 'RuntimeEndpoint', 'PodNamespace', 'PodName', 'PodId', 'PodState', 'Container', 'ContainerId', 'Image', 'State', 'Attempt'
            $ours = { $_.PodNamespace -like "$prefix-*" }
        }
        AfterAll {
            if ($session) { Remove-PSSession $session }
            & bash $sshdScript down $sshdDir *> $null
        }

        It 'asks the endpoints -RuntimeEndpoint names on the remote node, each reported as its own node' {
            $remoteRows = & "$reports/Export-WorkloadPlacement.ps1" -Session $session -RuntimeEndpoint $Endpoint, $Endpoint2 -Path "$out-remote"
            $localRows = & "$reports/Export-WorkloadPlacement.ps1" -RuntimeEndpoint $Endpoint, $Endpoint2 -Path "$out-local"
            @($remoteRows | Where-Object RuntimeEndpoint -eq $Endpoint2).Count | Should -Be 2
            ConvertTo-Line ($remoteRows | Where-Object $ours) $columns | Should -Be (ConvertTo-Line ($localRows | Where-Object $ours) $columns)
            $html = [xml](Get-Content -Raw "$out-remote/placement.html")
            (Read-HtmlTable $html 'nodes').RuntimeEndpoint | Should -Be (@($Endpoint, $Endpoint2) | Sort-Object)
            Remove-Item -Recurse -Force "$out-remote", "$out-local"
        }

        It 'asks the remote node''s own default endpoint without -RuntimeEndpoint' {
            $remoteRows = & "$reports/Export-WorkloadPlacement.ps1" -Session $session -Path "$out-remote"
            ConvertTo-Line $remoteRows 'RuntimeEndpoint', 'PodNamespace', 'PodName', 'Container' | Should -Be @(
                "$Endpoint2|$prefix-b|batch|job"
                "$Endpoint2|$prefix-b|idle|"
            )
            Remove-Item -Recurse -Force "$out-remote"
        }
    }
}
