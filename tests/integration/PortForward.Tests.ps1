BeforeDiscovery { . $PSScriptRoot/TestFixture.ps1 }

# Start-CriPortForward against busybox httpd in a pod. What is served is checked against the container's own files
# (sha256sum through exec), what is left after a stop against the kernel's socket tables: ss on the host, netstat in the
# pod's network namespace.
Describe 'Start-CriPortForward' -Skip:$NoRuntime {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        $PSDefaultParameterValues['*-Cri*:RuntimeEndpoint'] = $Endpoint
        $prefix = New-TestPrefix
        $null = Invoke-CriImagePull -Image $TestImage
        $pod = New-CriPod "$prefix-web" -Namespace $prefix -LogDirectory (New-TestLogDirectory "$prefix-web")
        $token = "crips-$prefix-$(New-Guid)"
        # index.html holds a token only this run knows; big.bin is 3 MiB of random bytes, many WebSocket messages long.
        $script = "mkdir -p /www && echo '$token' > /www/index.html && head -c 3145728 /dev/urandom > /www/big.bin && exec httpd -f -p 80 -h /www"
        $web = $pod | New-CriContainer "$prefix-httpd" $TestImage -Command sh -Argument '-c', $script
        $web | Start-CriContainer
        $deadline = [datetime]::UtcNow.AddSeconds(20)
        do {
            $probe = Invoke-CriContainerCommand -Id $web.Id -Command wget, -q, -O, -, http://127.0.0.1/index.html -ErrorAction SilentlyContinue
        } until ($probe.ExitCode -eq 0 -or [datetime]::UtcNow -gt $deadline)
        if ($probe.ExitCode -ne 0) { throw "httpd in the pod did not answer within 20 s: $($probe.Stderr)" }
        $bigSha = ((Invoke-CriContainerCommand -Id $web.Id -Command sha256sum, /www/big.bin).Stdout -split ' ')[0]

        function Get-FreePort {
            # A port the kernel just gave out and took back: free now, and not one a test hard-codes.
            $l = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
            $l.Start(); $port = $l.LocalEndpoint.Port; $l.Stop()
            $port
        }
        function Start-Forward([string[]] $Port, [string] $Address, [string] $PodId = $pod.Id) {
            # The forward in its own runspace, until Stop() (Ctrl+C); the pod comes through the pipeline.
            $ps = [powershell]::Create()
            $null = $ps.AddScript({
                    param($Module, $Endpoint, $PodId, $Port, $Address)
                    Import-Module $Module
                    $more = if ($Address) { @{ Address = $Address } } else { @{} }
                    Get-CriPod -RuntimeEndpoint $Endpoint -Id $PodId | Start-CriPortForward -RuntimeEndpoint $Endpoint -Port $Port @more -Verbose
                }).AddArgument($env:CRIPS_MODULE_PATH).AddArgument($Endpoint).AddArgument($PodId).AddArgument($Port).AddArgument($Address)
            $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $async = $ps.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]::new(), $output)
            $run = [pscustomobject]@{ PowerShell = $ps; Async = $async; Output = $output }
            $deadline = [datetime]::UtcNow.AddSeconds(20)
            while ($output.Count -lt $Port.Count -and -not $async.IsCompleted -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
            if ($output.Count -lt $Port.Count) {
                $errors = Get-Collected $ps.Streams.Error
                $ps.Stop(); $ps.Dispose()
                throw "The forward wrote $($output.Count) of $($Port.Count) ports: $($errors -join ' | ')"
            }
            $run
        }
        function Get-Collected($Collection) {
            # By index: enumerating a stream of a pipeline still running waits for its end.
            for ($i = 0; $i -lt $Collection.Count; $i++) { $Collection[$i] }
        }
        function Stop-Forward($Run) {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $Run.PowerShell.Stop()
            $watch.Stop()
            $Run.PowerShell.Dispose()
            $watch.Elapsed.TotalSeconds
        }
        function Invoke-Curl([string] $Url, [string] $OutFile) {
            $out = if ($OutFile) { @('-o', $OutFile) } else { @() }
            $text = & curl -sS --max-time 20 @out $Url 2>&1
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Text = ($text -join "`n") }
        }
        function Get-HostSockets([int] $Port) {
            # Sockets on the local port: listeners and connections, but not TIME-WAIT, which the kernel keeps for
            # the side that closed first and which no process holds.
            @(& ss -Htan "( sport = :$Port )" | Where-Object { $_ -and $_ -notmatch '^TIME-WAIT' })
        }
        function Get-PodConnections([int] $Port) {
            # Connections to the port inside the pod's network namespace (busybox netstat through exec).
            $lines = (Invoke-CriContainerCommand -Id $web.Id -Command netstat, -tn).Stdout -split "`n"
            @($lines | Where-Object { $_ -match "^tcp\s+\d+\s+\d+\s+\S+:$Port\s" -and $_ -notmatch 'TIME_WAIT' })
        }
        function Wait-Until([scriptblock] $Condition, [int] $TimeoutSec = 10) {
            $deadline = [datetime]::UtcNow.AddSeconds($TimeoutSec)
            while (-not (& $Condition)) {
                if ([datetime]::UtcNow -gt $deadline) { return $false }
                Start-Sleep -Milliseconds 50
            }
            $true
        }
        function Test-Connect([int] $Port) {
            $client = [Net.Sockets.TcpClient]::new()
            try { $client.Connect([Net.IPAddress]::Loopback, $Port); $true } catch { $false } finally { $client.Dispose() }
        }
    }
    AfterAll { Remove-TestPods $prefix }

    It 'writes each forwarded port, then serves the pod''s files through both' {
        $fixed = Get-FreePort
        $run = Start-Forward ':80', "${fixed}:80"
        try {
            $forwards = Get-Collected $run.Output
            $forwards.Count | Should -Be 2
            $forwards[0].PSObject.TypeNames[0] | Should -Be 'CriPS.PortForward'
            $forwards.PodId | Should -Be @($pod.Id, $pod.Id)
            $forwards.LocalAddress | Should -Be @('127.0.0.1', '127.0.0.1')
            $forwards.PodPort | Should -Be @(80, 80)
            $forwards[1].LocalPort | Should -Be $fixed
            $free = $forwards[0].LocalPort
            $free | Should -BeGreaterThan 0
            # The chosen port is really listening, in this process.
            (& ss -Htlnp "( sport = :$free )") -join "`n" | Should -Match "pid=$PID,"

            foreach ($port in $free, $fixed) {
                $r = Invoke-Curl "http://127.0.0.1:$port/index.html"
                $r.ExitCode | Should -Be 0 -Because $r.Text
                $r.Text | Should -Be $token
            }
            $file = Join-Path ([IO.Path]::GetTempPath()) "$prefix-big.bin"
            (Invoke-Curl "http://127.0.0.1:$free/big.bin" $file).ExitCode | Should -Be 0
            (Get-FileHash -Algorithm SHA256 $file).Hash | Should -Be $bigSha.ToUpperInvariant()
            Remove-Item $file

            # -Verbose tells each connection's opening and end.
            $verbose = { (Get-Collected $run.PowerShell.Streams.Verbose).Message }
            Wait-Until { @(& $verbose | Where-Object { $_ -match '^Connection \d+ .*: closed by' }).Count -ge 3 } | Should -BeTrue
            @(& $verbose | Where-Object { $_ -match "^Connection \d+ from 127\.0\.0\.1:\d+ to port 80 of the pod: opened\.$" }).Count | Should -BeGreaterOrEqual 3
            Get-Collected $run.PowerShell.Streams.Error | Should -BeNullOrEmpty
        } finally {
            $null = Stop-Forward $run
        }
    }

    It 'forwards 8 connections at once' {
        $run = Start-Forward ':80'
        try {
            $port = (Get-Collected $run.Output)[0].LocalPort
            $dir = Join-Path ([IO.Path]::GetTempPath()) "$prefix-many"
            $null = New-Item -ItemType Directory -Force $dir
            # Eight curl processes started together; each takes the 3 MiB file.
            & bash -c "for i in 1 2 3 4 5 6 7 8; do curl -sS --max-time 30 -o '$dir/'`$i http://127.0.0.1:$port/big.bin & done; wait"
            $hashes = 1..8 | ForEach-Object { (Get-FileHash -Algorithm SHA256 (Join-Path $dir $_)).Hash }
            $hashes | Should -Be (@($bigSha.ToUpperInvariant()) * 8)
            Remove-Item -Recurse -Force $dir
            # They overlapped: some connection opened while another was still open.
            $lines = (Get-Collected $run.PowerShell.Streams.Verbose).Message | Where-Object { $_ -match '^Connection \d+ ' }
            $open = 0; $most = 0
            foreach ($line in $lines) {
                if ($line -match ': opened\.$') { $open++; $most = [Math]::Max($most, $open) } elseif ($line -match ': closed') { $open-- }
            }
            $most | Should -BeGreaterThan 1
            Get-Collected $run.PowerShell.Streams.Error | Should -BeNullOrEmpty
        } finally {
            $null = Stop-Forward $run
        }
    }

    It 'stops within 1 s and closes the listener and every connection on both sides' {
        $run = Start-Forward ':80'
        $port = (Get-Collected $run.Output)[0].LocalPort
        # A client with half a request: httpd holds the connection open, waiting for the rest.
        $client = [Net.Sockets.TcpClient]::new()
        try {
            $client.Connect([Net.IPAddress]::Loopback, $port)
            $stream = $client.GetStream()
            $request = [Text.Encoding]::ASCII.GetBytes("GET /index.html HTTP/1.1`r`n")
            $stream.Write($request, 0, $request.Length)
            Wait-Until { (Get-PodConnections 80).Count -ge 1 } | Should -BeTrue -Because 'the connection reached httpd in the pod'

            $seconds = Stop-Forward $run
            $seconds | Should -BeLessThan 1
            # The client sees its connection end: end of stream or a reset, not a wait.
            $stream.ReadTimeout = 1000
            $ended = try { $stream.Read([byte[]]::new(16), 0, 16) -eq 0 } catch [System.IO.IOException] { $_.Exception.InnerException -isnot [Net.Sockets.SocketException] -or $_.Exception.InnerException.SocketErrorCode -ne 'TimedOut' }
            $ended | Should -BeTrue
        } finally {
            $client.Dispose()
        }
        Test-Connect $port | Should -BeFalse -Because 'the listener is closed'
        # The client closed its end just now (finally above): the kernel may take a moment to move ours to TIME-WAIT.
        Wait-Until { (Get-HostSockets $port).Count -eq 0 } -TimeoutSec 1 | Should -BeTrue -Because "ss: $(Get-HostSockets $port)"
        # The runtime closes the pod's side once its stream has ended (containerd gives the other direction 1 s).
        Wait-Until { (Get-PodConnections 80).Count -eq 0 } -TimeoutSec 5 | Should -BeTrue -Because "netstat in the pod: $(Get-PodConnections 80)"
    }

    It 'reports a connection the pod refuses, and goes on forwarding' {
        # Nothing listens on 81 in the pod (netstat there says so); 80 is the control.
        (Invoke-CriContainerCommand -Id $web.Id -Command netstat, -ltn).Stdout | Should -Not -Match ':81\s'
        $run = Start-Forward ':81', ':80'
        try {
            $refused, $good = (Get-Collected $run.Output).LocalPort
            $r = Invoke-Curl "http://127.0.0.1:$refused/index.html"
            $r.ExitCode | Should -Not -Be 0 -Because 'the connection was closed without an answer'
            Wait-Until { (Get-Collected $run.PowerShell.Streams.Error).Count -ge 1 } | Should -BeTrue
            $e = (Get-Collected $run.PowerShell.Streams.Error)[0]
            $e.FullyQualifiedErrorId | Should -BeLike 'CriPortForwardFailed,*'
            $e.CategoryInfo.Category | Should -Be 'ConnectionError'
            $e.TargetObject.PodPort | Should -Be 81
            $e.Exception.Message | Should -Match 'refused'
            $e.Exception.Message | Should -Match ':81\b'

            $run.Async.IsCompleted | Should -BeFalse
            (Invoke-Curl "http://127.0.0.1:$good/index.html").Text | Should -Be $token
            $null = Invoke-Curl "http://127.0.0.1:$refused/index.html"
            Wait-Until { (Get-Collected $run.PowerShell.Streams.Error).Count -ge 2 } | Should -BeTrue -Because 'the refused port keeps listening and reports again'
        } finally {
            $null = Stop-Forward $run
        }
    }

    It 'fails with CriPortInUse before forwarding anything when a local port is taken' {
        $taken = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $taken.Start()
        try {
            $busy = $taken.LocalEndpoint.Port
            $other = Get-FreePort
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $err = $null
            try { $null = Start-CriPortForward $pod.Id -Port "${other}:80", "${busy}:80" -OutVariable written -ErrorAction Stop } catch { $err = $_ }
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 10 -Because 'it fails at once instead of running'
            $err.FullyQualifiedErrorId | Should -BeLike 'CriPortInUse,*'
            $err.CategoryInfo.Category | Should -Be 'ResourceExists'
            $err.TargetObject | Should -Be "127.0.0.1:$busy"
            $written | Should -BeNullOrEmpty -Because 'no port is reported when one of them cannot listen'
            Test-Connect $other | Should -BeFalse -Because 'the free port of the same command was not left listening'
        } finally {
            $taken.Stop()
        }
    }

    It 'listens on -Address ::1' {
        $run = Start-Forward ':80' -Address '::1'
        try {
            $f = (Get-Collected $run.Output)[0]
            $f.LocalAddress | Should -Be '::1'
            (Invoke-Curl "http://[::1]:$($f.LocalPort)/index.html").Text | Should -Be $token
            # The kernel's own table of this process's listeners on that port: [::1] only. (A connect to 127.0.0.1 at
            # the same port number, as this checked before, can reach another process's listener: it failed once in CI.)
            $mine = @(& ss -Hltnp "sport = :$($f.LocalPort)" | Where-Object { $_ -match "pid=$PID," })
            $mine | Should -Not -BeNullOrEmpty
            $mine | ForEach-Object { ($_ -split '\s+')[3] | Should -Be "[::1]:$($f.LocalPort)" }
        } finally {
            $null = Stop-Forward $run
        }
    }

    It 'ends with CriPodNotFound once its pod is removed, and closes its listener' {
        $gone = New-CriPod "$prefix-gone" -Namespace $prefix -LogDirectory (New-TestLogDirectory "$prefix-gone")
        $run = Start-Forward ':80' -PodId $gone.Id
        try {
            $port = (Get-Collected $run.Output)[0].LocalPort
            Remove-CriPod -Id $gone.Id -Force
            # The next connection asks the runtime for a stream to the pod, which is no more.
            $null = Invoke-Curl "http://127.0.0.1:$port/"
            $run.Async.AsyncWaitHandle.WaitOne([timespan]::FromSeconds(10)) | Should -BeTrue
            # A terminating error of the cmdlet, which ends its statement (the runspace's script then completes).
            $errors = @(Get-Collected $run.PowerShell.Streams.Error)
            $errors.FullyQualifiedErrorId | Should -Be "CriPodNotFound,CriPS.Cmdlets.StartCriPortForwardCommand"
            $errors[0].TargetObject | Should -Be $gone.Id
            Test-Connect $port | Should -BeFalse
        } finally {
            $run.PowerShell.Dispose()
        }
    }

    It 'rejects <Why>: <Id>' -ForEach @(
        @{ Why = 'a pod port 0'; Parameters = @{ Port = '8080:0' }; Id = 'CriInvalidPortMapping' }
        @{ Why = 'a port above 65535'; Parameters = @{ Port = '70000' }; Id = 'CriInvalidPortMapping' }
        @{ Why = 'three parts'; Parameters = @{ Port = '1:2:3' }; Id = 'CriInvalidPortMapping' }
        @{ Why = 'an address that is not an IP'; Parameters = @{ Port = '80'; Address = 'nowhere' }; Id = 'CriInvalidAddress' }
    ) {
        $err = Get-ErrorRecord { Start-CriPortForward $pod.Id @Parameters }
        $err.FullyQualifiedErrorId | Should -BeLike "$Id,*"
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'fails with CriPodNotFound for an unknown pod, before listening' {
        $port = Get-FreePort
        $err = Get-ErrorRecord { Start-CriPortForward 'f00dfeedf00dfeed' -Port "${port}:80" }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriPodNotFound,*'
        Test-Connect $port | Should -BeFalse
    }
}
