BeforeDiscovery {
    . $PSScriptRoot/TestFixture.ps1
    # The independent reader and writer of YAML the files are checked with.
    $script:NoPyYaml = $true
    if (Get-Command python3 -ErrorAction SilentlyContinue) { & python3 -c 'import yaml' 2>$null; $script:NoPyYaml = $LASTEXITCODE -ne 0 }
}

# Get-CriConfig and Set-CriConfig (crictl config), on temporary files only: never /etc/crictl.yaml. What was written
# is read back with Python's PyYAML and stat(1), not with the cmdlets under test.
Describe 'Get-CriConfig and Set-CriConfig' -Skip:$NoPyYaml {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        $dir = Join-Path ([IO.Path]::GetTempPath()) "crips-crictl-config-$PID"
        Remove-Item -Recurse -Force $dir -ErrorAction SilentlyContinue
        $null = New-Item -ItemType Directory $dir
        function Read-Yaml([string] $Path) {
            # PyYAML's view of the file, as JSON: types included (7 is a number, false a boolean).
            & python3 -c 'import sys, json, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))' $Path | ConvertFrom-Json -AsHashtable
        }
        function Write-Yaml([string] $Path, [hashtable] $Map) {
            $Map | ConvertTo-Json -Compress | & python3 -c 'import sys, json, yaml; yaml.safe_dump(json.load(sys.stdin), open(sys.argv[1], "w"))' $Path
        }
        function Get-Stat([string] $Path) {
            # mode (octal), uid, gid, inode of the file itself (a link is not followed).
            $f = -split (& stat -c '%a %u %g %i' $Path)
            [pscustomobject]@{ Mode = $f[0]; Uid = $f[1]; Gid = $f[2]; Inode = $f[3] }
        }
    }
    AfterAll { Remove-Item -Recurse -Force $dir -ErrorAction SilentlyContinue }

    It 'creates a new file (and its folder) with crictl''s keys and types, mode 0644, owned by the caller' {
        $path = Join-Path $dir 'new/sub/crictl.yaml'
        Set-CriConfig -Path $path -RuntimeEndpoint unix:///run/x.sock -ImageEndpoint 'unix:///run/y y.sock' -TimeoutSec 7 -DebugLogging $false -PullImageOnCreate $true -DisablePullOnRun $true
        $yaml = Read-Yaml $path
        $yaml['runtime-endpoint'] | Should -BeExactly 'unix:///run/x.sock'
        $yaml['image-endpoint'] | Should -BeExactly 'unix:///run/y y.sock'
        $yaml['timeout'] | Should -Be 7
        $yaml['timeout'] | Should -BeOfType [long]
        $yaml['debug'] | Should -BeExactly $false
        $yaml['pull-image-on-create'] | Should -BeExactly $true
        $yaml['disable-pull-on-run'] | Should -BeExactly $true
        $yaml.Count | Should -Be 6
        $stat = Get-Stat $path
        $stat.Mode | Should -Be '644'
        $stat.Uid | Should -Be (& id -u)
        (Get-Stat (Split-Path $path)).Mode | Should -Be '755'
    }

    It 'changes only the keys given: comments, unknown keys and their order stay' {
        $path = Join-Path $dir 'keep.yaml'
        "# kept comment`nruntime-endpoint: unix:///old.sock  # trailing comment`nsome-tool-key: 42`ntimeout: 2`n" | Set-Content -NoNewline $path
        Set-CriConfig -Path $path -RuntimeEndpoint unix:///new.sock -DebugLogging $true
        $lines = Get-Content $path
        $lines[0] | Should -BeExactly '# kept comment'
        $lines[1] | Should -BeExactly 'runtime-endpoint: unix:///new.sock  # trailing comment'
        $lines[2] | Should -BeExactly 'some-tool-key: 42'
        $lines[3] | Should -BeExactly 'timeout: 2'
        $yaml = Read-Yaml $path
        $yaml['debug'] | Should -BeExactly $true
        $yaml.Count | Should -Be 4
        (Get-CriConfig -Path $path).OtherKeys | Should -Be 'some-tool-key'
    }

    It 'replaces the file in one step: a new inode with the old owner and mode, no temporary file left' {
        $sub = Join-Path $dir 'atomic'
        $null = New-Item -ItemType Directory $sub
        $path = Join-Path $sub 'crictl.yaml'
        "timeout: 2`n" | Set-Content -NoNewline $path
        & chmod 600 $path
        & chown 65534:65534 $path
        $before = Get-Stat $path
        Set-CriConfig -Path $path -TimeoutSec 9
        $after = Get-Stat $path
        $after.Inode | Should -Not -Be $before.Inode
        $after.Mode | Should -Be '600'
        "$($after.Uid):$($after.Gid)" | Should -Be '65534:65534'
        (Read-Yaml $path)['timeout'] | Should -Be 9
        @(Get-ChildItem -Force $sub).Name | Should -Be @('crictl.yaml')
    }

    It 'follows a link at the path: the file it leads to is replaced and the link stays' {
        $real = Join-Path $dir 'real-crictl.yaml'
        "timeout: 2`n" | Set-Content -NoNewline $real
        $link = Join-Path $dir 'link-crictl.yaml'
        $null = New-Item -ItemType SymbolicLink -Path $link -Target $real
        Set-CriConfig -Path $link -RuntimeEndpoint unix:///linked.sock
        (Get-Item $link).LinkType | Should -Be 'SymbolicLink'
        (Get-Item $link).LinkTarget | Should -Be $real
        (Read-Yaml $real)['runtime-endpoint'] | Should -Be 'unix:///linked.sock'
    }

    It 'writes nothing under -WhatIf, nor for a bad endpoint, nor without a setting' {
        $path = Join-Path $dir 'whatif.yaml'
        "timeout: 2`n" | Set-Content -NoNewline $path
        $before = Get-Stat $path
        Set-CriConfig -Path $path -TimeoutSec 5 -WhatIf
        Set-CriConfig -Path (Join-Path $dir 'never.yaml') -TimeoutSec 5 -WhatIf
        Test-Path (Join-Path $dir 'never.yaml') | Should -BeFalse
        $err = Get-ErrorRecord { Set-CriConfig -Path $path -RuntimeEndpoint 'http://not-cri' }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriInvalidEndpoint,*'
        $err = Get-ErrorRecord { Set-CriConfig -Path $path }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriConfigNothingToSet,*'
        (Get-Stat $path).Inode | Should -Be $before.Inode
        Get-Content -Raw $path | Should -BeExactly "timeout: 2`n"
    }

    It 'writes no setting that only $PSDefaultParameterValues filled in (the module''s advice ''*-Cri*:RuntimeEndpoint'' matches it too)' {
        $path = Join-Path $dir 'defaults.yaml'
        $PSDefaultParameterValues['*-Cri*:RuntimeEndpoint'] = 'unix:///session.sock'
        try {
            Set-CriConfig -Path $path -TimeoutSec 5 -WarningVariable warned -WarningAction SilentlyContinue
            $yaml = Read-Yaml $path
            $yaml.Keys | Should -Be @('timeout')
            "$warned" | Should -Match 'RuntimeEndpoint'
            Set-CriConfig -Path $path -Runtime unix:///session.sock
            (Read-Yaml $path)['runtime-endpoint'] | Should -Be 'unix:///session.sock'
        } finally {
            $PSDefaultParameterValues.Remove('*-Cri*:RuntimeEndpoint')
        }
    }

    It 'refuses a file that is not a mapping of settings, and leaves it alone' {
        $path = Join-Path $dir 'list.yaml'
        "- a`n- b`n" | Set-Content -NoNewline $path
        $err = Get-ErrorRecord { Set-CriConfig -Path $path -TimeoutSec 5 }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriInvalidConfigFile,*'
        $err.TargetObject | Should -Be $path
        Get-Content -Raw $path | Should -BeExactly "- a`n- b`n"
    }

    It 'reads a file another tool wrote, typed, with each key''s source' {
        $path = Join-Path $dir 'python.yaml'
        Write-Yaml $path @{ 'runtime-endpoint' = 'unix:///py.sock'; timeout = 4; debug = $true; 'max-retries' = 3 }
        $c = Get-CriConfig -Path $path
        $c.PSObject.TypeNames[0] | Should -Be 'CriPS.CriConfig'
        $c.Path | Should -Be $path
        $c.PathSource | Should -Be '-Path'
        $c.Exists | Should -BeTrue
        $c.RuntimeEndpoint | Should -BeExactly 'unix:///py.sock'
        $c.TimeoutSec | Should -BeExactly 4
        $c.DebugLogging | Should -BeExactly $true
        $c.MaxRetries | Should -BeExactly 3
        $c.ImageEndpoint | Should -BeNullOrEmpty
        $settings = Get-CriConfig -Path $path -Name timeout, image-endpoint
        $settings[0].PSObject.TypeNames[0] | Should -Be 'CriPS.CriConfigSetting'
        $settings[0].Name | Should -Be 'timeout'
        $settings[0].Source | Should -Be 'File'
        $settings[1].Source | Should -Be 'NotSet'
    }

    It 'names the file from $env:CRI_CONFIG_FILE, the variables that win over it, and a missing file' {
        $path = Join-Path $dir 'env.yaml'
        Write-Yaml $path @{ 'runtime-endpoint' = 'unix:///env.sock' }
        $saved = $env:CRI_CONFIG_FILE, $env:CONTAINER_RUNTIME_ENDPOINT
        try {
            $env:CRI_CONFIG_FILE = $path
            $env:CONTAINER_RUNTIME_ENDPOINT = 'unix:///wins.sock'
            $c = Get-CriConfig
            $c.Path | Should -Be $path
            $c.PathSource | Should -Be '$CRI_CONFIG_FILE'
            ($c.Settings | Where-Object Name -eq 'runtime-endpoint').OverriddenBy | Should -Be '$CONTAINER_RUNTIME_ENDPOINT'
            $env:CRI_CONFIG_FILE = Join-Path $dir 'absent.yaml'
            $missing = Get-CriConfig
            $missing.Exists | Should -BeFalse
            @($missing.Settings | Where-Object Source -ne 'NotSet') | Should -BeNullOrEmpty
            Test-Path $env:CRI_CONFIG_FILE | Should -BeFalse
        } finally {
            $env:CRI_CONFIG_FILE, $env:CONTAINER_RUNTIME_ENDPOINT = $saved
        }
    }

    It 'fails on a value crictl cannot read, naming the file' {
        $path = Join-Path $dir 'bad.yaml'
        "debug: yes-please`n" | Set-Content -NoNewline $path
        $err = Get-ErrorRecord { Get-CriConfig -Path $path }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriInvalidConfigFile,*'
        $err.Exception.Message | Should -Match ([regex]::Escape($path))
    }

    It 'is what the Cri cmdlets then use: the endpoint and timeout Set-CriConfig wrote, through $env:CRI_CONFIG_FILE' -Skip:$NoRuntime {
        $path = Join-Path $dir 'used.yaml'
        Set-CriConfig -Path $path -RuntimeEndpoint $Endpoint -TimeoutSec 3
        $saved = $env:CRI_CONFIG_FILE, $env:CONTAINER_RUNTIME_ENDPOINT, $env:IMAGE_SERVICE_ENDPOINT
        try {
            $env:CRI_CONFIG_FILE = $path
            $env:CONTAINER_RUNTIME_ENDPOINT = $null
            $env:IMAGE_SERVICE_ENDPOINT = $null
            $verbose = @(Get-CriRuntimeInfo -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }) -join "`n"
            $verbose | Should -Match ([regex]::Escape("(runtime-endpoint in $path)"))
            $verbose | Should -Match 'deadline 3 s'
            # And a file pointing elsewhere is followed too: nothing listens there.
            Set-CriConfig -Path $path -RuntimeEndpoint (Join-Path $dir 'nothing.sock')
            (Get-ErrorRecord { Get-CriRuntimeInfo }).FullyQualifiedErrorId | Should -BeLike 'CriRuntimeUnavailable,*'
        } finally {
            $env:CRI_CONFIG_FILE, $env:CONTAINER_RUNTIME_ENDPOINT, $env:IMAGE_SERVICE_ENDPOINT = $saved
        }
    }
}
