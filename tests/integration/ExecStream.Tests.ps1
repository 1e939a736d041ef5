# Invoke-CriContainerCommand -Stream: the CRI Exec stream instead of ExecSync.
BeforeDiscovery { . $PSScriptRoot/TestFixture.ps1 }

Describe 'Invoke-CriContainerCommand -Stream' -Skip:$NoRuntime {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        $PSDefaultParameterValues['*-Cri*:RuntimeEndpoint'] = $Endpoint
        $prefix = New-TestPrefix
        $null = Invoke-CriImagePull -Image $TestImage
        $pod = New-CriPod "$prefix-stream" -Namespace $prefix -LogDirectory (New-TestLogDirectory "$prefix-stream")
        $c = $pod | New-CriContainer "$prefix-sleeper" $TestImage -Command sleep -Argument 3600
        $c | Start-CriContainer

        # Ctrl+C on a pipeline run in another runspace: how long Stop() takes to return, in seconds.
        function Measure-Stop([powershell] $PowerShell) {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $PowerShell.Stop()
            $watch.Elapsed.TotalSeconds
        }
    }
    AfterAll { Remove-TestPods $prefix }

    It 'writes each line as the command writes it, before the command ends' {
        # The command waits for a gate that only this pipeline opens once it has seen the first line: a stream that
        # gave nothing until the end would see 'gave up' instead (after 10 s, so nothing hangs).
        Invoke-CriContainerCommand -Id $c.Id -Command rm, -f, /tmp/gate | Out-Null
        $script = 'echo first; i=0; while [ ! -e /tmp/gate ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; [ -e /tmp/gate ] && echo second || echo gave up'
        $lines = Invoke-CriContainerCommand -Id $c.Id -Stream -Command sh, -c, $script | ForEach-Object {
            if ($_ -eq 'first') { $null = Invoke-CriContainerCommand -Id $c.Id -Command touch, /tmp/gate }
            $_
        }
        $lines | Should -Be @('first', 'second')
        $LASTEXITCODE | Should -Be 0
    }

    It 'has no size cap: 17 MB of output arrive whole, more than the 16 MiB an ExecSync reply may carry here' {
        # 17,000 lines of 999 characters and their line feeds: 17,000,000 bytes.
        $lines = Invoke-CriContainerCommand -Id $c.Id -Stream -Command sh, -c, 'yes "$(printf "%0999d" 7)" | head -n 17000'
        $lines.Count | Should -Be 17000
        ($lines | Where-Object Length -ne 999).Count | Should -Be 0
        ($lines | Measure-Object -Property Length -Sum).Sum + $lines.Count | Should -BeGreaterThan 16MB
    }

    It 'writes stderr lines as errors (CriCommandStderr, the container as target), stdout lines as strings' {
        $errs = $null
        $out = Invoke-CriContainerCommand -Id $c.Id -Stream -Command sh, -c, 'echo out1; echo err1 >&2; echo out2; echo err2 >&2' -ErrorAction SilentlyContinue -ErrorVariable errs
        $out | Should -Be @('out1', 'out2')
        $errs.Count | Should -Be 2
        $errs.Exception.Message | Should -Be @('err1', 'err2')
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'CriCommandStderr,*'
        $errs[0].TargetObject | Should -Be $c.Id
    }

    It 'leaves the exit code in $LASTEXITCODE and writes no error for it' {
        $errs = $null
        $out = Invoke-CriContainerCommand -Id $c.Id -Stream -Command sh, -c, 'echo done; exit 7' -ErrorVariable errs
        $out | Should -Be 'done'
        $LASTEXITCODE | Should -Be 7
        $errs | Should -BeNullOrEmpty
    }

    It 'sends pipeline input as stdin, and ends it, so the command reads to the end' {
        $out = 'alpha', 'beta', 'gamma' | Invoke-CriContainerCommand -Id $c.Id -Stream -Command sh, -c, 'cat; echo "lines=$(echo)"'
        $out | Should -Be @('alpha', 'beta', 'gamma', 'lines=')
        $counted = 1..5000 | Invoke-CriContainerCommand -Id $c.Id -Stream -Command wc, -l
        $counted.Trim() | Should -Be '5000'
        $LASTEXITCODE | Should -Be 0
        # -InputObject without a pipeline is one record of input, as piped.
        Invoke-CriContainerCommand -Id $c.Id -Stream -InputObject 'solo' -Command cat | Should -Be 'solo'
    }

    It 'sends each record as it comes, while the records before it are already in the command' {
        # The command stamps each line with the kernel's uptime as it reads it: records gathered until the pipeline
        # ended would be read together, streamed ones 1.5 s apart, as the upstream command gives them.
        $script = 'while read l; do read up rest < /proc/uptime; echo "$l $up"; done'
        $out = & { 'first'; Start-Sleep -Milliseconds 1500; 'second' } | Invoke-CriContainerCommand -Id $c.Id -Stream -Command sh, -c, $script
        $out | Should -HaveCount 2
        $first, $second = $out | ForEach-Object { [double]($_ -split ' ')[1] }
        ($out | ForEach-Object { ($_ -split ' ')[0] }) | Should -Be @('first', 'second')
        ($second - $first) | Should -BeGreaterThan 1.0
    }

    It 'ends stdin at once for an empty pipeline, and lets a command stop reading early without an error' {
        $errs = $null
        @() | Invoke-CriContainerCommand -Id $c.Id -Stream -Command sh, -c, 'cat; echo eof' -ErrorVariable errs | Should -Be 'eof'
        $errs | Should -BeNullOrEmpty
        # head reads one line and exits while records are still coming: the rest is dropped, its output kept.
        $first = 1..100000 | Invoke-CriContainerCommand -Id $c.Id -Stream -Command head, -n1 -ErrorVariable errs -ErrorAction SilentlyContinue
        $first | Should -Be '1'
        if ($RuntimeName -eq 'containerd') {
            $errs | Should -BeNullOrEmpty
            $LASTEXITCODE | Should -Be 0
        } else {
            # Measured: CRI-O reports its copy of stdin into the ended process as the exec's failure ("write |1:
            # broken pipe"), cri-dockerd's Docker drops the connection in the middle of a frame. Nothing else may come.
            $errs | ForEach-Object { $_.Exception.Message | Should -Match 'broken pipe|in the middle of a frame' }
        }
    }

    It 'feeds each of several containers, and gives an unknown id its error without stopping the others' {
        $errs = $null
        $out = 'a', 'b' | Invoke-CriContainerCommand -Id 'ffffeeee0000', $c.Id, $c.Id -Stream -Command wc, -l -ErrorVariable errs -ErrorAction SilentlyContinue
        $out.Trim() | Should -Be @('2', '2')
        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'CriContainerNotFound,*'
    }

    It 'ends at once when the pipeline has enough (Select-Object -First), with no wait for the command' {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $got = 1..3 | Invoke-CriContainerCommand -Id $c.Id -Stream -Command sh, -c, 'cat; seq 100000; exec sleep 30' | Select-Object -First 5
        $watch.Stop()
        $got | Should -Be @('1', '2', '3', '1', '2')
        # Not the command's 30 s, nor the 5 s a stopped step gets to clean up.
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 4
    }

    It 'ends the stream of a command fed by a pipeline that is stopped (Ctrl+C)' {
        $ps = [powershell]::Create()
        $null = $ps.AddScript("Import-Module '$env:CRIPS_MODULE_PATH'; & { 'x'; Start-Sleep 300 } | Invoke-CriContainerCommand -RuntimeEndpoint '$Endpoint' -Id $($c.Id) -Stream -Command sh, -c, 'read l; exec sleep 299'")
        $async = $ps.BeginInvoke()
        try {
            # The first record reached the command while the upstream command still runs: it read it and went on.
            $deadline = [datetime]::UtcNow.AddSeconds(20)
            # Only the exec'd process is 'sleep 299' alone; before it read, the shell's line also holds 'read l'.
            $running = { (Invoke-CriContainerCommand -Id $c.Id -Command ps).Stdout -match '(?m)^\s*\d+\s+\S+\s+(?:[\d:]+\s+)?sleep 299\s*$' }
            while (-not (& $running) -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            & $running | Should -BeTrue
            Measure-Stop $ps | Should -BeLessThan 1
        } finally {
            $ps.Dispose()
        }
        if ($RuntimeName -eq 'containerd' -and $RuntimeVersion -ge [version]'2.0') {
            # containerd 2 ends a process whose stream closed (1.6 and 1.7 let it run on): the stream was closed.
            $deadline = [datetime]::UtcNow.AddSeconds(5)
            while ((& $running) -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            & $running | Should -BeFalse
        }
    }

    It 'says so when the runtime cannot start the program: CriExecFailed on containerd, the runtime''s words and a failing exit code elsewhere' {
        $errs = $null
        $out = Invoke-CriContainerCommand -Id $c.Id -Stream -Command /no/such/program -ErrorAction SilentlyContinue -ErrorVariable errs
        if ($RuntimeName -eq 'containerd') {
            $out | Should -BeNullOrEmpty
            $errs.Count | Should -Be 1
            $errs[0].FullyQualifiedErrorId | Should -BeLike 'CriExecFailed,*'
            $errs[0].TargetObject | Should -Be $c.Id
            $errs[0].Exception.Message | Should -Match 'no/such/program'
        } else {
            # CRI-O (conmon) and cri-dockerd (Docker) report runc's failure as the process's own output (stderr on
            # CRI-O, stdout on cri-dockerd) and exit code.
            ((@($out) + @($errs.Exception.Message)) -join "`n") | Should -Match 'no/such/program'
            $LASTEXITCODE | Should -Not -Be 0
        }
    }

    It 'stops within a second on Ctrl+C while the command runs' {
        $ps = [powershell]::Create()
        $null = $ps.AddScript("Import-Module '$env:CRIPS_MODULE_PATH'; Invoke-CriContainerCommand -RuntimeEndpoint '$Endpoint' -Id $($c.Id) -Stream -Command sh, -c, 'echo begun; exec sleep 300'")
        $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
        $async = $ps.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]::new(), $output)
        try {
            $deadline = [datetime]::UtcNow.AddSeconds(20)
            while ($output.Count -eq 0 -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            $output[0] | Should -Be 'begun'
            Measure-Stop $ps | Should -BeLessThan 1
        } finally {
            $ps.Dispose()
        }
    }
}
