BeforeDiscovery { . $PSScriptRoot/TestFixture.ps1 }

Describe 'Endpoint errors' {
    BeforeAll { . $PSScriptRoot/TestFixture.ps1 }

    It 'names a missing socket: CriRuntimeUnavailable, ConnectionError, terminating' {
        $err = Get-ErrorRecord { Get-CriContainer -RuntimeEndpoint '/nonexistent/crips/containerd.sock' -TimeoutSec 2 }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriRuntimeUnavailable,*'
        $err.CategoryInfo.Category | Should -Be 'ConnectionError'
        $err.TargetObject | Should -Be 'unix:///nonexistent/crips/containerd.sock'
        $err.Exception.Message | Should -Match 'does not exist'
        $err.Exception.Message | Should -Match '-RuntimeEndpoint'
    }
    It 'says when the endpoint is a directory' {
        $dir = New-Item -ItemType Directory -Force (Join-Path ([IO.Path]::GetTempPath()) "crips-dir-$PID")
        $err = Get-ErrorRecord { Get-CriPod -RuntimeEndpoint $dir.FullName -TimeoutSec 2 }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriRuntimeUnavailable,*'
        $err.Exception.Message | Should -Match 'directory'
    }
    It 'says when the socket may not be opened: CriPermissionDenied with a hint' -Skip:(-not $IsLinux -or (& id -u) -ne '0' -or -not (Get-Command setpriv -ErrorAction SilentlyContinue)) {
        # Root ignores file modes, so the check runs in a child that keeps uid 0 but drops every capability.
        $listener = New-UnixListener perm
        $path = $listener.Path
        try {
            & chown nobody $path
            & chmod 600 $path
            $pwsh = Get-PwshCommand
            $probe = "Import-Module '$env:CRIPS_MODULE_PATH'; try { Get-CriPod -RuntimeEndpoint '$path' } catch { `$_.FullyQualifiedErrorId; `$_.CategoryInfo.Category; `$_.Exception.Message }"
            $out = & setpriv --bounding-set=-all --inh-caps=-all @pwsh -NoProfile -NonInteractive -Command $probe 2>&1
            $out[0] | Should -BeLike 'CriPermissionDenied,*'
            "$($out[1])" | Should -Be 'PermissionDenied'
            "$($out[2])" | Should -Match 'Permission denied.*root'
        } finally {
            Remove-UnixListener $listener
        }
    }
    It 'rejects a malformed endpoint before any call: CriInvalidEndpoint' {
        foreach ($bad in 'http://localhost:80', 'garbage', 'tcp://nohostport') {
            $err = Get-ErrorRecord { Get-CriImage -RuntimeEndpoint $bad }
            $err.FullyQualifiedErrorId | Should -BeLike 'CriInvalidEndpoint,*'
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err.TargetObject | Should -Be $bad
            $err.Exception.Message | Should -BeLike "'$bad' is not a valid runtime endpoint (-RuntimeEndpoint): *"
        }
        # The error names which value was wrong and where it came from.
        (Get-ErrorRecord { Get-CriImage -RuntimeEndpoint $Endpoint -ImageEndpoint garbage }).Exception.Message |
            Should -BeLike "'garbage' is not a valid image endpoint (-ImageEndpoint): *"
        (Get-ErrorRecord { Get-ContainerdNamespace -Address garbage }).Exception.Message |
            Should -BeLike "'garbage' is not a valid containerd address (-Address): *"
    }
    It 'tells a plain HTTP/1 server apart from a runtime: CriNotARuntime' {
        $listener = New-Http1Listener http1
        $path = $listener.Path
        try {
            $err = Get-ErrorRecord { Get-CriContainer -RuntimeEndpoint $path -TimeoutSec 5 }
            $err.FullyQualifiedErrorId | Should -BeLike 'CriNotARuntime,*'
            $err.CategoryInfo.Category | Should -Be 'ProtocolError'
        } finally {
            Remove-UnixListener $listener
        }
    }
    It 'never hangs on a peer that accepts and stays silent: CriTimeout within -TimeoutSec' {
        $listener = New-UnixListener silent   # nobody ever reads or answers
        $path = $listener.Path
        try {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $err = Get-ErrorRecord { Get-CriPod -RuntimeEndpoint $path -TimeoutSec 1 }
            $watch.Stop()
            $err.FullyQualifiedErrorId | Should -BeLike 'CriTimeout,*'
            $err.CategoryInfo.Category | Should -Be 'OperationTimeout'
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
        } finally {
            Remove-UnixListener $listener
        }
    }
    It 'stops a call in flight promptly on Ctrl+C (pipeline stop)' {
        $listener = New-UnixListener stop
        $path = $listener.Path
        $peer = $null
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$env:CRIPS_MODULE_PATH'; Get-CriPod -RuntimeEndpoint '$path' -TimeoutSec 60")
            $async = $ps.BeginInvoke()
            # Wait until the call has connected and sent its first bytes (the HTTP/2 preface): it is then waiting on
            # the silent peer for an answer.
            $deadline = [datetime]::UtcNow.AddSeconds(10)
            while (-not ($connected = $listener.Socket.Poll(50000, 'SelectRead')) -and [datetime]::UtcNow -lt $deadline) { }
            $connected | Should -BeTrue -Because 'the call connects to the socket'
            $peer = $listener.Socket.Accept()
            while ($peer.Available -eq 0 -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
            $peer.Available | Should -BeGreaterThan 0
            $async.IsCompleted | Should -BeFalse
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $watch.Stop()
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 1
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        } finally {
            $ps.Dispose()
            if ($peer) { $peer.Dispose() }
            Remove-UnixListener $listener
        }
    }
    It 'reads the runtime endpoint from CONTAINER_RUNTIME_ENDPOINT and says so' -Skip:$NoRuntime {
        $saved = $env:CONTAINER_RUNTIME_ENDPOINT
        try {
            $env:CONTAINER_RUNTIME_ENDPOINT = $Endpoint
            $verbose = Get-CriRuntimeInfo -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
            ($verbose.Message -join "`n") | Should -Match 'from \$CONTAINER_RUNTIME_ENDPOINT'
        } finally {
            $env:CONTAINER_RUNTIME_ENDPOINT = $saved
        }
    }
    It 'reads the runtime endpoint and timeout from the crictl config file named by CRI_CONFIG_FILE' -Skip:$NoRuntime {
        $saved = $env:CONTAINER_RUNTIME_ENDPOINT, $env:CRI_CONFIG_FILE
        $file = Join-Path ([IO.Path]::GetTempPath()) "crips-crictl-$PID.yaml"
        try {
            Set-Content $file "runtime-endpoint: $Endpoint`nimage-endpoint: $Endpoint`ntimeout: 7`n"
            $env:CONTAINER_RUNTIME_ENDPOINT = $null
            $env:CRI_CONFIG_FILE = $file
            $verbose = Get-CriImage -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
            $text = $verbose.Message -join "`n"
            $text | Should -Match ([regex]::Escape("runtime-endpoint in $file"))
            $text | Should -Match 'deadline 7 s'
        } finally {
            $env:CONTAINER_RUNTIME_ENDPOINT, $env:CRI_CONFIG_FILE = $saved
            Remove-Item $file -ErrorAction SilentlyContinue
        }
    }
    It 'speaks to containerd''s own tcp listener (tcp://host:port)' -Skip:($NoRuntime -or -not $env:CRIPS_RUNTIME_TCP_ENDPOINT) {
        # The private runtime's containerd serves CRI on a loopback port of its own besides its Unix socket.
        $tcp = $env:CRIPS_RUNTIME_TCP_ENDPOINT
        $port = ([uri]$tcp).Port
        $containerdPid = [int](Get-Content (Join-Path $env:CRIPS_RUNTIME_DIR 'pids/containerd.pid'))
        $viaTcp = Get-CriRuntimeInfo -RuntimeEndpoint $tcp -TimeoutSec 5
        $viaTcp.RuntimeEndpoint | Should -Be $tcp
        $viaUnix = Get-CriRuntimeInfo -RuntimeEndpoint $Endpoint
        $viaTcp.RuntimeName | Should -Be $viaUnix.RuntimeName
        $viaTcp.RuntimeVersion | Should -Be $viaUnix.RuntimeVersion
        # The images containerd lists (ctr, over its own API on the Unix socket) are those CRI lists over TCP.
        $tags = @(Get-CriImage -RuntimeEndpoint $tcp -TimeoutSec 5 | ForEach-Object RepoTags | Sort-Object -Unique)
        $ctrTags = @(& ctr --address $ContainerdAddress --namespace k8s.io images list --quiet | Where-Object { $_ -notmatch '^sha256:|@' } | Sort-Object -Unique)
        $tags | Should -Not -BeNullOrEmpty
        $tags | Should -Be $ctrTags
        # The calls went over TCP to containerd itself: the channel CriPS keeps open is a connection from this process
        # to the port, and containerd's process holds the other end (ss reads both from the kernel).
        $ours = & ss -Htnp state established "( dport = :$port )"
        $ours | Should -Match "pid=$PID,"
        $theirs = & ss -Htnp state established "( sport = :$port )"
        $theirs | Should -Match "pid=$containerdPid,"
    }
    It 'says the containerd cmdlets get no containerd API on the tcp listener, which serves only CRI' -Skip:($NoRuntime -or -not $env:CRIPS_RUNTIME_TCP_ENDPOINT) {
        # containerd registers only its CRI plugin on the tcp server (RegisterTCP, in 1.6, 1.7 and 2.1 alike).
        $err = Get-ErrorRecord { Get-ContainerdVersion -Address $env:CRIPS_RUNTIME_TCP_ENDPOINT -TimeoutSec 5 }
        $err.FullyQualifiedErrorId | Should -BeLike 'ContainerdNotAvailable,*'
        $err.CategoryInfo.Category | Should -Be 'ProtocolError'
        $err.TargetObject | Should -Be $env:CRIPS_RUNTIME_TCP_ENDPOINT
        "$err" | Should -Match "does not serve containerd's API \(unknown service containerd\.services\.version\.v1\.Version\)"
    }
    It 'lets only root reach containerd''s tcp listener, as only root may open its Unix socket' -Skip:(-not $env:CRIPS_RUNTIME_TCP_ENDPOINT -or -not (Get-Command setpriv -ErrorAction SilentlyContinue)) {
        # The listener has no authentication; the private runtime keeps other users off it (iptables owner match).
        $port = ([uri]$env:CRIPS_RUNTIME_TCP_ENDPOINT).Port
        & bash -c "exec 3<>/dev/tcp/127.0.0.1/$port"
        $LASTEXITCODE | Should -Be 0 -Because 'root connects'
        & setpriv --reuid=65534 --regid=65534 --clear-groups bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>$null
        $LASTEXITCODE | Should -Not -Be 0 -Because 'nobody is turned away'
    }
    It 'keeps one channel per endpoint: a second call skips the version check' -Skip:$NoRuntime {
        $null = Get-CriPod -RuntimeEndpoint $Endpoint
        $verbose = Get-CriPod -RuntimeEndpoint $Endpoint -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -Match 'cached'
    }
}
