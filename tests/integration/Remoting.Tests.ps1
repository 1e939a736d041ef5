BeforeDiscovery {
    . $PSScriptRoot/TestFixture.ps1
    # A private sshd on loopback (tests/runtime/crips-sshd.sh) with PowerShell's SSH subsystem; root starts it.
    $RemotingSkipReason = Get-DaemonSkipReason 'the private sshd'
}

Describe 'PowerShell remoting over SSH carries CriPS objects' -Skip:([bool]$RemotingSkipReason) {
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
        $pod = New-CriPod -RuntimeEndpoint $Endpoint -Name remote -Namespace "$prefix-ns"
        $null = Invoke-CriImagePull -RuntimeEndpoint $Endpoint -Image $TestImage
        $c = New-CriContainer -RuntimeEndpoint $Endpoint -PodId $pod.Id -Name app -Image $TestImage -Command sleep -Argument 300
        Start-CriContainer -RuntimeEndpoint $Endpoint -Id $c.Id
        $query = { param($module, $endpoint, $namespace) Import-Module $module; Get-CriPod -RuntimeEndpoint $endpoint -Namespace $namespace | Get-CriContainer -All -RuntimeEndpoint $endpoint }
        $arguments = $env:CRIPS_MODULE_PATH, $Endpoint, "$prefix-ns"
    }
    AfterAll {
        Remove-TestPods $prefix
        & bash $script down $sshdDir *> $null
    }

    It 'returns deserialized containers with every property of the local ones' {
        $local = & $query @arguments
        $remoteContainers = Invoke-Command @remote -ScriptBlock $query -ArgumentList $arguments
        @($remoteContainers).Count | Should -Be 1
        $remoteContainers.PSObject.TypeNames[0] | Should -Be 'Deserialized.CriPS.Container'
        $remoteContainers.Id | Should -Be $local.Id
        $remoteContainers.RuntimeEndpoint | Should -Be $Endpoint
        $remoteContainers.ComputerName | Should -Be ([Environment]::MachineName)
        $remoteContainers.PSComputerName | Should -Be '127.0.0.1'
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
