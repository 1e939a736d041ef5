BeforeDiscovery { . $PSScriptRoot/TestFixture.ps1 }

Describe 'Invoke-CriImagePull' -Skip:$NoRuntime {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        $PSDefaultParameterValues['*-Cri*:RuntimeEndpoint'] = $Endpoint
        # A big image makes a pull last long enough to show progress (CRIPS_BIG_IMAGE; the private runtime serves one).
        $big = $env:CRIPS_BIG_IMAGE
        $registry = ($TestImage -split '/')[0]

    }

    # Only a pull that lasts shows progress (the first poll is 150 ms in): without a big image the test would hang on timing.
    It 'shows progress while it pulls and completes every progress record' -Skip:(-not $env:CRIPS_BIG_IMAGE) {
        Remove-CriImage -Name $big -Force -ErrorAction SilentlyContinue
        $run = Invoke-InRunspace "Invoke-CriImagePull -Image '$big'"
        $run.Output.RepoTags | Should -Contain $big
        $records = @($run.Streams.Progress)
        $records.Count | Should -BeGreaterThan 0
        ($records | Where-Object ActivityId -eq 1 | Select-Object -First 1).Activity | Should -Be "Pulling $big"
        foreach ($id in $records.ActivityId | Sort-Object -Unique) {
            ($records | Where-Object ActivityId -eq $id | Select-Object -Last 1).RecordType | Should -Be 'Completed'
        }
        # Layers seen downloading are children of the pull, counted in bytes; the 100 MB layer of the private
        # runtime's big image downloads for about half a second, several polls long.
        $layers = @($records | Where-Object { $_.ParentActivityId -eq 1 -and $_.RecordType -eq 'Processing' })
        if ($IsPrivateRuntime) { $layers.Count | Should -BeGreaterThan 0 }
        foreach ($layer in $layers) {
            $layer.Activity | Should -Match '^layer [0-9a-f]{12}$'
            $layer.StatusDescription | Should -Match ' of '
        }
        # Each layer's count ends at its size: the last record before it closes says "N of N", at 100 %.
        foreach ($id in $layers.ActivityId | Sort-Object -Unique) {
            $last = $layers | Where-Object ActivityId -eq $id | Select-Object -Last 1
            $last.PercentComplete | Should -Be 100
            $done, $size = $last.StatusDescription -split ' of '
            $done | Should -Be $size
        }
        if ($IsPrivateRuntime) { @($layers.StatusDescription -match '^100(\.\d)? MB of 100(\.\d)? MB$').Count | Should -BeGreaterThan 0 }
    }
    It 'reports a malformed reference as the item''s error (CriInvalidImageReference) and still pulls the others' {
        $out = Invoke-CriImagePull -Image 'Not A/Reference!', $TestImage -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'CriInvalidImageReference,*'
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errors[0].TargetObject | Should -Be 'Not A/Reference!'
        @($out).Count | Should -Be 1
        $out.RepoTags | Should -Contain $TestImage
    }
    It 'sends a pod''s sandbox config with the pull, from a hashtable or a crictl YAML file' {
        $image = Invoke-CriImagePull -Image $TestImage -PodConfig @{ metadata = @{ name = 'web'; namespace = 'shop'; uid = '1' }; annotations = @{ a = 'b' } }
        $image.RepoTags | Should -Contain $TestImage
        $yaml = Join-Path $TestDrive 'pod.yaml'
        Set-Content $yaml "metadata:`n  name: web`n  namespace: shop`nport_mappings:`n  - container_port: 80`n    host_port: 8080`n"
        (Invoke-CriImagePull -Image $TestImage -PodConfig $yaml).RepoTags | Should -Contain $TestImage
    }
    It 'refuses a pod config with an unknown field before any pull, naming the field' {
        $err = Get-ErrorRecord { Invoke-CriImagePull -Image "$registry/crips/none:1" -PodConfig @{ metadata = @{ name = 'web' }; port_mapings = @() } }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriInvalidPodConfig,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        "$err" | Should -Match 'port_mapings'
        $err = Get-ErrorRecord { Invoke-CriImagePull -Image $TestImage -PodConfig (Join-Path $TestDrive 'none.yaml') }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriPodConfigNotFound,*'
    }
    It 'pulls several images at once' -Skip:(-not $env:CRIPS_BIG_IMAGE) {
        $images = @($TestImage, $big) | Invoke-CriImagePull -ThrottleLimit 2
        @($images).Count | Should -Be 2
        ($images.RepoTags) | Should -Contain $TestImage
    }
    It 'names a missing or malformed auth file' {
        (Get-ErrorRecord { Invoke-CriImagePull -Image $TestImage -AuthFile /nonexistent/config.json }).FullyQualifiedErrorId | Should -BeLike 'CriAuthFileNotFound,*'
        $file = Join-Path ([IO.Path]::GetTempPath()) "crips-badauth-$PID.json"
        Set-Content $file 'this is not json'
        try {
            (Get-ErrorRecord { Invoke-CriImagePull -Image $TestImage -AuthFile $file }).FullyQualifiedErrorId | Should -BeLike 'CriInvalidAuthFile,*'
        } finally {
            Remove-Item $file
        }
    }
    It 'stops promptly on Ctrl+C and leaves the image absent' -Skip:(-not $IsPrivateRuntime -or -not $ContainerdAddress) {
        Remove-CriImage -Name $big -Force -ErrorAction SilentlyContinue
        # containerd holds a lease while it pulls and releases it when its pull ends, finished or cancelled.
        $leasesBefore = @(& ctr -a $ContainerdAddress -n k8s.io leases ls -q)
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$env:CRIPS_MODULE_PATH'; Invoke-CriImagePull -RuntimeEndpoint '$Endpoint' -Image '$big'")
            $async = $ps.BeginInvoke()
            # Stop only once the pull shows progress, so the stop lands in the middle of it.
            $deadline = [datetime]::UtcNow.AddSeconds(10)
            while ($ps.Streams.Progress.Count -eq 0 -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
            $ps.Streams.Progress.Count | Should -BeGreaterThan 0
            $pullLeases = @(& ctr -a $ContainerdAddress -n k8s.io leases ls -q | Where-Object { $_ -notin $leasesBefore })
            $async.IsCompleted | Should -BeFalse
            $pullLeases | Should -Not -BeNullOrEmpty -Because 'containerd leases what a running pull fetches'
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $watch.Stop()
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 1
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        } finally {
            $ps.Dispose()
        }
        # Cancelling the call cancels containerd's pull: once containerd has ended it (its lease is gone), there is no
        # image record (a pull that went on would record the image before it releases the lease).
        $deadline = [datetime]::UtcNow.AddSeconds(10)
        do {
            $left = @(& ctr -a $ContainerdAddress -n k8s.io leases ls -q | Where-Object { $_ -in $pullLeases })
            if (-not $left) { break }
            Start-Sleep -Milliseconds 50
        } while ([datetime]::UtcNow -lt $deadline)
        $left | Should -BeNullOrEmpty -Because 'containerd ends a cancelled pull'
        Get-CriImage -Name $big -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
    Context 'against a registry that requires a login' -Skip:(-not $IsPrivateRuntime) {
        BeforeAll {
            # A Basic-auth gate in front of the private registry, on its own loopback port, known to containerd
            # through a hosts.toml of its own (removed afterwards).
            $user = 'crips'
            $password = 'pw-' + (New-Guid)
            $expected = 'Basic ' + [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("${user}:$password"))
            $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
            $probe.Start(); $port = $probe.LocalEndpoint.Port; $probe.Stop()
            $gate = [System.Net.HttpListener]::new()
            $gate.Prefixes.Add("http://127.0.0.1:$port/")
            $gate.Start()
            $upstream = $env:CRIPS_REGISTRY
            # The gate's own log: one line per request, "METHOD path status", written before the answer goes out, so
            # a pull that has returned is logged in full.
            $gateLog = [System.Collections.Concurrent.ConcurrentQueue[string]]::new()
            $gateJob = Start-ThreadJob -ArgumentList $gate, $expected, $upstream, $gateLog {
                param($listener, $expected, $upstream, $log)
                $http = [System.Net.Http.HttpClient]::new()
                while ($listener.IsListening) {
                    try { $ctx = $listener.GetContext() } catch { break }
                    $response = $ctx.Response
                    # One response per connection, each with its length: a HEAD answered with chunked encoding
                    # leaves a stray "0" that breaks the client's next response on a kept-alive connection.
                    $response.KeepAlive = $false
                    if ($ctx.Request.Headers['Authorization'] -ne $expected) {
                        $log.Enqueue("$($ctx.Request.HttpMethod) $($ctx.Request.RawUrl) 401")
                        $response.StatusCode = 401
                        $response.ContentLength64 = 0
                        $response.AddHeader('WWW-Authenticate', 'Basic realm="crips"')
                        $response.Close()
                        continue
                    }
                    $request = [System.Net.Http.HttpRequestMessage]::new([System.Net.Http.HttpMethod]::new($ctx.Request.HttpMethod), "http://$upstream$($ctx.Request.RawUrl)")
                    foreach ($accept in $ctx.Request.AcceptTypes) { $null = $request.Headers.TryAddWithoutValidation('Accept', $accept) }
                    $reply = $http.Send($request)
                    $response.StatusCode = [int]$reply.StatusCode
                    $log.Enqueue("$($ctx.Request.HttpMethod) $($ctx.Request.RawUrl) $([int]$reply.StatusCode)")
                    foreach ($h in 'Docker-Content-Digest', 'Docker-Distribution-Api-Version') {
                        if ($reply.Headers.Contains($h)) { $response.AddHeader($h, ($reply.Headers.GetValues($h) -join ',')) }
                    }
                    if ($reply.Content.Headers.ContentType) { $response.ContentType = $reply.Content.Headers.ContentType.ToString() }
                    if ($null -ne $reply.Content.Headers.ContentLength) { $response.ContentLength64 = $reply.Content.Headers.ContentLength }
                    if ($ctx.Request.HttpMethod -ne 'HEAD') { $reply.Content.ReadAsStream().CopyTo($response.OutputStream) }
                    $response.Close()
                }
            }
            $hostsDir = Join-Path $env:CRIPS_RUNTIME_DIR "certs.d/127.0.0.1:$port"
            $null = New-Item -ItemType Directory -Force $hostsDir
            Set-Content (Join-Path $hostsDir 'hosts.toml') "server = `"http://127.0.0.1:$port`"`n[host.`"http://127.0.0.1:$port`"]`n  capabilities = [`"pull`", `"resolve`"]`n"
            $private = "127.0.0.1:$port/crips/spare:1"

            function Read-GateLog {
                # What the gate logged since the last read.
                $line = $null
                while ($gateLog.TryDequeue([ref]$line)) { $line }
            }
            function Get-StreamText($Run) {
                # Every stream of a runspace's run as one text, to search for a secret.
                (@($Run.Streams.Verbose.Message) + @($Run.Streams.Debug.Message) + @($Run.Streams.Warning.Message) +
                    @($Run.Streams.Information | ForEach-Object { "$_" }) + @($Run.Streams.Progress | ForEach-Object { $_.Activity + $_.StatusDescription }) +
                    @($Run.Streams.Error | ForEach-Object { "$_ $($_.Exception) $($_.Exception.InnerException)" })) -join "`n"
            }
        }
        AfterAll {
            $gate.Stop()
            $gateJob | Wait-Job -Timeout 5 | Remove-Job -Force
            Remove-Item -Recurse -Force $hostsDir -ErrorAction SilentlyContinue
            Remove-CriImage -Name $private -Force -ErrorAction SilentlyContinue
        }

        It 'is refused without credentials: CriImagePullUnauthorized' {
            $null = Read-GateLog
            $err = Get-ErrorRecord { Invoke-CriImagePull -Image $private }
            $err.FullyQualifiedErrorId | Should -BeLike 'CriImagePullUnauthorized,*'
            $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
            $err.Exception.Message | Should -Match 'anonymous'
            (Read-GateLog) -join "`n" | Should -Match '(?m)^(GET|HEAD) /v2/crips/spare/manifests/1 401$'
        }
        It 'is refused with a wrong password, and the error does not show it' {
            $wrong = 'wrong-' + (New-Guid)
            $cred = [pscredential]::new($user, (ConvertTo-SecureString $wrong -AsPlainText -Force))
            $null = Read-GateLog
            $err = Get-ErrorRecord { Invoke-CriImagePull -Image $private -Credential $cred }
            $err.FullyQualifiedErrorId | Should -BeLike 'CriImagePullUnauthorized,*'
            $err.Exception.Message | Should -Match 'from -Credential'
            "$err $($err.Exception) $($err.Exception.InnerException)" | Should -Not -Match ([regex]::Escape($wrong))
            (Read-GateLog) -join "`n" | Should -Not -Match '(?m) 200$'
        }
        It 'pulls with the right password from -Credential, says so, and never shows it' {
            $null = Read-GateLog
            $run = Invoke-InRunspace "Invoke-CriImagePull -Image '$private' -Credential ([pscredential]::new('$user', (ConvertTo-SecureString '$password' -AsPlainText -Force))) -Verbose -Debug"
            $run.Output.RepoTags | Should -Contain $private
            # The gate answers the tag only with the right Authorization header (what the store already holds is not
            # fetched again, so the tag's resolution may be all that passes).
            (Read-GateLog) -join "`n" | Should -Match '(?m)^(GET|HEAD) /v2/crips/spare/manifests/1 200$'
            ($run.Streams.Verbose.Message -join "`n") | Should -Match ([regex]::Escape("with credentials for 127.0.0.1:$port from -Credential"))
            Get-StreamText $run | Should -Not -Match ([regex]::Escape($password))
            Remove-CriImage -Name $private -Force
        }
        It 'pulls with the entry of an auth file for that registry, and never shows its password' {
            $file = Join-Path ([IO.Path]::GetTempPath()) "crips-gate-auth-$PID.json"
            $auth = $expected.Substring(6)
            Set-Content $file (@{ auths = @{ "http://127.0.0.1:$port" = @{ auth = $auth } } } | ConvertTo-Json -Depth 4)
            try {
                $null = Read-GateLog
                $run = Invoke-InRunspace "Invoke-CriImagePull -Image '$private' -AuthFile '$file' -Verbose -Debug"
                $run.Output.RepoTags | Should -Contain $private
                (Read-GateLog) -join "`n" | Should -Match '(?m)^(GET|HEAD) /v2/crips/spare/manifests/1 200$'
                ($run.Streams.Verbose.Message -join "`n") | Should -Match ([regex]::Escape("with credentials for 127.0.0.1:$port from $file"))
                Get-StreamText $run | Should -Not -Match ([regex]::Escape($password))
                Get-StreamText $run | Should -Not -Match ([regex]::Escape($auth))
                Remove-CriImage -Name $private -Force
                # The file's entry is what opened the gate: a wrong password in it is refused.
                $wrong = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("${user}:wrong-$(New-Guid)"))
                Set-Content $file (@{ auths = @{ "http://127.0.0.1:$port" = @{ auth = $wrong } } } | ConvertTo-Json -Depth 4)
                (Get-ErrorRecord { Invoke-CriImagePull -Image $private -AuthFile $file }).FullyQualifiedErrorId | Should -BeLike 'CriImagePullUnauthorized,*'
            } finally {
                Remove-Item $file
            }
        }
    }
}
