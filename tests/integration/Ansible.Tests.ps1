BeforeDiscovery {
    . $PSScriptRoot/TestFixture.ps1
    # The playbooks of examples/ansible run with Debian's ansible-core (tests/runtime/ensure-ansible.sh installs it
    # as root), connection local, against the private runtime and two prepared Docker nodes.
    $isRoot = (& id -u) -eq '0'
    $AnsibleSkipReason = if (-not $isRoot -and -not (Get-Command ansible-playbook -ErrorAction Ignore)) { 'ansible-playbook is missing and installing ansible-core needs root' }
                         elseif (-not $IsPrivateRuntime) { 'the playbooks are tested against the private runtime (CRIPS_TEST_PRIVATE_RUNTIME=1)' }
    # The Docker nodes of the rollout need root themselves. Three plays on two nodes take minutes, not the seconds
    # the suite allows a file: the rollout runs when asked for (README.md, "Ansible runbooks").
    $RolloutSkipReason = if ($AnsibleSkipReason) { $AnsibleSkipReason } elseif (-not $isRoot) { 'the Docker nodes need root' }
                         elseif ($env:CRIPS_TEST_ANSIBLE_ROLLOUT -ne '1') { 'the rolling conversion takes minutes: set CRIPS_TEST_ANSIBLE_ROLLOUT=1 to run it' }
    if ($AnsibleSkipReason) { Write-Host "Ansible.Tests.ps1 skipped: $AnsibleSkipReason" }
    elseif ($RolloutSkipReason) { Write-Host "Ansible.Tests.ps1 rollout skipped: $RolloutSkipReason" }
}

BeforeAll {
    . $PSScriptRoot/TestFixture.ps1
    $examples = Join-Path $PSScriptRoot '../../examples/ansible'

    function Initialize-Ansible {
        $path = & bash (Join-Path $PSScriptRoot '../runtime/ensure-ansible.sh') 2>&1 | Select-Object -Last 1
        if ($LASTEXITCODE -ne 0) { throw "ensure-ansible.sh failed: $path" }
        "$path"
    }

    function Invoke-Playbook([string] $Playbook, [string] $Directory, [Collections.IDictionary] $Hosts, [hashtable] $ExtraVars) {
        # Inventory and extra vars are written as JSON (which Ansible reads as YAML): no value is ever parsed
        # from a command line. Every host runs locally, with Debian's python.
        $inventory = @{ all = @{ children = @{ crips_nodes = @{
            hosts = $Hosts
            vars  = @{ ansible_connection = 'local'; ansible_python_interpreter = '/usr/bin/python3' } } } } }
        $inventoryPath = Join-Path $Directory 'inventory.json'
        $varsPath = Join-Path $Directory 'vars.json'
        ConvertTo-Json -InputObject $inventory -Depth 10 | Set-Content -LiteralPath $inventoryPath
        ConvertTo-Json -InputObject $ExtraVars -Depth 10 | Set-Content -LiteralPath $varsPath
        # ansible-core needs a UTF-8 locale; its temporary files stay in the test's directory.
        $output = & env LC_ALL=C.UTF-8 ANSIBLE_NOCOLOR=1 ANSIBLE_LOCAL_TEMP="$Directory/ansible-local" ANSIBLE_REMOTE_TMP="$Directory/ansible-remote" `
            $script:AnsiblePlaybook -i $inventoryPath -e "@$varsPath" (Join-Path $examples $Playbook) 2>&1
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output | ForEach-Object { "$_" }) -join "`n" }
    }

    function Get-Recap([string] $Output, [string] $HostName) {
        # The PLAY RECAP line of a host, e.g. 'ok=7 changed=4 unreachable=0 failed=0 skipped=1 rescued=0 ignored=0'.
        if ($Output -match "(?m)^$([regex]::Escape($HostName))\s+:\s+(.*?)\s*$") { $Matches[1] -replace '\s+', ' ' }
    }
}

