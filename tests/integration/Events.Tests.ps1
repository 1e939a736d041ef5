BeforeDiscovery {
    . $PSScriptRoot/TestFixture.ps1
    # Which runtimes stream container events is a fact of their version, so the expectation comes from the version,
    # not from asking the runtime (an answer of "unsupported" must fail the test on a runtime that should stream).
    # containerd serves GetContainerEvents from 1.7 on; 1.6 (the private runtime) answers Unimplemented.
    # Other runtimes are asked once: CRI-O streams only with enable_pod_events = true.
    # containerd 1.7 hands each event to one of the streams open at the time (containerd issue #7318), and a stream
    # that was cancelled still takes the next event, so tests that cannot absorb a lost event skip it there.
    $script:EventsSupported = $null
    $script:SingleReader = $false
    if (-not $NoRuntime) {
        $info = Get-CriRuntimeInfo -RuntimeEndpoint $Endpoint
        if ($info.RuntimeName -eq 'containerd' -and $info.RuntimeVersion -match '(\d+)\.(\d+)') {
            $version = [version]"$($Matches[1]).$($Matches[2])"
            $script:EventsSupported = $version -ge [version]'1.7'
            $script:SingleReader = $version -lt [version]'2.0'
        } else {
            $probe = Get-ErrorRecord { Get-CriEvent -RuntimeEndpoint $Endpoint -DurationSec 1 }
            $script:EventsSupported = if (-not $probe) { $true } elseif ($probe.FullyQualifiedErrorId -like 'CriEventsNotSupported,*') { $false }
        }
    }
}

Describe 'Get-CriEvent on any runtime' {
    BeforeAll { . $PSScriptRoot/TestFixture.ps1 }

    It 'fails fast with the usual error when the runtime cannot be reached, whatever -DurationSec says' {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $err = Get-ErrorRecord { Get-CriEvent -RuntimeEndpoint /nonexistent/crips-events.sock -DurationSec 60 }
        $watch.Stop()
        $err.FullyQualifiedErrorId | Should -BeLike 'CriRuntimeUnavailable,*'
        $err.CategoryInfo.Category | Should -Be 'ConnectionError'
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
    }
    It 'stops within 1 s while it connects to a runtime that does not answer' {
        $listener = New-UnixListener events-stop
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$env:CRIPS_MODULE_PATH'; Get-CriEvent -RuntimeEndpoint '$($listener.Path)' -Verbose")
            $handle = $ps.BeginInvoke()
            # The first verbose line comes just before the version check, which then waits on the silent peer.
            $deadline = [datetime]::UtcNow.AddSeconds(20)
            while ($ps.Streams.Verbose.Count -eq 0 -and -not $handle.IsCompleted -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 10 }
            $handle.IsCompleted | Should -BeFalse
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 1
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        } finally {
            $ps.Dispose()
            Remove-UnixListener $listener
        }
    }
    It 'refuses an empty id and a listening time of 0' {
        { Get-CriEvent -ContainerId '' } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
        { Get-CriEvent -PodId '' } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
        { Get-CriEvent -DurationSec 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
        { Get-CriEvent -Type Paused } | Should -Throw -ErrorId 'CannotConvertArgumentNoMessage*'
    }
}

# The private runtime (containerd 1.6.20) lands here: it does not implement GetContainerEvents.
Describe 'Get-CriEvent on a runtime without container events' -Skip:($NoRuntime -or $EventsSupported -ne $false) {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        $info = Get-CriRuntimeInfo -RuntimeEndpoint $Endpoint
    }

    It 'says at once that the runtime does not stream events, naming it and its version: CriEventsNotSupported' {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        # -DurationSec bounds a wrong outcome (listening) so the test cannot hang; the error must come long before.
        $err = Get-ErrorRecord { Get-CriEvent -RuntimeEndpoint $Endpoint -DurationSec 60 }
        $watch.Stop()
        $err.FullyQualifiedErrorId | Should -Be 'CriEventsNotSupported,CriPS.Cmdlets.GetCriEventCommand'
        $err.CategoryInfo.Category | Should -Be 'NotImplemented'
        $err.TargetObject | Should -Be $Endpoint
        $err.Exception.Message | Should -Match ([regex]::Escape("$($info.RuntimeName) $($info.RuntimeVersion)"))
        $err.Exception.Message | Should -Match 'GetContainerEvents'
        $err.Exception.Message | Should -Match 'containerd serves it from 1\.7'
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
    }
    It 'ends at once also without -DurationSec and at the head of a pipeline, with nothing written' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$env:CRIPS_MODULE_PATH'; Get-CriEvent -RuntimeEndpoint '$Endpoint' -Type Started | Select-Object -First 1")
            $handle = $ps.BeginInvoke()
            $handle.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(20)) | Should -BeTrue -Because 'an unsupported runtime must not leave it listening'
            @($ps.EndInvoke($handle)) | Should -BeNullOrEmpty
            $ps.Streams.Error.Count | Should -Be 1
            $ps.Streams.Error[0].FullyQualifiedErrorId | Should -BeLike 'CriEventsNotSupported,*'
        } finally {
            $ps.Dispose()
        }
    }
}

