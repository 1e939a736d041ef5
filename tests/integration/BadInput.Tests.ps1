BeforeDiscovery { . $PSScriptRoot/TestFixture.ps1 }

# One table of bad inputs across the Cri and Containerd cmdlets: each row must fail with exactly its ErrorId, category
# and failing item (TargetObject), from a CriPS cmdlet (never a crash elsewhere), and return (never hang): every call
# that may wait carries a short -TimeoutSec. Needs says what a row uses: Runtime (any CRI runtime), Containerd (its own
# socket), Private (the private runtime's registry), Node (a prepared Docker node: Docker's API socket, a containerd
# with CRI disabled), NonRoot (setpriv, to run a child pwsh as nobody). Rows whose needs are missing are skipped.
# Target may be a script block, evaluated after the command ran (for ids and paths the fixture makes); Message, where
# given, is a pattern the message must match (where the same ErrorId has causes worth telling apart).
Describe 'Bad input' {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        Import-Module $PSScriptRoot/NodeFixture.psm1 -Force
        $isRoot = $IsLinux -and (& id -u) -eq '0'
        $have = @{
            Runtime    = -not $NoRuntime
            Containerd = -not $NoContainerd
            Private    = $IsPrivateRuntime
            Node       = $IsPrivateRuntime -and $isRoot -and (Get-Command dockerd -ErrorAction SilentlyContinue)
            NonRoot    = $isRoot -and [bool](Get-Command setpriv -ErrorAction SilentlyContinue)
        }
        $missing = '/nonexistent/crips/containerd.sock'
        $work = New-Item -ItemType Directory -Force (Join-Path ([IO.Path]::GetTempPath()) "crips-bad-$PID")

        # The Docker node starts in the background (it takes seconds) while the other rows run; its rows come last.
        $nodeState = @{ Job = $null; Node = $null }
        $nodeState.Job = if ($have.Node) {
            $nodeDir = if ($env:CRIPS_RUNTIME_DIR) { "$($env:CRIPS_RUNTIME_DIR)-node" } else { '/tmp/crips-node-bad' }
            Start-ThreadJob -ArgumentList "$PSScriptRoot/NodeFixture.psm1", $nodeDir {
                param($fixture, $dir)
                Import-Module $fixture
                Start-CripsNode -Style 1.26 -Directory $dir
            }
        }

        # Peers that are not runtimes: one answering as an HTTP/1 server does, one that never answers, one root-only.
        $http1 = New-Http1Listener bad-http1
        $silent = New-UnixListener bad-silent
        $rootOnly = New-UnixListener bad-root
        & chmod 600 $rootOnly.Path
        # A socket file nobody listens on any more (a runtime that died without removing it).
        $stalePath = Join-Path $work 'stale.sock'
        $stale = [System.Net.Sockets.Socket]::new('Unix', 'Stream', 'Unspecified')
        $stale.Bind([System.Net.Sockets.UnixDomainSocketEndPoint]::new($stalePath))
        $stale.Close()
        $plainFile = Join-Path $work 'plain.txt'
        Set-Content $plainFile 'not a socket, not a tar archive'
        $badYaml = Join-Path $work 'crictl.yaml'
        Set-Content $badYaml "runtime-endpoint: [unclosed`n"
        $badAuth = Join-Path $work 'config.json'
        Set-Content $badAuth 'this is not json'
        $badConfig = @{ metadata = @{ name = 'web' }; port_mapings = @() }

        # A pod with a 100 KB annotation makes ListPodSandbox's reply larger than a 64 KiB receive limit; its
        # containers (created, never started) give an ambiguous id prefix: of 17 ids two share a first digit.
        $prefix = New-TestPrefix
        $ambiguous = $created = $null
        if ($have.Runtime) {
            $null = Invoke-CriImagePull -RuntimeEndpoint $Endpoint -Image $TestImage
            $pod = New-CriPod -RuntimeEndpoint $Endpoint -Name big -Namespace $prefix -LogDirectory (New-TestLogDirectory $prefix) `
                -Annotation @{ 'crips.test/padding' = 'x' * 100KB }
            $ids = [Collections.Generic.List[string]]::new()
            while (-not $ambiguous) {
                $c = New-CriContainer -RuntimeEndpoint $Endpoint -PodId $pod.Id -Name "c$($ids.Count)" -Image $TestImage -Command sleep -Argument 600
                $ambiguous = $ids | Where-Object { $_[0] -eq $c.Id[0] } | ForEach-Object { "$($_[0])" } | Select-Object -First 1
                $ids.Add($c.Id)
            }
            $created = $ids[0]
        }

        function Invoke-WithEnvironment([hashtable] $Variables, [scriptblock] $Script) {
            # Process-wide variables, restored however the script ends.
            $saved = @{}
            foreach ($name in $Variables.Keys) {
                $saved[$name] = [Environment]::GetEnvironmentVariable($name)
                [Environment]::SetEnvironmentVariable($name, $Variables[$name])
            }
            try { & $Script } finally {
                foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
            }
        }

        function Invoke-AsNobody([string] $Script) {
            # A child pwsh as uid 65534. Its one capability, DAC_READ_SEARCH, only lets it read pwsh and the module
            # (they may sit below /root); opening a socket needs write access, which it does not have.
            $nobodyHome = New-Item -ItemType Directory -Force (Join-Path $work 'nobody')
            & chown 65534 $nobodyHome
            $pwsh = Get-PwshCommand
            # The child times the command itself: starting pwsh on a loaded host is no part of "it returns".
            $probe = "Import-Module '$env:CRIPS_MODULE_PATH'; `$w = [Diagnostics.Stopwatch]::StartNew(); try { $Script } catch { `$_.FullyQualifiedErrorId; [string] `$_.CategoryInfo.Category; [string] `$_.TargetObject; `$_.Exception.Message -replace '\s+', ' '; `$w.Elapsed.TotalSeconds }"
            $out = & env "HOME=$nobodyHome" setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+dac_read_search `
                --ambient-caps=+dac_read_search --bounding-set=-all,+dac_read_search @pwsh -NoProfile -NonInteractive -Command $probe 2>&1
            if ($out.Count -ne 5) { throw "The child as nobody did not fail as expected: $($out -join ' | ')" }
            # The error record the child saw, rebuilt here (with its fully qualified id) for the table's assertions.
            $record = [Management.Automation.ErrorRecord]::new([Exception]::new("$($out[3])"), "$($out[0])", [Management.Automation.ErrorCategory] "$($out[1])", "$($out[2])")
            $record | Add-Member -NotePropertyName CommandSeconds -NotePropertyValue ([double] "$($out[4])") -PassThru
        }
    }
    AfterAll {
        Remove-UnixListener $http1
        Remove-UnixListener $silent
        Remove-UnixListener $rootOnly
        if ($have.Runtime) { Remove-TestPods $prefix }
        if ($nodeState.Job) {
            $nodeState.Node = $nodeState.Job | Receive-Job -Wait -AutoRemoveJob -ErrorAction SilentlyContinue
        }
        if ($nodeState.Node) { Stop-CripsNode -Node $nodeState.Node -Purge }
        Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
    }

    It '<Case>: <ErrorId>' -ForEach @(
        # --- endpoints that are garbage: refused before any call
        @{ Case = 'endpoint that is no address'; Command = { Get-CriContainer -RuntimeEndpoint garbage }
           ErrorId = 'CriInvalidEndpoint'; Category = 'InvalidArgument'; Target = 'garbage' }
        @{ Case = 'endpoint with an HTTP scheme'; Command = { Get-CriImage -RuntimeEndpoint 'http://localhost:80' }
           ErrorId = 'CriInvalidEndpoint'; Category = 'InvalidArgument'; Target = 'http://localhost:80' }
        @{ Case = 'tcp endpoint without a port'; Command = { Get-CriPod -RuntimeEndpoint 'tcp://nohostport' }
           ErrorId = 'CriInvalidEndpoint'; Category = 'InvalidArgument'; Target = 'tcp://nohostport' }
        @{ Case = 'tcp port out of range'; Command = { Get-CriRuntimeInfo -RuntimeEndpoint 'tcp://127.0.0.1:99999' }
           ErrorId = 'CriInvalidEndpoint'; Category = 'InvalidArgument'; Target = 'tcp://127.0.0.1:99999' }
        @{ Case = 'unix:// without a path'; Command = { Get-CriContainer -RuntimeEndpoint 'unix://' }
           ErrorId = 'CriInvalidEndpoint'; Category = 'InvalidArgument'; Target = 'unix://' }
        @{ Case = 'socket path over 107 bytes'; Command = { Get-CriPod -RuntimeEndpoint ('/tmp/' + 'a' * 120) }
           ErrorId = 'CriInvalidEndpoint'; Category = 'InvalidArgument'; Target = ('/tmp/' + 'a' * 120) }
        @{ Case = 'containerd address that is no address'; Command = { Get-ContainerdNamespace -Address garbage }
           ErrorId = 'CriInvalidEndpoint'; Category = 'InvalidArgument'; Target = 'garbage' }
        # --- endpoints that exist but serve nothing, or not CRI
        @{ Case = 'missing socket'; Command = { Get-CriContainer -RuntimeEndpoint $missing -TimeoutSec 2 }
           ErrorId = 'CriRuntimeUnavailable'; Category = 'ConnectionError'; Target = { "unix://$missing" } }
        @{ Case = 'missing containerd socket'; Command = { Get-ContainerdVersion -Address $missing -TimeoutSec 2 }
           ErrorId = 'CriRuntimeUnavailable'; Category = 'ConnectionError'; Target = { "unix://$missing" } }
        @{ Case = 'directory as endpoint'; Command = { Get-CriPod -RuntimeEndpoint $work.FullName -TimeoutSec 2 }
           ErrorId = 'CriRuntimeUnavailable'; Category = 'ConnectionError'; Target = { "unix://$($work.FullName)" } }
        @{ Case = 'regular file as endpoint'; Command = { Get-CriRuntimeInfo -RuntimeEndpoint $plainFile -TimeoutSec 2 }
           ErrorId = 'CriRuntimeUnavailable'; Category = 'ConnectionError'; Target = { "unix://$plainFile" } }
        @{ Case = 'socket file nobody listens on'; Command = { Get-CriImage -RuntimeEndpoint $stalePath -TimeoutSec 2 }
           ErrorId = 'CriRuntimeUnavailable'; Category = 'ConnectionError'; Target = { "unix://$stalePath" } }
        @{ Case = 'tcp port nobody listens on'; Command = { Get-CriPod -RuntimeEndpoint 'tcp://127.0.0.1:1' -TimeoutSec 2 }
           ErrorId = 'CriRuntimeUnavailable'; Category = 'ConnectionError'; Target = 'tcp://127.0.0.1:1' }
        @{ Case = 'HTTP/1 server'; Command = { Get-CriContainer -RuntimeEndpoint $http1.Path -TimeoutSec 5 }
           ErrorId = 'CriNotARuntime'; Category = 'ProtocolError'; Target = { "unix://$($http1.Path)" } }
        @{ Case = 'HTTP/1 server as containerd'; Command = { Get-ContainerdNamespace -Address $http1.Path -TimeoutSec 5 }
           ErrorId = 'CriNotARuntime'; Category = 'ProtocolError'; Target = { "unix://$($http1.Path)" } }
        @{ Case = 'peer that never answers'; Command = { Get-CriPod -RuntimeEndpoint $silent.Path -TimeoutSec 1 }
           ErrorId = 'CriTimeout'; Category = 'OperationTimeout'; Target = { "unix://$($silent.Path)" } }
        @{ Case = 'socket the user may not open'; Needs = 'NonRoot'; Command = { Invoke-AsNobody "Get-CriPod -RuntimeEndpoint '$($rootOnly.Path)' -TimeoutSec 2" }
           ErrorId = 'CriPermissionDenied'; Category = 'PermissionDenied'; Target = { "unix://$($rootOnly.Path)" } }
        # --- settings from the environment
        @{ Case = 'receive limit that is no number'; Command = { Invoke-WithEnvironment @{ CRIPS_MAX_RECEIVE_BYTES = 'lots' } { Get-CriPod -RuntimeEndpoint $missing -TimeoutSec 2 } }
           ErrorId = 'CriInvalidReceiveLimit'; Category = 'InvalidArgument'; Target = 'lots' }
        @{ Case = 'reply over the receive limit'; Needs = 'Runtime'
           Command = { Invoke-WithEnvironment @{ CRIPS_MAX_RECEIVE_BYTES = '65536' } { Get-CriPod -RuntimeEndpoint $Endpoint -TimeoutSec 5 } }
           ErrorId = 'CriReplyTooLarge'; Category = 'LimitsExceeded'; Target = { if ($Endpoint -like '/*') { "unix://$Endpoint" } else { $Endpoint } } }
        @{ Case = 'crictl config file that is not YAML'
           Command = { Invoke-WithEnvironment @{ CRI_CONFIG_FILE = $badYaml; CONTAINER_RUNTIME_ENDPOINT = $null } { Get-CriPod -TimeoutSec 2 } }
           ErrorId = 'CriInvalidConfigFile'; Category = 'InvalidData'; Target = { $badYaml } }
        # --- image references and images (a pull's references and auth file are read per image, after the runtime answered)
        @{ Case = 'image reference with blanks'; Needs = 'Runtime'; Command = { Invoke-CriImagePull -Image 'Not A/Reference!' -RuntimeEndpoint $Endpoint -TimeoutSec 5 }
           ErrorId = 'CriInvalidImageReference'; Category = 'InvalidArgument'; Target = 'Not A/Reference!' }
        @{ Case = 'image reference with an empty tag'; Needs = 'Runtime'; Command = { Invoke-CriImagePull -Image 'busybox:' -RuntimeEndpoint $Endpoint -TimeoutSec 5 }
           ErrorId = 'CriInvalidImageReference'; Category = 'InvalidArgument'; Target = 'busybox:' }
        @{ Case = 'image reference with a short digest'; Needs = 'Runtime'; Command = { Invoke-CriImagePull -Image 'busybox@sha256:abc' -RuntimeEndpoint $Endpoint -TimeoutSec 5 }
           ErrorId = 'CriInvalidImageReference'; Category = 'InvalidArgument'; Target = 'busybox@sha256:abc' }
        @{ Case = 'import under a malformed name'; Command = { Import-ContainerdImage -Path $plainFile -Name 'Not A/Reference!' -Address $missing }
           ErrorId = 'CriInvalidImageReference'; Category = 'InvalidArgument'; Target = 'Not A/Reference!' }
        @{ Case = 'auth file that is not JSON'; Needs = 'Runtime'; Command = { Invoke-CriImagePull -Image 'busybox' -AuthFile $badAuth -RuntimeEndpoint $Endpoint -TimeoutSec 5 }
           ErrorId = 'CriInvalidAuthFile'; Category = 'InvalidData'; Target = { $badAuth } }
        @{ Case = 'image the registry does not have'; Needs = 'Private'
           Command = { Invoke-CriImagePull -Image "$(($TestImage -split '/')[0])/crips/none:1" -RuntimeEndpoint $Endpoint -TimeoutSec 10 -PullTimeoutSec 10 }
           ErrorId = 'CriImagePullFailed'; Category = 'ObjectNotFound'; Target = { "$(($TestImage -split '/')[0])/crips/none:1" } }
        @{ Case = 'registry nobody listens on'; Needs = 'Runtime'; Command = { Invoke-CriImagePull -Image '127.0.0.1:1/crips/none:1' -RuntimeEndpoint $Endpoint -TimeoutSec 10 -PullTimeoutSec 10 }
           ErrorId = 'CriImagePullFailed'; Category = 'ResourceUnavailable'; Target = '127.0.0.1:1/crips/none:1' }
        @{ Case = 'removing an image that is not there'; Needs = 'Runtime'; Command = { Remove-CriImage -Name 'example.invalid/none:1' -Force -RuntimeEndpoint $Endpoint -TimeoutSec 5 }
           ErrorId = 'CriImageNotFound'; Category = 'ObjectNotFound'; Target = 'example.invalid/none:1' }
        @{ Case = 'removing a containerd image that is not there'; Needs = 'Containerd'; Command = { Remove-ContainerdImage -Name 'example.invalid/none:1' -Address $ContainerdAddress -TimeoutSec 5 }
           ErrorId = 'ContainerdImageNotFound'; Category = 'ObjectNotFound'; Target = 'example.invalid/none:1' }
        @{ Case = 'importing what is not a tar archive'; Needs = 'Containerd'; Command = { Import-ContainerdImage -LiteralPath $plainFile -Address $ContainerdAddress -TimeoutSec 5 }
           ErrorId = 'ContainerdArchiveNotTar'; Category = 'InvalidData'; Target = { $plainFile } }
        @{ Case = 'importing an archive that is not there'; Needs = 'Containerd'; Command = { Import-ContainerdImage -Path (Join-Path $work 'none.tar') -Address $ContainerdAddress -TimeoutSec 5 }
           ErrorId = 'ContainerdArchiveNotFound'; Category = 'ObjectNotFound'; Target = { Join-Path $work 'none.tar' } }
        # --- unknown and ambiguous ids
        @{ Case = 'unknown container id'; Needs = 'Runtime'; Command = { Get-CriContainer -Id 'fffffffffffffff' -All -RuntimeEndpoint $Endpoint -TimeoutSec 5 }
           ErrorId = 'CriContainerNotFound'; Category = 'ObjectNotFound'; Target = 'fffffffffffffff' }
        @{ Case = 'blank container id'; Needs = 'Runtime'; Command = { Get-CriContainer -Id ' ' -All -RuntimeEndpoint $Endpoint -TimeoutSec 5 }
           ErrorId = 'CriContainerInvalidId'; Category = 'InvalidArgument'; Target = ' ' }
        @{ Case = 'unknown pod id to stop'; Needs = 'Runtime'; Command = { Stop-CriPod -PodId 'fffffffffffffff' -RuntimeEndpoint $Endpoint -TimeoutSec 5 }
           ErrorId = 'CriPodNotFound'; Category = 'ObjectNotFound'; Target = 'fffffffffffffff' }
        @{ Case = 'unknown container id to stop'; Needs = 'Runtime'; Command = { Stop-CriContainer -Id 'fffffffffffffff' -RuntimeEndpoint $Endpoint -TimeoutSec 5 }
           ErrorId = 'CriContainerNotFound'; Category = 'ObjectNotFound'; Target = 'fffffffffffffff' }
        @{ Case = 'unknown pod for a new container'; Needs = 'Runtime'; Command = { New-CriContainer -PodId 'fffffffffffffff' -Name x -Image $TestImage -RuntimeEndpoint $Endpoint -TimeoutSec 5 }
           ErrorId = 'CriPodNotFound'; Category = 'ObjectNotFound'; Target = 'fffffffffffffff' }
        @{ Case = 'unknown pod for stats'; Needs = 'Runtime'; Command = { Get-CriPodStats -PodId 'fffffffffffffff' -RuntimeEndpoint $Endpoint -TimeoutSec 5 }
           ErrorId = 'CriPodNotFound'; Category = 'ObjectNotFound'; Target = 'fffffffffffffff' }
        @{ Case = 'ambiguous container id to remove'; Needs = 'Runtime'; Command = { Remove-CriContainer -Id $ambiguous -Force -RuntimeEndpoint $Endpoint -TimeoutSec 5 }
           ErrorId = 'CriContainerAmbiguousId'; Category = 'InvalidArgument'; Target = { $ambiguous } }
        @{ Case = 'ambiguous container id for logs'; Needs = 'Runtime'; Command = { Get-CriContainerLog -Id $ambiguous -RuntimeEndpoint $Endpoint -TimeoutSec 5 }
           ErrorId = 'CriContainerAmbiguousId'; Category = 'InvalidArgument'; Target = { $ambiguous } }
        @{ Case = 'command in a container never started'; Needs = 'Runtime'; Command = { Invoke-CriContainerCommand -Id $created -Command true -RuntimeEndpoint $Endpoint -TimeoutSec 5 }
           ErrorId = 'CriContainerNotRunning'; Category = 'InvalidOperation'; Target = { $created } }
        @{ Case = 'previous log of a first attempt'; Needs = 'Runtime'; Command = { Get-CriContainerLog -Id $created -Previous -RuntimeEndpoint $Endpoint -TimeoutSec 5 }
           ErrorId = 'CriPreviousContainerNotFound'; Category = 'ObjectNotFound'; Target = { $created } }
        # --- invalid filters and specs
        @{ Case = 'log range that ends before it starts'; Needs = 'Runtime'
           Command = { Get-CriContainerLog -Id $created -Since '2026-01-02' -Until '2026-01-01' -RuntimeEndpoint $Endpoint -TimeoutSec 5 }
           ErrorId = 'CriInvalidTimeRange'; Category = 'InvalidArgument'; Target = { [datetime]'2026-01-02' } }
        @{ Case = 'containerd image filter'; Needs = 'Containerd'; Command = { Get-ContainerdImage -Filter '!!!' -Address $ContainerdAddress -TimeoutSec 5 }
           ErrorId = 'ContainerdInvalidFilter'; Category = 'InvalidArgument'; Target = '!!!' }
        @{ Case = 'second of two containerd container filters'; Needs = 'Containerd'
           Command = { Get-ContainerdContainer -Filter 'image==x', 'labels.=' -Address $ContainerdAddress -TimeoutSec 5 }
           ErrorId = 'ContainerdInvalidFilter'; Category = 'InvalidArgument'; Target = 'labels.=' }
        @{ Case = 'containerd active download filter'; Needs = 'Containerd'; Command = { Get-ContainerdContent -Active -Filter '!!!' -Address $ContainerdAddress -TimeoutSec 5 }
           ErrorId = 'ContainerdInvalidFilter'; Category = 'InvalidArgument'; Target = '!!!' }
        @{ Case = 'containerd plugin filter'; Needs = 'Containerd'; Command = { Get-ContainerdPlugin -Filter '!!!' -Address $ContainerdAddress -TimeoutSec 5 }
           ErrorId = 'ContainerdInvalidFilter'; Category = 'InvalidArgument'; Target = '!!!' }
        @{ Case = 'containerd namespace with blanks'; Needs = 'Containerd'; Command = { Get-ContainerdImage -Namespace 'Bad Namespace!' -Address $ContainerdAddress -TimeoutSec 5 }
           ErrorId = 'ContainerdInvalidNamespace'; Category = 'InvalidArgument'; Target = 'Bad Namespace!' }
        @{ Case = 'port mapping'; Command = { New-CriPod -Name x -PortMapping 'eighty' -RuntimeEndpoint $missing -TimeoutSec 2 }
           ErrorId = 'CriInvalidPortMapping'; Category = 'InvalidArgument'; Target = 'eighty' }
        @{ Case = 'mount'; Needs = 'Runtime'; Command = { New-CriContainer -PodId 'fffffffffffffff' -Name x -Image $TestImage -Mount 'somewhere' -RuntimeEndpoint $Endpoint -TimeoutSec 5 }
           ErrorId = 'CriInvalidMount'; Category = 'InvalidArgument'; Target = 'somewhere' }
        @{ Case = 'pod config with a misspelt field'; Command = { New-CriPod -Config $badConfig -RuntimeEndpoint $missing -TimeoutSec 2 }
           ErrorId = 'CriInvalidPodConfig'; Category = 'InvalidArgument'; Target = { $badConfig } }
        # --- Docker's node: its API socket, and its containerd, which has the CRI plugin disabled
        @{ Case = 'Docker''s API socket'; Needs = 'Node'; Command = { Get-CriPod -RuntimeEndpoint $node.CRIPS_NODE_DOCKER_ENDPOINT -TimeoutSec 5 }
           ErrorId = 'CriNotARuntime'; Category = 'ProtocolError'; Target = { $node.CRIPS_NODE_DOCKER_ENDPOINT }; Message = 'Docker''s API socket is one such case' }
        @{ Case = 'Docker''s API socket as containerd'; Needs = 'Node'; Command = { Get-ContainerdImage -Address $node.CRIPS_NODE_DOCKER_ENDPOINT -TimeoutSec 5 }
           ErrorId = 'CriNotARuntime'; Category = 'ProtocolError'; Target = { $node.CRIPS_NODE_DOCKER_ENDPOINT } }
        @{ Case = 'containerd with its CRI plugin disabled'; Needs = 'Node'; Command = { Get-CriContainer -RuntimeEndpoint $node.CRIPS_NODE_CONTAINERD_ENDPOINT -TimeoutSec 5 }
           ErrorId = 'CriNotARuntime'; Category = 'ProtocolError'; Target = { $node.CRIPS_NODE_CONTAINERD_ENDPOINT }; Message = 'CRI plugin is disabled' }
    ) {
        if ($Needs -and -not $have[$Needs]) {
            Set-ItResult -Skipped -Because "it needs $Needs"
            return
        }
        if ($Needs -eq 'Node' -and -not $nodeState.Node) {
            $job, $nodeState.Job = $nodeState.Job, $null
            $nodeState.Node = $job | Receive-Job -Wait -AutoRemoveJob -ErrorAction Stop
        }
        $node = $nodeState.Node
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $err = Get-ErrorRecord $Command
        $watch.Stop()
        $expected = if ($Target -is [scriptblock]) { & $Target } else { $Target }

        $err | Should -Not -BeNullOrEmpty -Because 'the input is bad'
        $id, $raisedBy = $err.FullyQualifiedErrorId -split ',', 2
        $id | Should -BeExactly $ErrorId
        $raisedBy | Should -BeLike 'CriPS.Cmdlets.*' -Because 'a CriPS cmdlet reports it, nothing crashes on the way'
        [string] $err.CategoryInfo.Category | Should -Be $Category
        if ($expected -is [Collections.IDictionary]) {
            [object]::ReferenceEquals($err.TargetObject, $expected) | Should -BeTrue -Because 'the target is the config that was given'
        } else {
            $err.TargetObject | Should -Be $expected
        }
        if ($Message) { $err.Exception.Message | Should -Match $Message }
        # A bound for "it returns", not a speed target: every waiting call above has a deadline of at most 10 s.
        $seconds = if ($err.PSObject.Properties['CommandSeconds']) { $err.CommandSeconds } else { $watch.Elapsed.TotalSeconds }
        $seconds | Should -BeLessThan 15
    }
}