Describe 'examples/ansible/gather-containers.yml' -Skip:([bool]$AnsibleSkipReason) {
    BeforeAll {
        $script:AnsiblePlaybook = Initialize-Ansible
        $prefix = New-TestPrefix
        $work = Join-Path ([IO.Path]::GetTempPath()) "$prefix-ansible"
        $null = New-Item -ItemType Directory -Force $work
        $null = Invoke-CriImagePull -RuntimeEndpoint $Endpoint -Image $TestImage
        $pod = New-CriPod -RuntimeEndpoint $Endpoint -Name gathered -Namespace "$prefix-ns"
        $running = New-CriContainer -RuntimeEndpoint $Endpoint -PodId $pod.Id -Name running -Image $TestImage -Command sleep -Argument 300
        Start-CriContainer -RuntimeEndpoint $Endpoint -Id $running.Id
        $created = New-CriContainer -RuntimeEndpoint $Endpoint -PodId $pod.Id -Name created -Image $TestImage -Command sleep -Argument 300

        # A host on the private runtime and one whose runtime socket does not exist; in this order (the run_once
        # task that creates the report directory counts for the first host only).
        $missingSocket = "unix://$work/no-runtime.sock"
        $run = Invoke-Playbook -Playbook gather-containers.yml -Directory $work -Hosts ([ordered]@{
            node1  = @{ crips_runtime_endpoint = $Endpoint }
            broken = @{ crips_runtime_endpoint = $missingSocket }
        }) -ExtraVars @{ crips_pwsh = Get-PwshCommand; crips_module = $env:CRIPS_MODULE_PATH; crips_report_dir = "$work/reports" }
    }
    AfterAll {
        Remove-TestPods $prefix
        Remove-Item -Recurse -Force -ErrorAction SilentlyContinue $work
    }

    It 'writes every container of a ready node as JSON on the controller, in a file named after the host' {
        Get-Recap $run.Output node1 | Should -Be 'ok=7 changed=4 unreachable=0 failed=0 skipped=2 rescued=0 ignored=0' -Because $run.Output
        $containers = Get-Content -Raw "$work/reports/node1.json" | ConvertFrom-Json
        $ours = @($containers | Where-Object PodNamespace -eq "$prefix-ns" | Sort-Object Name)
        $ours.Name | Should -Be 'created', 'running'
        $ours.Id | Should -Be $created.Id, $running.Id
        $ours.State | Should -Be 'Created', 'Running'
        $ours.PodId | Should -Be $pod.Id, $pod.Id
        $ours.Image | Should -Be $TestImage, $TestImage
        $ours.RuntimeEndpoint | Should -Be $Endpoint, $Endpoint
        # Every container of the runtime, not only ours: the same count the module sees.
        @($containers).Count | Should -Be @(Get-CriContainer -RuntimeEndpoint $Endpoint -All).Count
        $run.Output | Should -Match ([regex]::Escape("`"msg`": `"$(@($containers).Count) containers from containerd "))
    }

    It 'fails the host whose runtime does not answer, with the reason, and leaves no file for it' {
        $run.ExitCode | Should -Be 2
        Get-Recap $run.Output broken | Should -Be 'ok=3 changed=2 unreachable=0 failed=1 skipped=0 rescued=0 ignored=0'
        $run.Output | Should -Match ([regex]::Escape("fatal: [broken]: FAILED! => {`"changed`": false, `"msg`": `"Get-CriRuntimeInfo failed (exit code 1): "))
        $run.Output | Should -Match ([regex]::Escape("Cannot reach the container runtime at $missingSocket"))
        Test-Path "$work/reports/broken.json" | Should -BeFalse
        # The play removed its temporary files on every node, the failed one included.
        Get-ChildItem ([IO.Path]::GetTempPath()) -Filter 'ansible.*.crips-containers.json' | Should -BeNullOrEmpty
    }
}

Describe 'examples/ansible/convert-nodes.yml: a rolling conversion of two Docker nodes' -Skip:([bool]$RolloutSkipReason) {
    BeforeAll {
        $script:AnsiblePlaybook = Initialize-Ansible
        $work = Join-Path ([IO.Path]::GetTempPath()) "$(New-TestPrefix)-rollout"
        $null = New-Item -ItemType Directory -Force $work
        # Both nodes come up at once (each takes seconds of dockerd and image loading). Their directories are
        # <prefix>1 and <prefix>2; a second engineer's run can choose other ones.
        $fixture = Join-Path $PSScriptRoot 'NodeFixture.psm1'
        $nodePrefix = if ($env:CRIPS_TEST_ANSIBLE_NODE_DIR) { $env:CRIPS_TEST_ANSIBLE_NODE_DIR } else { '/tmp/crips-ans-node' }
        $nodes = @(@{ Name = 'node1'; Style = '1.26'; Directory = "${nodePrefix}1" }, @{ Name = 'node2'; Style = '1.28'; Directory = "${nodePrefix}2" }) |
            ForEach-Object -ThrottleLimit 2 -Parallel {
                Import-Module $using:fixture
                $node = Start-CripsNode -Style $_.Style -Directory $_.Directory
                $node | Add-Member -NotePropertyName Name -NotePropertyValue $_.Name -PassThru
            } | Sort-Object Name
        $node1, $node2 = $nodes
        Import-Module $fixture -Force
        $registry = $node1.CRIPS_NODE_REGISTRY
        $hosts = [ordered]@{}
        foreach ($node in $nodes) {
            $hosts[$node.Name] = @{
                crips_root             = $node.CRIPS_NODE_ROOT
                crips_runtime_endpoint = $node.CRIPS_NODE_CONTAINERD_ENDPOINT
                crips_docker_endpoint  = $node.CRIPS_NODE_DOCKER_ENDPOINT
                # The node's systemctl and kubelet doubles come first on its PATH.
                crips_environment      = @{ PATH = "$($node.CRIPS_NODE_BIN):$env:PATH" }
            }
        }
        # Images are not moved: Conversion.Tests.ps1 covers that, and this file tests the rollout, fast.
        $vars = @{ crips_pwsh = Get-PwshCommand; crips_module = $env:CRIPS_MODULE_PATH; crips_report_dir = "$work/reports"; crips_migrate_images = 'None' }
        function Get-Report([string] $Name) { Get-Content -Raw "$work/reports/$Name-conversion.json" | ConvertFrom-Json }
        function Get-StepStatus($Report) { ($Report.Steps | ForEach-Object { "$($_.Name)=$($_.Status)" }) -join ' ' }
    }
    AfterAll {
        foreach ($node in $nodes) { if ($node) { Stop-CripsNode -Node $node -Purge } }
        Remove-Item -Recurse -Force -ErrorAction SilentlyContinue $work
    }

    It 'shows the plan of every node with crips_whatif and changes nothing' {
        $run = Invoke-Playbook -Playbook convert-nodes.yml -Directory $work -Hosts $hosts -ExtraVars ($vars + @{ crips_whatif = $true })
        $run.ExitCode | Should -Be 0 -Because $run.Output
        foreach ($node in $nodes) {
            (Get-Report $node.Name).Outcome | Should -Be 'Planned'
            Compare-CripsNodeTree -Node $node | Should -BeNullOrEmpty
            Get-CripsNodeSystemctlLog -Node $node -Clear | Where-Object { $_ -notlike 'is-*' } | Should -BeNullOrEmpty
        }
        $run.Output | Should -Match ([regex]::Escape('What if: [StopServices] Run: systemctl disable --now docker.service'))
        Remove-Item "$work/reports" -Recurse
    }

    It 'stops the rollout at the first node whose postflight fails: the second node is not touched' {
        $run = Invoke-Playbook -Playbook convert-nodes.yml -Directory $work -Hosts $hosts -ExtraVars ($vars + @{ crips_verify_pull = @("$registry/crips/missing:1") })
        $run.ExitCode | Should -Be 2 -Because $run.Output

        $report = Get-Report node1
        $report.Outcome | Should -Be 'Failed'
        Get-StepStatus $report | Should -Be ('Preflight=Done Backup=Done Drain=Manual Images=Skipped StopServices=Done ContainerdConfig=Done ' +
            'DockerSettings=Done Kubelet=Done StartServices=Done Postflight=Failed Uncordon=Pending')
        ($report.Steps | Where-Object Name -eq Postflight).Details | Should -Contain 'ok: RuntimeReady'
        @(($report.Steps | Where-Object Name -eq Postflight).Details -like "FAILED: pull $registry/crips/missing:1: *").Count | Should -Be 1
        $run.Output | Should -Match ([regex]::Escape("fatal: [node1]: FAILED! => {`"changed`": false, `"msg`": `"node1: Failed. Postflight failed: "))
        $run.Output | Should -Match 'go back with: Convert-DockerNodeToContainerd -Rollback'
        Get-Recap $run.Output node1 | Should -Match 'failed=1'
        Get-Recap $run.Output node2 | Should -BeNullOrEmpty

        # node2: no report, no state file, not one file or service call changed.
        Test-Path "$work/reports/node2-conversion.json" | Should -BeFalse
        Test-Path "$($node2.CRIPS_NODE_ROOT)/var/lib/crips" | Should -BeFalse
        Compare-CripsNodeTree -Node $node2 | Should -BeNullOrEmpty
        Get-CripsNodeSystemctlLog -Node $node2 | Where-Object { $_ -notlike 'is-*' } | Should -BeNullOrEmpty
    }

    It 'run again, resumes the first node at its postflight and converts the second: containerd serves CRI on both' {
        $run = Invoke-Playbook -Playbook convert-nodes.yml -Directory $work -Hosts $hosts -ExtraVars $vars
        $run.ExitCode | Should -Be 0 -Because $run.Output

        $report1 = Get-Report node1
        $report1.Outcome | Should -Be 'Converted'
        Get-StepStatus $report1 | Should -Be ('Preflight=DoneBefore Backup=DoneBefore Drain=Manual Images=Skipped StopServices=DoneBefore ' +
            'ContainerdConfig=DoneBefore DockerSettings=DoneBefore Kubelet=DoneBefore StartServices=DoneBefore Postflight=Done Uncordon=Manual')
        $report2 = Get-Report node2
        $report2.Outcome | Should -Be 'Converted'
        Get-StepStatus $report2 | Should -Be ('Preflight=Done Backup=Done Drain=Manual Images=Skipped StopServices=Done ContainerdConfig=Done ' +
            'DockerSettings=Done Kubelet=Done StartServices=Done Postflight=Done Uncordon=Manual')
        foreach ($node in $nodes) {
            Get-Recap $run.Output $node.Name | Should -Match 'changed=\d+ unreachable=0 failed=0'
            $info = Get-CriRuntimeInfo -RuntimeEndpoint $node.CRIPS_NODE_CONTAINERD_ENDPOINT
            $info.RuntimeName | Should -Be 'containerd'
            $info.RuntimeApiVersion | Should -Be 'v1'
            $info.RuntimeReady | Should -BeTrue
            $info.SandboxImage | Should -Be $node.CRIPS_NODE_SANDBOX_IMAGE
        }
        # The outcome line is a change exactly when the node converted.
        $run.Output | Should -Match ([regex]::Escape("changed: [node2] => {`n    `"msg`": `"Converted: Preflight=Done"))
    }

    It 'gather fails a converted node whose runtime is up but not ready (no CNI config), with its reason' {
        # containerd watches its CNI config directory: without a network config it reports NetworkReady false.
        $ep = $node1.CRIPS_NODE_CONTAINERD_ENDPOINT
        $netDir = "$($node1.CRIPS_NODE_ROOT)/etc/cni/net.d"
        $aside = "$work/net.d.aside"
        $null = New-Item -ItemType Directory -Force $aside
        Get-ChildItem $netDir | Move-Item -Destination $aside
        try {
            $deadline = [datetime]::UtcNow.AddSeconds(20)
            while ((Get-CriRuntimeInfo -RuntimeEndpoint $ep).NetworkReady -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
            $info = Get-CriRuntimeInfo -RuntimeEndpoint $ep
            $info.NetworkReady | Should -BeFalse
            $run = Invoke-Playbook -Playbook gather-containers.yml -Directory $work -Hosts ([ordered]@{ node1 = @{ crips_runtime_endpoint = $ep } }) -ExtraVars $vars
        } finally {
            Get-ChildItem $aside | Move-Item -Destination $netDir
        }
        $run.ExitCode | Should -Be 2 -Because $run.Output
        $info.NetworkReadyReason | Should -Not -BeNullOrEmpty
        $network = (@('NetworkReady=False', $info.NetworkReadyReason, $info.NetworkReadyMessage) | Where-Object { $_ }) -join ' '
        $run.Output | Should -Match ([regex]::Escape("is not ready: RuntimeReady=True; $network`""))
        Test-Path "$work/reports/node1.json" | Should -BeFalse
    }
}
