BeforeDiscovery { . $PSScriptRoot/TestFixture.ps1 }

Describe 'Get-CriContainerLog' -Skip:$NoRuntime {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        $PSDefaultParameterValues['*-Cri*:RuntimeEndpoint'] = $Endpoint
        $prefix = New-TestPrefix
        $null = Invoke-CriImagePull -Image $TestImage
        $pod = New-CriPod "$prefix-logs" -Namespace $prefix -LogDirectory (New-TestLogDirectory "$prefix-logs")

        function ConvertFrom-LogRecord([string] $Line) {
            # One line of the file as the runtime wrote it: the CRI format, or Docker's json-file format (cri-dockerd).
            if ($Line.StartsWith('{')) {
                $o = $Line | ConvertFrom-Json -DateKind String
                [pscustomobject]@{ Time = $o.time; Stream = $o.stream; Partial = -not $o.log.EndsWith("`n"); Text = $o.log.TrimEnd("`n") }
            } else {
                $time, $stream, $tag, $text = $Line -split ' ', 4
                [pscustomobject]@{ Time = $time; Stream = $stream; Partial = $tag -like 'P*'; Text = $text }
            }
        }
        function New-Writer([string] $Name, [string] $Script, [switch] $NoStart, [uint32] $Attempt = 0, [string[]] $Mount = @()) {
            $more = if ($Mount) { @{ Mount = $Mount } } else { @{} }
            $c = $pod | New-CriContainer "$prefix-$Name" $TestImage -Command sh -Argument '-c', $Script -Attempt $Attempt @more
            if (-not $NoStart) { $c | Start-CriContainer }
            $c
        }
        function Get-LogPath([string] $Id) { (Get-CriContainer -Id $Id -Detailed).LogPath }
        function Open-Gate([string] $Id, [string] $Gate) { $null = Invoke-CriContainerCommand $Id -Command touch, "/tmp/$Gate" }
        # A shell loop that waits for a file the test creates through exec: output at a moment the test chooses.
        function Wait-GateScript([string] $Gate) { "while [ ! -e /tmp/$Gate ]; do sleep 0.05; done" }

        function Start-Follow([string[]] $Id, [hashtable] $Parameters = @{}) {
            # -Follow in its own runspace, its output collected as it comes, so the test can write meanwhile.
            $ps = [powershell]::Create()
            $null = $ps.AddScript({
                    param($Module, $Endpoint, $Id, $Parameters)
                    Import-Module $Module
                    Get-CriContainerLog -Id $Id -Follow -RuntimeEndpoint $Endpoint @Parameters
                }).AddArgument($env:CRIPS_MODULE_PATH).AddArgument($Endpoint).AddArgument($Id).AddArgument($Parameters)
            $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $async = $ps.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]::new(), $output)
            [pscustomobject]@{ PowerShell = $ps; Async = $async; Output = $output }
        }
        function Get-FollowOutput($Follow) {
            # By index: enumerating the collection waits until the pipeline has ended.
            for ($i = 0; $i -lt $Follow.Output.Count; $i++) { $Follow.Output[$i] }
        }
        function Get-FollowErrors($Follow) {
            # By index too: the error stream of a follow still running is open, and enumerating it would wait for its end.
            $errors = $Follow.PowerShell.Streams.Error
            for ($i = 0; $i -lt $errors.Count; $i++) { $errors[$i] }
        }
        function Wait-FollowOutput($Follow, [int] $Count, [int] $TimeoutSec = 20) {
            $deadline = [datetime]::UtcNow.AddSeconds($TimeoutSec)
            while ($Follow.Output.Count -lt $Count) {
                if ([datetime]::UtcNow -gt $deadline -or $Follow.Async.IsCompleted) {
                    throw "Expected $Count lines from -Follow, got $($Follow.Output.Count): $((Get-FollowOutput $Follow).Message -join ' | ') $((Get-FollowErrors $Follow) -join ' | ')"
                }
                Start-Sleep -Milliseconds 50
            }
        }
        function Wait-FollowEnd($Follow, [int] $TimeoutSec = 20) {
            $Follow.Async.AsyncWaitHandle.WaitOne([timespan]::FromSeconds($TimeoutSec))
        }

        # Ordered output on two streams. stdout and stderr are separate pipes, which the runtime reads independently:
        # after each switch of stream the container waits for a file the test creates on the host (a mounted folder)
        # once the runtime's log file holds what came before, so the file's order is the order written.
        $gates = New-TestLogDirectory "$prefix-gates"
        function Wait-HostGateScript([string] $Gate) { "while [ ! -e /gates/$Gate ]; do sleep 0.01; done" }
        function Open-HostGate([string] $LogPath, [string] $Gate, [int] $FullRecords) {
            # Waits until the log file has that many full records (F tags, or Docker's lines that end in a newline).
            $deadline = [datetime]::UtcNow.AddSeconds(20)
            do {
                $records = @(Get-Content -LiteralPath $LogPath -ErrorAction SilentlyContinue | ForEach-Object { ConvertFrom-LogRecord $_ } | Where-Object { -not $_.Partial })
                if ($records.Count -ge $FullRecords) { break }
                Start-Sleep -Milliseconds 20
            } while ([datetime]::UtcNow -lt $deadline)
            if ($records.Count -lt $FullRecords) { throw "$LogPath holds $($records.Count) full records, not $FullRecords." }
            $null = New-Item -ItemType File -Force (Join-Path $gates $Gate)
        }
        # The long line is longer than containerd's 16 KiB, so the runtime writes it as P records and an F;
        # the last printf has no newline, so the runtime ends the stream with a P record when the container exits.
        $script:writer = New-Writer writer -Mount "$($gates):/gates:ro" -Script ('echo out1; ' + (Wait-HostGateScript w1) + '; echo err1 >&2; ' +
            (Wait-HostGateScript w2) + '; echo out2; head -c 20000 /dev/zero | tr "\0" a; echo; ' + (Wait-HostGateScript w3) +
            '; echo err2 >&2; ' + (Wait-HostGateScript w4) + '; printf no-newline')
        $script:writerLog = Get-LogPath $writer.Id
        Open-HostGate $writerLog w1 1
        Open-HostGate $writerLog w2 2
        Open-HostGate $writerLog w3 4
        Open-HostGate $writerLog w4 5
        $null = Wait-ContainerState $writer.Id Exited
        $script:all = @(Get-CriContainerLog $writer.Id)
    }
    AfterAll { Remove-TestPods $prefix }

    It 'returns one object per line, partial records joined, in the order the runtime wrote them' {
        Get-Content $writerLog | ForEach-Object { ConvertFrom-LogRecord $_ } | Where-Object { $_.Stream -eq 'stdout' -and $_.Partial } |
            Should -Not -BeNullOrEmpty -Because 'the runtime splits the long line'
        $all.Message | Should -Be @('out1', 'err1', 'out2', ('a' * 20000), 'err2', 'no-newline')
        $all.Stream | Should -Be @('stdout', 'stderr', 'stdout', 'stdout', 'stderr', 'stdout')
        $all[0].PSObject.TypeNames[0] | Should -Be 'CriPS.ContainerLogEntry'
        $all.ContainerId | Select-Object -Unique | Should -Be $writer.Id
        $all.ContainerName | Select-Object -Unique | Should -Be "$prefix-writer"
        $all[0].RuntimeEndpoint | Should -Not -BeNullOrEmpty
    }
    It 'keeps the timestamps of the file to the 100 ns, in UTC, and a joined line has its last record''s time' {
        # RFC3339Nano as the runtime writes it (Z, or CRI-O's offset), in UTC, cut to the 7 fraction digits a DateTime holds.
        function Get-Ticks([string] $Time) {
            if ($Time -notmatch '^(.{19})(?:\.(\d{1,7})\d*)?(Z|[+-]\d\d:\d\d)$') { throw "not an RFC 3339 time: $Time" }
            $zone = if ($Matches[3] -eq 'Z') { '+00:00' } else { $Matches[3] }
            $utc = [DateTimeOffset]::ParseExact($Matches[1] + $zone, 'yyyy-MM-ddTHH:mm:sszzz', [cultureinfo]::InvariantCulture).UtcDateTime
            $utc.ToString('yyyy-MM-ddTHH:mm:ss') + '.' + $Matches[2].PadRight(7, '0')
        }
        $records = @(Get-Content $writerLog | ForEach-Object { ConvertFrom-LogRecord $_ })
        $all[0].Timestamp.Kind | Should -Be 'Utc'
        $all[0].Timestamp.ToString('yyyy-MM-ddTHH:mm:ss.fffffff') | Should -Be (Get-Ticks $records[0].Time)
        # The long line's last record: the first full stdout record after its parts (CRI-O ends it with an empty one).
        $firstPart = [array]::FindIndex($records, [Predicate[object]] { param($r) $r.Stream -eq 'stdout' -and $r.Partial })
        $lastPart = $records[($firstPart + 1)..($records.Count - 1)] | Where-Object { $_.Stream -eq 'stdout' -and -not $_.Partial } | Select-Object -First 1
        $all[3].Timestamp.ToString('yyyy-MM-ddTHH:mm:ss.fffffff') | Should -Be (Get-Ticks $lastPart.Time)
        for ($i = 1; $i -lt $all.Count; $i++) { $all[$i].Timestamp | Should -BeGreaterOrEqual $all[$i - 1].Timestamp }
    }
    It 'returns the text alone with -Raw' {
        $raw = Get-CriContainerLog $writer.Id -Raw
        $raw | Should -HaveCount 6
        $raw[0] | Should -BeOfType [string]
        $raw | Should -Be $all.Message
    }
    It 'takes containers from the pipeline (Get-CriContainer | Get-CriContainerLog) and unique id prefixes' {
        (Get-CriContainer -Id $writer.Id | Get-CriContainerLog).Message | Should -Be $all.Message
        (Get-CriContainerLog $writer.Id.Substring(0, 12).ToUpperInvariant()).Message | Should -Be $all.Message
    }
    It 'selects a stream with -Stream' {
        (Get-CriContainerLog $writer.Id -Stream Stderr).Message | Should -Be @('err1', 'err2')
        (Get-CriContainerLog $writer.Id -Stream stdout).Message | Should -Be @('out1', 'out2', ('a' * 20000), 'no-newline')
        (Get-CriContainerLog $writer.Id -Stream All).Count | Should -Be 6
    }
    It 'returns the last lines with -Tail, after the other filters' {
        (Get-CriContainerLog $writer.Id -Tail 2).Message | Should -Be @('err2', 'no-newline')
        (Get-CriContainerLog $writer.Id -Tail 3 -Raw) | Should -Be @(('a' * 20000), 'err2', 'no-newline')
        (Get-CriContainerLog $writer.Id -Tail 1 -Stream Stderr).Message | Should -Be 'err2'
        Get-CriContainerLog $writer.Id -Tail 0 | Should -BeNullOrEmpty
        (Get-CriContainerLog $writer.Id -Tail 100).Count | Should -Be 6
    }
    It 'selects lines by time with -Since and -Until, both included, and takes a duration for "that long ago"' {
        (Get-CriContainerLog $writer.Id -Since $all[1].Timestamp).Message | Should -Be $all[1..5].Message
        (Get-CriContainerLog $writer.Id -Until $all[1].Timestamp).Message | Should -Be @('out1', 'err1')
        (Get-CriContainerLog $writer.Id -Since $all[1].Timestamp -Until $all[2].Timestamp.ToLocalTime()).Message | Should -Be @('err1', 'out2')
        (Get-CriContainerLog $writer.Id -Since 1h).Count | Should -Be 6
        (Get-CriContainerLog $writer.Id -Since (New-TimeSpan -Hours 1) -Tail 1).Message | Should -Be 'no-newline'
        Get-CriContainerLog $writer.Id -Since ([datetime]::UtcNow.AddMinutes(1)) | Should -BeNullOrEmpty
        Get-CriContainerLog $writer.Id -Until 1h | Should -BeNullOrEmpty
    }
    It 'refuses -Since later than -Until and a bare number as a time' {
        $err = Get-ErrorRecord { Get-CriContainerLog $writer.Id -Since 1m -Until 2m }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriInvalidTimeRange,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        (Get-ErrorRecord { Get-CriContainerLog $writer.Id -Since 600 }).FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentTransformationError,*'
    }
    It 'looks like crictl logs with timestamps in its table, also after remoting' {
        $view = $all | Select-Object -First 2 | Format-Table | Out-String -Width 200
        $view | Should -Match 'TIMESTAMP\s+CONTAINER\s+STREAM\s+MESSAGE'
        # The container column is 20 wide: names longer than that are cut with an ellipsis.
        $view | Should -Match ([regex]::Escape($all[0].Timestamp.ToString('yyyy-MM-ddTHH:mm:ss.fffffffZ')) + "\s+$prefix-wr\S*\s+stdout\s+out1")
        $copy = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($all[1]))
        $copy.PSObject.TypeNames | Should -Contain 'Deserialized.CriPS.ContainerLogEntry'
        ($copy | Format-Table | Out-String -Width 200) | Should -Match 'TIMESTAMP\s+CONTAINER\s+STREAM\s+MESSAGE[\s\S]+stderr\s+err1'
        ($all[0] | ConvertTo-Json | ConvertFrom-Json).Stream | Should -Be 'stdout'
        "$($all[0])" | Should -Be 'out1'
    }
    It 'says with -Verbose which file it reads' {
        $verbose = Get-CriContainerLog $writer.Id -Tail 1 -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -Match ([regex]::Escape($writerLog))
    }
    It 'reports an unknown id as CriContainerNotFound and goes on with the next' {
        $errs = $null
        $out = Get-CriContainerLog 'ffff0000ffff0000dead', $writer.Id -Tail 1 -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'CriContainerNotFound,*'
        $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errs[0].TargetObject | Should -Be 'ffff0000ffff0000dead'
        $out.Message | Should -Be 'no-newline'
    }
    It 'reports a missing log file as CriContainerLogNotFound with the path as target' {
        $c = New-Writer gone 'echo bye'
        $null = Wait-ContainerState $c.Id Exited
        $path = Get-LogPath $c.Id
        Remove-Item $path
        $err = Get-ErrorRecord { Get-CriContainerLog $c.Id }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriContainerLogNotFound,*'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.TargetObject | Should -Be $path
    }
    It 'reports a log that is no file as CriContainerLogUnreadable with the path as target' {
        $c = New-Writer dir 'echo bye'
        $null = Wait-ContainerState $c.Id Exited
        $path = Get-LogPath $c.Id
        Remove-Item $path
        $null = New-Item -ItemType Directory $path
        $err = Get-ErrorRecord { Get-CriContainerLog $c.Id }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriContainerLogUnreadable,*'
        $err.TargetObject | Should -Be $path
    }
    It 'says that a container not started yet has no log yet' {
        $c = New-Writer idle 'echo never' -NoStart
        $err = Get-ErrorRecord { Get-CriContainerLog $c.Id }
        if ($RuntimeName -eq 'cri-o') {
            # CRI-O's conmon makes the (empty) file when the container is created
            $err | Should -BeNullOrEmpty
            Get-CriContainerLog $c.Id | Should -BeNullOrEmpty
        } else {
            $err.FullyQualifiedErrorId | Should -BeLike 'CriContainerLogNotFound,*'
            $err.Exception.Message | Should -Match 'not been started'
        }
    }
    It 'skips lines that are not in the CRI log format with a warning and returns the others' {
        $c = New-Writer malformed 'echo first'
        $null = Wait-ContainerState $c.Id Exited
        $path = Get-LogPath $c.Id
        Add-Content $path 'this line is not a CRI record'
        Add-Content $path ((Get-Content $path -First 1) -replace 'first(?=$|\\n")', 'second')
        $warnings = $null
        $out = Get-CriContainerLog $c.Id -WarningVariable warnings -WarningAction SilentlyContinue
        $out.Message | Should -Be @('first', 'second')
        $warnings | Should -HaveCount 1
        $warnings[0].Message | Should -Match ([regex]::Escape($path))
        $warnings[0].Message | Should -Match 'this line is not a CRI record'
    }

    Context '-Follow' {
        It 'reads what is there, then lines written after it started, and ends by itself when the container exits' {
            $c = New-Writer follow -Mount "$($gates):/gates:ro" -Script ('echo ready; ' + (Wait-GateScript go) + '; for i in 1 2 3 4 5; do echo "line $i"; sleep 0.1; done; ' +
                (Wait-HostGateScript f1) + '; echo oops >&2; ' + (Wait-HostGateScript f2) + '; printf end')
            $follow = Start-Follow $c.Id
            try {
                Wait-FollowOutput $follow 1
                $follow.Output[0].Message | Should -Be 'ready'
                Open-Gate $c.Id go
                # The switches of stream wait for the runtime's file, as the writer's do.
                $log = Get-LogPath $c.Id
                Open-HostGate $log f1 6
                Open-HostGate $log f2 7
                Wait-FollowEnd $follow | Should -BeTrue -Because 'the container exits and -Follow ends with it'
                $follow.Output.Message | Should -Be @('ready', 'line 1', 'line 2', 'line 3', 'line 4', 'line 5', 'oops', 'end')
                Get-FollowErrors $follow | Should -BeNullOrEmpty
            } finally { $follow.PowerShell.Dispose() }
        }
        It 'waits for a container that has not started yet, with -Tail and -Raw' {
            $c = New-Writer later 'echo one; echo two; echo three' -NoStart
            $follow = Start-Follow $c.Id @{ Tail = 2; Raw = $true; Verbose = $true }
            try {
                # The follower says when its first look found the container alive but not started: only then is the
                # container started, so the follow must have waited for it.
                $verbose = $follow.PowerShell.Streams.Verbose
                $deadline = [datetime]::UtcNow.AddSeconds(20)
                while (-not (& { for ($i = 0; $i -lt $verbose.Count; $i++) { $verbose[$i].Message } } | Where-Object { $_ -match 'had not been started when the follow began' })) {
                    if ([datetime]::UtcNow -gt $deadline -or $follow.Async.IsCompleted) { throw "The follow did not wait for the container: $((Get-FollowErrors $follow) -join ' | ')" }
                    Start-Sleep -Milliseconds 20
                }
                $follow.Async.IsCompleted | Should -BeFalse
                $c | Start-CriContainer
                Wait-FollowEnd $follow | Should -BeTrue
                # -Tail applies to the file as it is when it is first read; lines after that all come.
                $follow.Output | Should -Not -BeNullOrEmpty
                $follow.Output[-1] | Should -Be 'three'
                $follow.Output[0] | Should -BeOfType [string]
            } finally { $follow.PowerShell.Dispose() }
        }
        It 'returns the whole log of a container that has exited, and ends' {
            $follow = Start-Follow $writer.Id @{ Tail = 2 }
            try {
                Wait-FollowEnd $follow | Should -BeTrue
                $follow.Output.Message | Should -Be @('err2', 'no-newline')
            } finally { $follow.PowerShell.Dispose() }
        }
        It 'stops within a second of Ctrl+C (pipeline stop)' {
            $c = New-Writer sleeper 'echo started; exec sleep 3600'
            $follow = Start-Follow $c.Id
            try {
                Wait-FollowOutput $follow 1
                $watch = [Diagnostics.Stopwatch]::StartNew()
                $follow.PowerShell.Stop()
                $watch.Stop()
                $watch.Elapsed.TotalSeconds | Should -BeLessThan 1
                $follow.PowerShell.InvocationStateInfo.State | Should -Be 'Stopped'
                $follow.Output.Message | Should -Be 'started'
            } finally { $follow.PowerShell.Dispose() }
        }
        It 'follows several containers at once' {
            $a = New-Writer first ('echo a-start; ' + (Wait-GateScript go) + '; echo a-end')
            $b = New-Writer second ('echo b-start; ' + (Wait-GateScript go) + '; echo b-end')
            $follow = Start-Follow @($a.Id, $b.Id)
            try {
                # Both first lines come while both containers still run: neither waits for the other to stop.
                Wait-FollowOutput $follow 2
                (Get-FollowOutput $follow).Message | Sort-Object | Should -Be @('a-start', 'b-start')
                Open-Gate $a.Id go
                Open-Gate $b.Id go
                Wait-FollowEnd $follow | Should -BeTrue
                ($follow.Output | Where-Object ContainerId -EQ $a.Id).Message | Should -Be @('a-start', 'a-end')
                ($follow.Output | Where-Object ContainerId -EQ $b.Id).Message | Should -Be @('b-start', 'b-end')
            } finally { $follow.PowerShell.Dispose() }
        }
        # cri-dockerd answers ReopenContainerLog with "docker does not support reopening container log files".
        It 'survives the kubelet''s rotation: rename, ReopenContainerLog, new file' -Skip:($RuntimeName -eq 'docker') {
            $c = New-Writer rotated ('echo before; ' + (Wait-GateScript g1) + '; echo during; ' + (Wait-GateScript g2) + '; echo after')
            $path = Get-LogPath $c.Id
            $follow = Start-Follow $c.Id
            try {
                Wait-FollowOutput $follow 1
                # As the kubelet rotates: rename the file (the runtime still writes to it), then ask the runtime to reopen the path.
                Move-Item $path "$path.20261128-000000"
                Open-Gate $c.Id g1
                $deadline = [datetime]::UtcNow.AddSeconds(10)
                while (-not (Select-String -Quiet -Pattern 'during' -Path "$path.20261128-000000") -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
                # The engine's ReopenContainerLog, which the module does not export as a cmdlet.
                $engine = [System.Runtime.Loader.AssemblyLoadContext]::All.Assemblies | Where-Object { $_.GetName().Name -eq 'CriPS.Engine' } | Select-Object -First 1
                $client = $engine.GetType('CriPS.Engine.CriClient')::Connect($Endpoint, $null, $null, $null)
                $null = $client.ReopenContainerLogAsync($c.Id, [Threading.CancellationToken]::None).GetAwaiter().GetResult()
                Test-Path $path | Should -BeTrue -Because 'the runtime opened a new file at the path'
                Open-Gate $c.Id g2
                Wait-FollowEnd $follow | Should -BeTrue
                $follow.Output.Message | Should -Be @('before', 'during', 'after')
                Get-Content $path | Should -Match 'after($|\\n")'
            } finally { $follow.PowerShell.Dispose() }
        }
        It 'starts the file again after a copytruncate' {
            $c = New-Writer truncated ('echo a fairly long line written before the truncation; ' + (Wait-GateScript go) + '; echo short')
            $path = Get-LogPath $c.Id
            $follow = Start-Follow $c.Id
            try {
                Wait-FollowOutput $follow 1
                $file = [IO.File]::Open($path, 'Open', 'Write', 'ReadWrite')
                try { $file.SetLength(0) } finally { $file.Dispose() }
                Open-Gate $c.Id go
                Wait-FollowEnd $follow | Should -BeTrue
                $follow.Output.Message | Should -Be @('a fairly long line written before the truncation', 'short')
            } finally { $follow.PowerShell.Dispose() }
        }
    }

    Context '-Previous' {
        BeforeAll {
            $script:first = New-Writer restarted 'echo first life'
            $null = Wait-ContainerState $first.Id Exited
            $script:second = New-Writer restarted 'echo second life' -Attempt 1
            $null = Wait-ContainerState $second.Id Exited
        }
        It 'reads the log of the same container''s previous attempt in the pod' {
            (Get-CriContainerLog $second.Id).Message | Should -Be 'second life'
            $previous = Get-CriContainerLog $second.Id -Previous
            $previous.Message | Should -Be 'first life'
            $previous.ContainerId | Should -Be $first.Id
        }
        It 'reports CriPreviousContainerNotFound for a first attempt' {
            $err = Get-ErrorRecord { Get-CriContainerLog $first.Id -Previous }
            $err.FullyQualifiedErrorId | Should -BeLike 'CriPreviousContainerNotFound,*'
            $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $err.TargetObject | Should -Be $first.Id
        }
        # cri-dockerd deletes a container's log with the container: no file of a removed attempt is left to read.
        It 'reads the previous attempt''s file when the runtime no longer has that container' -Skip:($RuntimeName -eq 'docker') {
            Remove-CriContainer $first.Id -KeepLogs
            $previous = Get-CriContainerLog $second.Id -Previous
            $previous.Message | Should -Be 'first life'
            $previous.ContainerId | Should -Be ''
            $previous.ContainerName | Should -Be "$prefix-restarted"
        }
    }
}