Describe 'Get-CriEvent on a runtime that streams container events' -Skip:($NoRuntime -or $EventsSupported -ne $true) {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        $PSDefaultParameterValues['*-Cri*:RuntimeEndpoint'] = $Endpoint
        $prefix = New-TestPrefix
        $null = Invoke-CriImagePull -Image $TestImage
        $pod = New-CriPod "$prefix-events" -Namespace $prefix -LogDirectory (New-TestLogDirectory "$prefix-events")
        $listeners = [System.Collections.Generic.List[powershell]]::new()

        function Start-Listener([string] $Arguments, [switch] $NoProbe) {
            # Get-CriEvent in its own runspace, writing into a collection the test reads while it runs.
            $ps = [powershell]::Create()
            $listeners.Add($ps)
            $null = $ps.AddScript("Import-Module '$env:CRIPS_MODULE_PATH'; Get-CriEvent -RuntimeEndpoint '$Endpoint' -Verbose $Arguments")
            $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $handle = $ps.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]$null, $output)
            $listener = [pscustomobject]@{ PowerShell = $ps; Handle = $handle; Output = $output }
            if ($NoProbe) {
                # Without probes only the cmdlet's word is left: it says so just before it opens the stream.
                $deadline = [datetime]::UtcNow.AddSeconds(20)
                while (-not ((Get-Written $ps.Streams.Verbose).Message -match '^Listening') -and -not $handle.IsCompleted -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
                Start-Sleep -Seconds 1
            } else {
                Wait-Listening $listener
            }
            if ($handle.IsCompleted) { throw "Get-CriEvent $Arguments ended: $(Get-Written $ps.Streams.Error | Out-String)" }
            $listener
        }
        function Wait-Listening($Listener) {
            # The stream has no "subscribed" signal, so containers are created until the runtime reports one.
            # Their events may reach the listener; they carry the prefix "probe" and no test counts them.
            for ($n = 0; $n -lt 10; $n++) {
                $probe = $pod | New-CriContainer "$prefix-probe-$n" $TestImage -Command true
                $probe | Remove-CriContainer -Force
                if (Wait-Event $Listener { $_.ContainerId -eq $probe.Id } -TimeoutSec 2) { return }
            }
            throw 'Get-CriEvent reported none of 10 probe containers.'
        }
        function Get-Written($Collection) {
            # What a runspace has written so far: enumerating an open PSDataCollection would wait for it to close.
            for ($i = 0; $i -lt $Collection.Count; $i++) { $Collection[$i] }
        }
        function Get-Seen($Listener) { Get-Written $Listener.Output }
        function Wait-Event($Listener, [scriptblock] $Where, [int] $TimeoutSec = 20) {
            $deadline = [datetime]::UtcNow.AddSeconds($TimeoutSec)
            do {
                $found = @(Get-Seen $Listener | Where-Object $Where)
                if ($found) { return $found }
                Start-Sleep -Milliseconds 50
            } while ([datetime]::UtcNow -lt $deadline -and -not $Listener.Handle.IsCompleted)
        }
        function Invoke-Lifecycle([string] $Name) {
            # Created, Started, Stopped and Deleted, one of each, for one container.
            $c = $pod | New-CriContainer "$prefix-$Name" $TestImage -Command sleep -Argument 3600
            $c | Start-CriContainer
            $c | Stop-CriContainer -GracePeriodSec 0
            $c | Remove-CriContainer -Force
            $c
        }
    }
    AfterAll {
        foreach ($ps in $listeners) { $ps.Stop(); $ps.Dispose() }
        Remove-TestPods $prefix
    }

    It 'streams Created, Started, Stopped and Deleted for a container, in order, with plausible times' {
        $listener = Start-Listener ''
        $before = [datetime]::UtcNow.AddSeconds(-2)   # the runtime's clock is this machine's
        $c = Invoke-Lifecycle life
        $events = Wait-Event $listener { $_.ContainerId -eq $c.Id -and $_.Type -eq 'Deleted' }
        $after = [datetime]::UtcNow.AddSeconds(2)
        $listener.PowerShell.Stop()

        $ours = @(Get-Seen $listener | Where-Object ContainerId -eq $c.Id)
        # Each kind once, in this order; a runtime that repeats one (two Stopped, say) is not wrong.
        [string[]] $ours.Type | Select-Object -Unique | Should -Be @('Created', 'Started', 'Stopped', 'Deleted')
        foreach ($e in $ours) {
            $e.PSObject.TypeNames[0] | Should -Be 'CriPS.ContainerEvent'
            $e.Time.Kind | Should -Be 'Utc'
            $e.Time | Should -BeGreaterThan $before
            $e.Time | Should -BeLessThan $after
            $e.RuntimeEndpoint | Should -Be $Endpoint
            $e.ComputerName | Should -Be ([Environment]::MachineName)
        }
        for ($i = 1; $i -lt $ours.Count; $i++) { $ours[$i].Time | Should -Not -BeLessThan $ours[$i - 1].Time }
        # The pod's and the container's facts, where the event carries their status (a deleted container may have none).
        $withStatus = @($ours | Where-Object ContainerName)
        $withStatus.Count | Should -BeGreaterThan 0
        foreach ($e in $withStatus) { $e.ContainerName | Should -Be "$prefix-life" }
        foreach ($e in $ours | Where-Object PodId) {
            $e.PodId | Should -Be $pod.Id
            $e.PodName | Should -Be "$prefix-events"
            $e.PodNamespace | Should -Be $prefix
        }
        ($ours | Where-Object Type -eq 'Started').State | Should -Be 'Running'
    }
    It 'writes only the types and pods asked for (-Type, -PodId prefix)' {
        $listener = Start-Listener "-Type Stopped, Deleted -PodId '$($pod.Id.Substring(0, 12))'"
        $c = Invoke-Lifecycle filtered
        $null = Wait-Event $listener { $_.ContainerId -eq $c.Id -and $_.Type -eq 'Deleted' }
        $listener.PowerShell.Stop()

        [string[]] @(Get-Seen $listener | Where-Object ContainerId -eq $c.Id).Type | Select-Object -Unique | Should -Be @('Stopped', 'Deleted')
        @(Get-Seen $listener | Where-Object Type -notin 'Stopped', 'Deleted') | Should -BeNullOrEmpty
        @(Get-Seen $listener | Where-Object PodId -ne $pod.Id) | Should -BeNullOrEmpty
    }
    It 'writes only the containers asked for (-ContainerId prefix and pattern)' -Skip:$SingleReader {
        # The container exists first so its id is known; the listeners cannot be probed, since they show only it.
        $c = $pod | New-CriContainer "$prefix-by-id" $TestImage -Command sleep -Argument 3600
        $byPrefix = Start-Listener "-ContainerId '$($c.Id.Substring(0, 10).ToUpperInvariant())'" -NoProbe
        $byPattern = Start-Listener "-ContainerId '*$($c.Id.Substring($c.Id.Length - 12))', 'no-such-id'" -NoProbe
        $c | Start-CriContainer
        $c | Stop-CriContainer -GracePeriodSec 0
        $c | Remove-CriContainer -Force
        $null = Wait-Event $byPrefix { $_.Type -eq 'Deleted' }
        $null = Wait-Event $byPattern { $_.Type -eq 'Deleted' }
        $byPrefix.PowerShell.Stop()
        $byPattern.PowerShell.Stop()

        foreach ($listener in $byPrefix, $byPattern) {
            @(Get-Seen $listener).Count | Should -BeGreaterThan 0
            @(Get-Seen $listener | Where-Object ContainerId -ne $c.Id) | Should -BeNullOrEmpty
            [string[]] (Get-Seen $listener).Type | Should -Contain 'Started'
            [string[]] (Get-Seen $listener).Type | Should -Contain 'Deleted'
        }
    }
    It 'on containerd 1.7 shares one stream among its listeners: each event reaches one of them, never both (containerd issue #7318)' -Skip:(-not $SingleReader) {
        # Probes cannot tell when two listeners are both subscribed (a probe's events go to one), so both wait as -NoProbe does.
        $first = Start-Listener '' -NoProbe
        $second = Start-Listener '' -NoProbe
        $ids = @(foreach ($n in 1..3) { (Invoke-Lifecycle "shared-$n").Id })
        $ofOurs = { param($listener) @(Get-Seen $listener | Where-Object ContainerId -in $ids | ForEach-Object { "$($_.ContainerId) $($_.Type)" }) }
        # Twelve events; streams stopped by earlier tests still take one each in turn before they notice (they are gone).
        $deadline = [datetime]::UtcNow.AddSeconds(15)
        while (((& $ofOurs $first).Count + (& $ofOurs $second).Count) -lt 8 -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        $first.PowerShell.Stop()
        $second.PowerShell.Stop()

        $a = & $ofOurs $first
        $b = & $ofOurs $second
        $a.Count | Should -BeGreaterThan 0 -Because 'the first listener gets its share'
        $b.Count | Should -BeGreaterThan 0 -Because 'the second listener gets its share'
        @($a | Where-Object { $_ -in $b }) | Should -BeNullOrEmpty -Because 'containerd 1.7 hands each event to one stream only'
    }
    It 'on containerd 2.0 and later gives every listener every event' -Skip:($SingleReader -or $RuntimeName -ne 'containerd') {
        $first = Start-Listener ''
        $second = Start-Listener ''
        $c = Invoke-Lifecycle both
        $null = Wait-Event $first { $_.ContainerId -eq $c.Id -and $_.Type -eq 'Deleted' }
        $null = Wait-Event $second { $_.ContainerId -eq $c.Id -and $_.Type -eq 'Deleted' }
        $first.PowerShell.Stop()
        $second.PowerShell.Stop()

        foreach ($listener in $first, $second) {
            [string[]] @(Get-Seen $listener | Where-Object ContainerId -eq $c.Id).Type | Select-Object -Unique | Should -Be @('Created', 'Started', 'Stopped', 'Deleted')
        }
    }
    It 'ends by itself after -DurationSec, without an error' {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $errors = $null
        $out = Get-CriEvent -ContainerId 'ffff0000dead' -DurationSec 2 -ErrorVariable errors
        $watch.Stop()
        $out | Should -BeNullOrEmpty
        $errors | Should -BeNullOrEmpty
        $watch.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 1.9
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
    }
    It 'stops within 1 s when the pipeline stops (Ctrl+C)' {
        $listener = Start-Listener ''
        $listener.Handle.IsCompleted | Should -BeFalse
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $listener.PowerShell.Stop()
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 1
        $listener.PowerShell.InvocationStateInfo.State | Should -Be 'Stopped'
    }
    It 'ends with the first event that Select-Object -First takes, without waiting for another' {
        # A pod of its own, so no earlier event can be the first; containers are created until one event arrives.
        $own = New-CriPod "$prefix-first" -Namespace $prefix -LogDirectory (New-TestLogDirectory "$prefix-first")
        $ps = [powershell]::Create()
        $listeners.Add($ps)
        $null = $ps.AddScript("Import-Module '$env:CRIPS_MODULE_PATH'; Get-CriEvent -RuntimeEndpoint '$Endpoint' -PodId '$($own.Id)' | Select-Object -First 1")
        $handle = $ps.BeginInvoke()
        for ($n = 0; $n -lt 10 -and -not $handle.IsCompleted; $n++) {
            $null = $own | New-CriContainer "$prefix-first-$n" $TestImage -Command true
            $null = $handle.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(2))
        }
        $handle.IsCompleted | Should -BeTrue
        $first = @($ps.EndInvoke($handle))
        $first.Count | Should -Be 1
        $first[0].PodId | Should -Be $own.Id
        $ps.InvocationStateInfo.State | Should -Be 'Completed'
    }
    It 'looks right after remoting serialization' {
        $listener = Start-Listener "-PodId '$($pod.Id)'"
        $c = Invoke-Lifecycle remoted
        $e = @(Wait-Event $listener { $_.ContainerId -eq $c.Id -and $_.Type -eq 'Created' })[0]
        $listener.PowerShell.Stop()
        $copy = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($e))
        $copy.PSObject.TypeNames | Should -Contain 'Deserialized.CriPS.ContainerEvent'
        $view = $copy | Format-Table | Out-String -Width 200
        $view | Should -Match 'TIME\s+TYPE\s+CONTAINER\s+NAME\s+POD'
        $view | Should -Match ([regex]::Escape($c.Id.Substring(0, 13)))
    }
}
