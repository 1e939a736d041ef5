BeforeDiscovery {
    . $PSScriptRoot/TestFixture.ps1
    # The conversion needs a Docker node (root, the private runtime's registry); remoting the private sshd.
    $ConversionSkipReason = Get-DaemonSkipReason 'the Docker node'
    $RemotingSkipReason = Get-DaemonSkipReason 'the private sshd'
}

# A canary secret (a registry password, a kubeconfig's bearer token) sent in a call that fails must show nowhere a
# user or a log can see the error: $Error looked at deeply, a transcript, a remoting client. And the error is still
# CriPS's own: a CriException with its ErrorId, category, target and StatusCode, with causes of CriPS's or .NET's types.
BeforeAll {
    . $PSScriptRoot/TestFixture.ps1

    # Get-ObjectText and Get-DeepErrorText: what a user can reach of an object or an error record.
    Import-Module $PSScriptRoot/ErrorText.psm1 -Force

    function Get-CauseTypeNames($Exception) {
        # The type of the exception and of each InnerException; for a deserialized one, the type it was.
        for ($x = $Exception; $x; $x = $x.InnerException) {
            if ($x.PSObject.TypeNames[0] -like 'Deserialized.*') { $x.PSObject.TypeNames[0] -replace '^Deserialized\.', '' } else { $x.GetType().FullName }
        }
    }

    function Assert-OnlyOwnTypesShown([string] $Text) {
        # Get-Error names each exception down the chain on a "Type :" line: all of them CriPS's or .NET's.
        $types = @([regex]::Matches($Text, '(?m)^\s*Type\s*:\s*(\S+)') | ForEach-Object { $_.Groups[1].Value })
        $types | Should -Contain 'CriPS.CriException'
        foreach ($type in $types) { $type | Should -Match '^(CriPS|System)\.' }
    }

    function Invoke-Serialization($Value) {
        # What PowerShell remoting and jobs send: CLIXML, and the deserialized object the other side gets.
        $xml = [System.Management.Automation.PSSerializer]::Serialize($Value, 6)
        [pscustomobject]@{ Xml = $xml; Object = [System.Management.Automation.PSSerializer]::Deserialize($xml) }
    }

    function Invoke-InTranscript([string] $Script, [hashtable] $Environment = @{}) {
        # A pwsh session of its own, as a user's: the failing commands' errors reach the host unhandled, then the user
        # looks closer (Get-Error, the inner exception); the transcript keeps everything the host showed.
        $transcript = Join-Path $TestDrive "transcript-$([guid]::NewGuid().ToString('n')).txt"
        $file = Join-Path $TestDrive "session-$([guid]::NewGuid().ToString('n')).ps1"
        Set-Content -LiteralPath $file -Value @"
Import-Module '$env:CRIPS_MODULE_PATH'
Start-Transcript -LiteralPath '$transcript' | Out-Null
$Script
Get-Error | Out-Host
`$Error[0].Exception | Format-List * -Force | Out-Host
`$Error[0].Exception.InnerException | Format-List * -Force | Out-Host
Stop-Transcript | Out-Null
"@
        $pwsh = Get-PwshCommand
        $saved = @{}
        foreach ($key in $Environment.Keys) { $saved[$key] = [Environment]::GetEnvironmentVariable($key); [Environment]::SetEnvironmentVariable($key, $Environment[$key]) }
        try {
            $null = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File $file 2>&1
        } finally {
            foreach ($key in $saved.Keys) { [Environment]::SetEnvironmentVariable($key, $saved[$key]) }
        }
        Get-Content -Raw -LiteralPath $transcript
    }

    # The names of gRPC's status codes (grpc/status codes.proto): a runtime's StatusCode is one of them.
    $GrpcStatusNames = 'OK', 'Cancelled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists',
        'PermissionDenied', 'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal',
        'Unavailable', 'DataLoss', 'Unauthenticated'
}

