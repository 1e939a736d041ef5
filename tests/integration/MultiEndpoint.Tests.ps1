BeforeDiscovery {
    . $PSScriptRoot/TestFixture.ps1
    # Two real runtimes: the private one, and the containerd of a prepared node once converted to serve CRI.
    $MultiSkipReason = Get-DaemonSkipReason 'the second runtime (a prepared node)'
}

Describe 'Several runtimes from one session (the ForEach-Object -Parallel pattern of about_CriPS)' -Skip:([bool]$MultiSkipReason) {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        Import-Module $PSScriptRoot/NodeFixture.psm1 -Force
        $savedPath = $env:PATH
        $node = Start-CripsNode -Style 1.26 -Directory /tmp/crips-node-multi
        $env:PATH = "$($node.CRIPS_NODE_BIN):$savedPath"
        $null = Convert-DockerNodeToContainerd -Root $node.CRIPS_NODE_ROOT -RuntimeEndpoint $node.CRIPS_NODE_CONTAINERD_ENDPOINT `
            -DockerEndpoint $node.CRIPS_NODE_DOCKER_ENDPOINT -Force -WarningAction SilentlyContinue -ErrorAction Stop
        $endpoints = $Endpoint, $node.CRIPS_NODE_CONTAINERD_ENDPOINT
        # Something to list on each: the test image on the private runtime; the node has Docker's moved images.
        $null = Invoke-CriImagePull -RuntimeEndpoint $Endpoint -Image $TestImage
    }
    AfterAll {
        $env:PATH = $savedPath
        if ($node) { Stop-CripsNode -Node $node -Purge }
    }

    It 'queries each endpoint in its own runspace and tags every object with the endpoint it came from' {
        $module = $env:CRIPS_MODULE_PATH
        $images = $endpoints | ForEach-Object -ThrottleLimit 8 -Parallel {
            Import-Module $using:module
            Get-CriImage -RuntimeEndpoint $_
        }
        $byEndpoint = $images | Group-Object RuntimeEndpoint
        @($byEndpoint.Name | Sort-Object) | Should -Be @($endpoints | Sort-Object)
        foreach ($group in $byEndpoint) {
            $direct = Get-CriImage -RuntimeEndpoint $group.Name
            @($group.Group.Id | Sort-Object) | Should -Be @($direct.Id | Sort-Object) -Because "the parallel query of $($group.Name) sees what a direct one does"
        }
        ($images.ComputerName | Sort-Object -Unique) | Should -Be ([Environment]::MachineName)
    }

    It 'keeps the objects typed across runspaces, so the default views apply' {
        $module = $env:CRIPS_MODULE_PATH
        $info = $endpoints | ForEach-Object -Parallel { Import-Module $using:module; Get-CriRuntimeInfo -RuntimeEndpoint $_ }
        $info | ForEach-Object { $_.PSObject.TypeNames[0] | Should -Be 'CriPS.RuntimeInfo' }
        ($info | Where-Object RuntimeReady).Count | Should -Be 2
    }
}
