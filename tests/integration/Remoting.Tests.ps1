BeforeDiscovery {
    . $PSScriptRoot/TestFixture.ps1
    # A private sshd on loopback (tests/runtime/crips-sshd.sh) with PowerShell's SSH subsystem; root starts it.
    $RemotingSkipReason = Get-DaemonSkipReason 'the private sshd'
}

Describe 'PowerShell remoting over SSH carries CriPS objects' -Tag Once -Skip:([bool]$RemotingSkipReason) {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        $sshdDir = '/tmp/crips-sshd'
        $script = Join-Path $PSScriptRoot '../runtime/crips-sshd.sh'
        # The remote side runs this very pwsh (the dotnet tool's pwsh.dll) as its SSH subsystem.
        $env:CRIPS_PWSH_DLL = Join-Path $PSHOME 'pwsh.dll'
        $envFile = & bash $script up $sshdDir 2299 2>$null | Select-Object -Last 1
        $LASTEXITCODE | Should -Be 0
        $ssh = @{}
        Get-Content $envFile | ForEach-Object { $k, $v = $_ -split '=', 2; $ssh[$k] = $v }
        $remote = @{
            HostName    = '127.0.0.1'
            Port        = [int]$ssh.CRIPS_SSH_PORT
            UserName    = $ssh.CRIPS_SSH_USER
            KeyFilePath = $ssh.CRIPS_SSH_KEY
            # a throw-away host key: nothing to verify it against, and the user's known_hosts stays untouched
            Options     = @{ StrictHostKeyChecking = 'no'; UserKnownHostsFile = '/dev/null'; LogLevel = 'ERROR' }
        }
        $prefix = New-TestPrefix
        # A log directory and a mount, so the detailed properties (LogPath, Mounts) have values to compare.
        $pod = New-CriPod -RuntimeEndpoint $Endpoint -Name remote -Namespace "$prefix-ns" -LogDirectory (New-TestLogDirectory "$prefix-remote")
        $null = Invoke-CriImagePull -RuntimeEndpoint $Endpoint -Image $TestImage
        $c = New-CriContainer -RuntimeEndpoint $Endpoint -PodId $pod.Id -Name app -Image $TestImage -Command sleep -Argument 300 -Mount "$(New-TestLogDirectory "$prefix-mount"):/data:ro"
        Start-CriContainer -RuntimeEndpoint $Endpoint -Id $c.Id
        $query = { param($module, $endpoint, $namespace) Import-Module $module; Get-CriPod -RuntimeEndpoint $endpoint -Namespace $namespace | Get-CriContainer -All -RuntimeEndpoint $endpoint }
        $arguments = $env:CRIPS_MODULE_PATH, $Endpoint, "$prefix-ns"
    }
    AfterAll {
        Remove-TestPods $prefix
        & bash $script down $sshdDir *> $null
    }

    It 'returns deserialized containers with every property of the local ones' {
        # -Detailed, so every property of the type has a value to carry.
        $detailed = { param($module, $endpoint, $namespace) Import-Module $module; Get-CriPod -RuntimeEndpoint $endpoint -Namespace $namespace | Get-CriContainer -All -Detailed -RuntimeEndpoint $endpoint }
        $local = & $detailed @arguments
        $remoteContainers = Invoke-Command @remote -ScriptBlock $detailed -ArgumentList $arguments
        @($remoteContainers).Count | Should -Be 1
        $remoteContainers.PSObject.TypeNames[0] | Should -Be 'Deserialized.CriPS.Container'
        $remoteContainers.PSComputerName | Should -Be '127.0.0.1'
        $remoteContainers.RuntimeEndpoint | Should -Be $Endpoint
        $remoteContainers.ComputerName | Should -Be ([Environment]::MachineName)
        # A value as remoting carries it at its default depth: scalars as they are (times to the tick), dictionaries as
        # hashtables of their entries, arrays as lists, and objects nested deeper as their ToString().
        function ConvertTo-Comparable($Value) {
            if ($null -eq $Value) { return '<null>' }
            if ($Value -is [System.Collections.IDictionary]) { return '{' + (@($Value.Keys | Sort-Object | ForEach-Object { "$_=$($Value[$_])" }) -join ';') + '}' }
            if ($Value -is [datetime]) { return $Value.ToUniversalTime().ToString('o') }
            if ($Value -is [System.Collections.IEnumerable] -and $Value -isnot [string]) { return '[' + (@($Value | ForEach-Object { "$_" }) -join ';') + ']' }
            "$Value"
        }
        $properties = [CriPS.Container].GetProperties().Name
        $properties.Count | Should -BeGreaterThan 20
        foreach ($name in $properties) {
            $remoteContainers.PSObject.Properties[$name] | Should -Not -BeNullOrEmpty -Because "remoting carries $name"
            ConvertTo-Comparable $remoteContainers.$name | Should -Be (ConvertTo-Comparable $local.$name) -Because "$name is the same after the round trip"
        }
        # Detailed properties that a running container has, so the comparison above compared values, not nothing.
        foreach ($name in 'Pid', 'LogPath', 'StartedAt', 'Info', 'Mounts') { ConvertTo-Comparable $local.$name | Should -Not -BeIn '<null>', '[]', '{}' }
    }

    It 'shows the same default columns for the deserialized objects as for the local ones' {
        $local = & $query @arguments
        $remoteContainers = Invoke-Command @remote -ScriptBlock $query -ArgumentList $arguments
        $header = { param($objects) ($objects | Format-Table | Out-String -Width 200).Split("`n") | Where-Object { $_.Trim() } | Select-Object -First 1 }
        # The column names; widths may differ with the values (PowerShell adds PSComputerName to remote rows' tables).
        $columns = { param($line) @(-split $line | Where-Object { $_ -ne 'PSComputerName' }) }
        & $columns (& $header $remoteContainers) | Should -Be (& $columns (& $header $local))
        (& $header $remoteContainers) | Should -Match 'CONTAINER'
        # And the values in them, row for row (the view's script blocks work on the deserialized objects too).
        $row = { param($objects) ($objects | Format-Table | Out-String -Width 200).Split("`n") | Where-Object { $_.Trim() } | Select-Object -Skip 2 -First 1 }
        -split (& $row $remoteContainers) | Select-Object -First 4 | Should -Be (-split (& $row $local) | Select-Object -First 4)
    }
}