Describe 'A registry password the registry refuses appears in no error' -Skip:(-not $IsPrivateRuntime) {
    BeforeAll {
        # A registry on loopback that refuses every request with a Basic challenge and records the credentials it
        # was sent; containerd learns it speaks plain HTTP from a hosts.toml of its own (removed afterwards).
        $user = 'crips'
        $canary = 'pw-canary-' + [guid]::NewGuid().ToString('n')
        $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $probe.Start(); $port = $probe.LocalEndpoint.Port; $probe.Stop()
        $registry = [System.Net.HttpListener]::new()
        $registry.Prefixes.Add("http://127.0.0.1:$port/")
        $registry.Start()
        $sent = [System.Collections.ArrayList]::Synchronized([System.Collections.ArrayList]::new())
        $registryJob = Start-ThreadJob -ArgumentList $registry, $sent {
            param($listener, $sent)
            while ($listener.IsListening) {
                try { $context = $listener.GetContext() } catch { break }
                if ($context.Request.Headers['Authorization']) { $null = $sent.Add($context.Request.Headers['Authorization']) }
                $context.Response.KeepAlive = $false
                $context.Response.StatusCode = 401
                $context.Response.ContentLength64 = 0
                $context.Response.AddHeader('WWW-Authenticate', 'Basic realm="crips"')
                $context.Response.Close()
            }
        }
        $hostsDir = Join-Path $env:CRIPS_RUNTIME_DIR "certs.d/127.0.0.1:$port"
        $null = New-Item -ItemType Directory -Force $hostsDir
        Set-Content (Join-Path $hostsDir 'hosts.toml') "server = `"http://127.0.0.1:$port`"`n[host.`"http://127.0.0.1:$port`"]`n  capabilities = [`"pull`", `"resolve`"]`n"
        $image = "127.0.0.1:$port/crips/secret:1"
        # Every form the password travels in: as is, and inside the Basic header's base64.
        $forms = $canary, [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("${user}:$canary"))

        function Assert-NoCanary([string] $Text) {
            foreach ($form in $forms) { $Text | Should -Not -Match ([regex]::Escape($form)) }
        }
        function Assert-RegistryGotTheCanary {
            # The registry's own record: the password was really sent, so its absence below means something.
            (@($sent) | ForEach-Object { [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String(($_ -replace '^Basic ', ''))) }) | Should -Contain "${user}:$canary"
        }
        function New-CanaryCredential { [pscredential]::new($user, (ConvertTo-SecureString $canary -AsPlainText -Force)) }
    }
    AfterAll {
        $registry.Stop()
        $registryJob | Wait-Job -Timeout 5 | Remove-Job -Force
        Remove-Item -Recurse -Force $hostsDir -ErrorAction SilentlyContinue
    }

    Context 'in this session' {
        BeforeAll {
            $sent.Clear()
            $cred = New-CanaryCredential
            $err = Get-ErrorRecord { Invoke-CriImagePull -RuntimeEndpoint $Endpoint -Image $image -Credential $cred }
        }

        It 'is a CriException with its ErrorId, category, target and the runtime''s StatusCode' {
            Assert-RegistryGotTheCanary
            $err.FullyQualifiedErrorId | Should -BeLike 'CriImagePullUnauthorized,*'
            $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
            $err.TargetObject | Should -Be $image
            $err.Exception | Should -BeOfType ([CriPS.CriException])
            $err.Exception.ErrorId | Should -Be 'CriImagePullUnauthorized'
            $err.Exception.StatusCode | Should -BeIn $GrpcStatusNames
            $err.Exception.StatusCode | Should -Not -Be 'OK'
        }
        It 'has causes of CriPS''s or .NET''s types only' {
            $types = @(Get-CauseTypeNames $err.Exception)
            $types.Count | Should -BeGreaterThan 1
            foreach ($type in $types) { $type | Should -Match '^(CriPS|System)\.' }
        }
        It 'shows the password nowhere in $Error looked at deeply, and shows the StatusCode' {
            Assert-RegistryGotTheCanary
            $err.Exception.StatusCode | Should -Not -BeNullOrEmpty
            $text = Get-DeepErrorText $err
            $text | Should -Match 'CriImagePullUnauthorized'
            $text | Should -Match "StatusCode\s*:\s*$([regex]::Escape($err.Exception.StatusCode))"
            Assert-NoCanary $text
        }
        It 'shows the password nowhere after a serialization round trip, and keeps ErrorId and StatusCode' {
            $round = Invoke-Serialization $err
            Assert-NoCanary $round.Xml
            $round.Object.Exception.PSObject.TypeNames[0] | Should -Be 'Deserialized.CriPS.CriException'
            $round.Object.Exception.ErrorId | Should -Be 'CriImagePullUnauthorized'
            $round.Object.Exception.StatusCode | Should -Be $err.Exception.StatusCode
            foreach ($type in Get-CauseTypeNames $round.Object.Exception) { $type | Should -Match '^(CriPS|System)\.' }
            Assert-NoCanary (Get-DeepErrorText $round.Object)
        }
    }

    It 'shows the password nowhere in a transcript of a session that pulls and looks at the error' {
        $sent.Clear()
        $text = Invoke-InTranscript -Environment @{ CRIPS_TEST_SECRET = $canary } -Script @"
`$cred = [pscredential]::new('$user', (ConvertTo-SecureString `$env:CRIPS_TEST_SECRET -AsPlainText -Force))
`$env:CRIPS_TEST_SECRET = `$null
Invoke-CriImagePull -RuntimeEndpoint '$Endpoint' -Image '$image' -Credential `$cred
"@
        Assert-RegistryGotTheCanary
        # The transcript holds the error and its closer look.
        Assert-NoCanary $text
        $text | Should -Match 'CriImagePullUnauthorized'
        Assert-OnlyOwnTypesShown $text
    }

    Context 'over PowerShell remoting (SSH)' -Skip:([bool]$RemotingSkipReason) {
        BeforeAll {
            $sshdDir = '/tmp/crips-sshd'
            $sshdScript = Join-Path $PSScriptRoot '../runtime/crips-sshd.sh'
            $env:CRIPS_PWSH_DLL = Join-Path $PSHOME 'pwsh.dll'
            $envFile = & bash $sshdScript up $sshdDir 2299 2>$null | Select-Object -Last 1
            $ssh = @{}
            Get-Content $envFile | ForEach-Object { $k, $v = $_ -split '=', 2; $ssh[$k] = $v }
            $remote = @{
                HostName = '127.0.0.1'; Port = [int]$ssh.CRIPS_SSH_PORT; UserName = $ssh.CRIPS_SSH_USER; KeyFilePath = $ssh.CRIPS_SSH_KEY
                Options  = @{ StrictHostKeyChecking = 'no'; UserKnownHostsFile = '/dev/null'; LogLevel = 'ERROR' }
            }
            $sent.Clear()
            # The credential travels as a PSCredential (its password encrypted with the session's key).
            $remoteErrors = $null
            $null = Invoke-Command @remote -ErrorVariable remoteErrors -ErrorAction SilentlyContinue -ArgumentList $env:CRIPS_MODULE_PATH, $Endpoint, $image, (New-CanaryCredential) -ScriptBlock {
                param($module, $endpoint, $image, $cred)
                Import-Module $module
                Invoke-CriImagePull -RuntimeEndpoint $endpoint -Image $image -Credential $cred
            }
            $remoteErr = @($remoteErrors | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }) | Select-Object -First 1
        }
        AfterAll {
            & bash $sshdScript down $sshdDir *> $null
        }

        It 'reaches the client as the CriException it was, with ErrorId, category, target and StatusCode' {
            Assert-RegistryGotTheCanary
            $remoteErr.FullyQualifiedErrorId | Should -BeLike 'CriImagePullUnauthorized,*'
            $remoteErr.CategoryInfo.Category | Should -Be 'AuthenticationError'
            $remoteErr.TargetObject | Should -Be $image
            $remoteErr.Exception.SerializedRemoteException.PSObject.TypeNames[0] | Should -Be 'Deserialized.CriPS.CriException'
            $remoteErr.Exception.SerializedRemoteException.StatusCode | Should -BeIn $GrpcStatusNames
            foreach ($type in Get-CauseTypeNames $remoteErr.Exception.SerializedRemoteException) { $type | Should -Match '^(CriPS|System)\.' }
        }
        It 'shows the password nowhere in the client''s error, and shows the StatusCode' {
            $code = $remoteErr.Exception.SerializedRemoteException.StatusCode
            $code | Should -Not -BeNullOrEmpty
            $text = Get-DeepErrorText $remoteErr
            $text | Should -Match 'CriImagePullUnauthorized'
            $text | Should -Match "StatusCode\s*:\s*$([regex]::Escape($code))"
            Assert-NoCanary $text
        }
    }
}

Describe 'A kubeconfig token the Kubernetes API server refuses appears in no error, report or state file' -Tag Once -Skip:([bool]$ConversionSkipReason) {
    BeforeAll {
        Import-Module $PSScriptRoot/NodeFixture.psm1 -Force
        Import-Module $PSScriptRoot/KubeApiStandIn.psm1 -Force
        $savedPath = $env:PATH
        $node = Start-CripsNode -Style 1.26 -Directory /tmp/crips-node-secrets
        $env:PATH = "$($node.CRIPS_NODE_BIN):$savedPath"
        $api = Start-KubeApiStandIn -NodeName node-a -Directory $node.CRIPS_NODE_DIR -Pods @{ Namespace = 'default'; Name = 'web' }
        # The kubeconfig keeps the stand-in's token (the canary); the stand-in now wants another, so it answers 401,
        # and KubernetesClient's HttpOperationException holds the request with "Authorization: Bearer <canary>".
        $canary = $api.Token
        $api.State.Token = 'other-' + [guid]::NewGuid().ToString('n')
        $convert = "Convert-DockerNodeToContainerd -Root '$($node.CRIPS_NODE_ROOT)' -RuntimeEndpoint '$($node.CRIPS_NODE_CONTAINERD_ENDPOINT)' " +
            "-DockerEndpoint '$($node.CRIPS_NODE_DOCKER_ENDPOINT)' -KubeConfig '$($api.KubeConfig)' -NodeName node-a -Force -WarningAction SilentlyContinue"
        $state = Join-Path $node.CRIPS_NODE_ROOT 'var/lib/crips/docker-to-containerd/state.json'

        $reports = [System.Collections.Generic.List[object]]::new()
        $err = $null
        try {
            & ([scriptblock]::Create($convert)) | ForEach-Object { $reports.Add($_) }
        } catch {
            $err = $_
        }

        function Assert-NoCanary([string] $Text) { $Text | Should -Not -Match ([regex]::Escape($canary)) }
    }
    AfterAll {
        $env:PATH = $savedPath
        if ($api) { $api.Stop() }
        if ($node) { Stop-CripsNode -Node $node -Purge }
    }

    It 'fails the Drain step with ConversionClusterForbidden: category, target and the HTTP StatusCode' {
        # The stand-in's own record: the cordon's node read reached it (with the canary, refused).
        @($api.Requests | Where-Object { $_.Method -eq 'GET' -and $_.Path -eq '/api/v1/nodes/node-a' }).Count | Should -BeGreaterThan 0
        Get-Content -Raw $api.KubeConfig | Should -Match ([regex]::Escape("token: $canary"))
        $err.FullyQualifiedErrorId | Should -BeLike 'ConversionClusterForbidden,*'
        $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
        $err.TargetObject | Should -Be 'node-a'
        $err.Exception | Should -BeOfType ([CriPS.CriException])
        $err.Exception.StatusCode | Should -Be '401'
        ($reports[-1].Steps | Where-Object Name -eq 'Drain').Status | Should -Be 'Failed'
    }
    It 'has causes of CriPS''s or .NET''s types only' {
        $types = @(Get-CauseTypeNames $err.Exception)
        $types.Count | Should -BeGreaterThan 1
        foreach ($type in $types) { $type | Should -Match '^(CriPS|System)\.' }
    }
    It 'shows the token nowhere in $Error looked at deeply, the report or the state file' {
        $text = Get-DeepErrorText $err
        Assert-NoCanary $text
        $text | Should -Match 'ConversionClusterForbidden'
        $text | Should -Match 'StatusCode\s*:\s*401'
        # The report and the state file had the failure's message scrubbed before this change too: kept as a guard.
        $reports.Count | Should -BeGreaterThan 0
        Assert-NoCanary ($reports | ConvertTo-Json -Depth 8)
        Assert-NoCanary (Get-ObjectText $reports[-1] -Depth 8 | Out-String)
        $recorded = Get-Content -Raw -LiteralPath $state
        $recorded | Should -Match 'Drain'
        Assert-NoCanary $recorded
    }
    It 'shows the token nowhere after a serialization round trip, and keeps ErrorId and StatusCode' {
        $round = Invoke-Serialization $err
        Assert-NoCanary $round.Xml
        $round.Object.Exception.ErrorId | Should -Be 'ConversionClusterForbidden'
        $round.Object.Exception.StatusCode | Should -Be '401'
        foreach ($type in Get-CauseTypeNames $round.Object.Exception) { $type | Should -Match '^(CriPS|System)\.' }
        Assert-NoCanary (Get-DeepErrorText $round.Object)
        Assert-NoCanary (Invoke-Serialization $reports).Xml
    }
    It 'shows the token nowhere in a transcript of a session that converts and looks at the error' {
        $text = Invoke-InTranscript -Script $convert
        Assert-NoCanary $text
        $text | Should -Match 'ConversionClusterForbidden'
        Assert-OnlyOwnTypesShown $text
    }
}
