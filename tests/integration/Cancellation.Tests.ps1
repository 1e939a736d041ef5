BeforeDiscovery { . $PSScriptRoot/TestFixture.ps1 }

# Ctrl+C (a pipeline stop) ends a long call within a second and leaves nothing running behind it. "Nothing running" is
# measured where it would show: the process' gRPC calls in flight (Grpc.Net.Client's current-calls counter) return to
# where they were, the log file the follower read is closed, and containerd drops the download of a stopped pull.
Describe 'Cancellation' -Skip:$NoRuntime {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        Import-Module $PSScriptRoot/CriStandIn.psm1 -Force
        $prefix = New-TestPrefix
        $null = Invoke-CriImagePull -RuntimeEndpoint $Endpoint -Image $TestImage

        if (-not ('CriPSTests.GrpcCallCounter' -as [type])) {
            Add-Type -TypeDefinition @'
using System;
using System.Collections.Generic;
using System.Diagnostics.Tracing;
using System.Threading;

namespace CriPSTests
{
    /// <summary>Grpc.Net.Client's documented counter current-calls: calls this process has started and not ended.</summary>
    public sealed class GrpcCallCounter : EventListener
    {
        private double _current = double.NaN;
        private long _samples;

        public double Current { get { return Volatile.Read(ref _current); } }
        public long Samples { get { return Interlocked.Read(ref _samples); } }

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "Grpc.Net.Client")
                EnableEvents(source, EventLevel.Verbose, EventKeywords.All,
                    new Dictionary<string, string> { { "EventCounterIntervalSec", "0.1" } });
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.EventName != "EventCounters" || e.Payload == null || e.Payload.Count == 0)
                return;
            var counter = e.Payload[0] as IDictionary<string, object>;
            object name, mean;
            if (counter != null && counter.TryGetValue("Name", out name) && (string)name == "current-calls" && counter.TryGetValue("Mean", out mean))
            {
                Volatile.Write(ref _current, Convert.ToDouble(mean));
                Interlocked.Increment(ref _samples);
            }
        }
    }
}
'@
        }
        $calls = [CriPSTests.GrpcCallCounter]::new()
        # The counter source exists once a call has been made; the import above made one.
        $null = Get-CriRuntimeInfo -RuntimeEndpoint $Endpoint

        function Get-CallsInFlight {
            # The next sample taken after now, so a value from before an action never stands for after it.
            $after = $calls.Samples + 1
            $deadline = [datetime]::UtcNow.AddSeconds(5)
            while ($calls.Samples -le $after -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
            if ($calls.Samples -le $after) { throw 'Grpc.Net.Client sent no counter samples.' }
            $calls.Current
        }
        function Wait-CallsInFlight([double] $Expected, [scriptblock] $Compare = { param($now) $now -eq $Expected }) {
            # Polls the counter (a condition, not a sleep) for at most 3 s; returns the last value seen.
            $deadline = [datetime]::UtcNow.AddSeconds(3)
            do {
                $now = Get-CallsInFlight
                if (& $Compare $now) { return $now }
            } while ([datetime]::UtcNow -lt $deadline)
            $now
        }
        function Get-OpenFile([string] $Path) {
            # This process' descriptors that point at the file (cri-dockerd's log path is a link to Docker's file).
            $target = (Get-Item -LiteralPath $Path).ResolvedTarget ?? $Path
            Get-ChildItem "/proc/$PID/fd" -ErrorAction SilentlyContinue |
                Where-Object { $_.LinkTarget -eq $target }
        }
        function Start-InRunspace([string] $Script) {
            $ps = [powershell]::Create()
            $null = $ps.AddScript("Import-Module '$env:CRIPS_MODULE_PATH'; $Script")
            $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $async = $ps.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]::new(), $output)
            [pscustomobject]@{ PowerShell = $ps; Async = $async; Output = $output }
        }
        function Stop-Timed($Run) {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $Run.PowerShell.Stop()
            $watch.Stop()
            $watch.Elapsed.TotalSeconds
        }

        $baseline = Get-CallsInFlight
    }
    AfterAll {
        if ($calls) { $calls.Dispose() }
        Remove-TestPods $prefix
    }

    It 'a pull: returns within 1 s, its call ends, and containerd drops the download' -Skip:(-not $IsPrivateRuntime -or -not $ContainerdAddress) {
        # The private runtime's big image has a 100 MB layer: long enough to stop in the middle.
        $big = $env:CRIPS_BIG_IMAGE
        Remove-CriImage -RuntimeEndpoint $Endpoint -Name $big -Force -ErrorAction SilentlyContinue
        $run = Start-InRunspace "Invoke-CriImagePull -RuntimeEndpoint '$Endpoint' -Image '$big'"
        try {
            Wait-CallsInFlight $baseline { param($now) $now -gt $baseline } | Should -BeGreaterThan $baseline -Because 'the measure sees the pull in flight'
            # Stop as soon as containerd is part way through a layer: the loopback registry serves the 100 MB
            # in well under a second, and a layer that finished before the stop would say nothing about it.
            $layers = @()
            $deadline = [datetime]::UtcNow.AddSeconds(10)
            while (-not $layers -and -not $run.Async.IsCompleted -and [datetime]::UtcNow -lt $deadline) {
                $layers = @(Get-ContainerdContent -Active -Address $ContainerdAddress |
                    Where-Object { $_.Ref -like 'layer-sha256:*' -and $_.Offset -lt $_.Total } | ForEach-Object { $_.Ref -replace '^layer-' })
            }
            $stopSeconds = Stop-Timed $run
            if (-not $layers) {
                # Seen in 1 run of 6 on a quiet machine: the loopback registry outran the polling, and the pull
                # passed every layer (or finished) before the stop; this run says nothing about stopping mid-layer.
                Set-ItResult -Skipped -Because 'the pull passed every layer before one was seen part way'
                return
            }
            $stopSeconds | Should -BeLessThan 1
            $run.PowerShell.InvocationStateInfo.State | Should -Be 'Stopped'
        } finally {
            $run.PowerShell.Dispose()
        }
        Wait-CallsInFlight $baseline | Should -Be $baseline -Because 'no gRPC call of the pull is left running'
        # containerd cancelled the pull with the call: it drops the download (a pull that went on would instead finish
        # it and commit the layer to the content store within a second), and records no image.
        $deadline = [datetime]::UtcNow.AddSeconds(5)
        while ((Get-ContainerdContent -Active -Address $ContainerdAddress | Where-Object { $_.Ref -replace '^layer-' -in $layers }) -and [datetime]::UtcNow -lt $deadline) {
            Start-Sleep -Milliseconds 50
        }
        @(Get-ContainerdContent -Active -Address $ContainerdAddress | Where-Object { $_.Ref -replace '^layer-' -in $layers }) | Should -BeNullOrEmpty
        # Whether the layer that was in flight is in the store afterwards is a race, not a property of the stop: the
        # loopback registry serves the rest of a 100 MB layer faster than the stop reaches containerd, which then may
        # commit it (seen on 2.1.9 and 2.3.4, and once on 1.7.24 in issue 17's review run). So only the ingest (above)
        # and the image record (below) are checked.
        Get-CriImage -RuntimeEndpoint $Endpoint -Name $big -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'a -Follow log read: returns within 1 s, closes the log file and ends its status polls' {
        $pod = New-CriPod -RuntimeEndpoint $Endpoint "$prefix-follow" -Namespace $prefix -LogDirectory (New-TestLogDirectory "$prefix-follow")
        $c = $pod | New-CriContainer -RuntimeEndpoint $Endpoint "$prefix-sleeper" $TestImage -Command sh -Argument '-c', 'echo started; exec sleep 3600'
        $c | Start-CriContainer -RuntimeEndpoint $Endpoint
        $log = (Get-CriContainer -RuntimeEndpoint $Endpoint -Id $c.Id -Detailed).LogPath
        $run = Start-InRunspace "Get-CriContainerLog -RuntimeEndpoint '$Endpoint' -Id '$($c.Id)' -Follow"
        try {
            $deadline = [datetime]::UtcNow.AddSeconds(10)
            while ($run.Output.Count -lt 1 -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
            $run.Output[0].Message | Should -Be 'started'
            @(Get-OpenFile $log).Count | Should -Be 1 -Because 'the follower holds the log open while it reads'

            Stop-Timed $run | Should -BeLessThan 1
            $run.PowerShell.InvocationStateInfo.State | Should -Be 'Stopped'
        } finally {
            $run.PowerShell.Dispose()
        }
        # Stop() returns once the pipeline has ended, and the follower is awaited before it does: nothing to wait for.
        @(Get-OpenFile $log).Count | Should -Be 0 -Because 'the follower closed the log'
        Wait-CallsInFlight $baseline | Should -Be $baseline -Because 'no status poll of the follower is left running'
    }

    It 'an event stream: returns within 1 s and ends the stream on the wire' {
        # containerd 1.6 (the private runtime) has no CRI event stream, so a stand-in runtime serves one that stays open
        # and silent, and reports the client's RST_STREAM: the call ended, not merely abandoned by the cmdlet.
        $standIn = Start-CriStandIn -Path (Join-Path ([IO.Path]::GetTempPath()) "crips-events-$PID.sock")
        try {
            $run = Start-InRunspace "Get-CriEvent -RuntimeEndpoint '$($standIn.Path)'"
            try {
                $deadline = [datetime]::UtcNow.AddSeconds(10)
                while (-not $standIn.State.EventsOpened -and -not $run.Async.IsCompleted -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
                $standIn.State.EventsOpened | Should -BeTrue -Because 'Get-CriEvent opened the stream'
                $run.Async.IsCompleted | Should -BeFalse -Because 'it listens until stopped'
                Wait-CallsInFlight $baseline { param($now) $now -gt $baseline } | Should -BeGreaterThan $baseline -Because 'the measure sees the open stream'
                $standIn.State.EventsReset | Should -BeFalse -Because 'nothing has ended the stream yet'

                Stop-Timed $run | Should -BeLessThan 1
                $run.PowerShell.InvocationStateInfo.State | Should -Be 'Stopped'
            } finally {
                $run.PowerShell.Dispose()
            }
            $deadline = [datetime]::UtcNow.AddSeconds(3)
            while (-not $standIn.State.EventsReset -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
            $standIn.State.EventsReset | Should -BeTrue -Because 'the client cancelled the stream (RST_STREAM)'
            Wait-CallsInFlight $baseline | Should -Be $baseline -Because 'no gRPC call of the event stream is left running'
            $standIn.State.Error | Should -BeNullOrEmpty
        } finally {
            Stop-CriStandIn $standIn
        }
    }
}
