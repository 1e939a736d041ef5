BeforeDiscovery { . $PSScriptRoot/TestFixture.ps1 }

Describe 'Pods and containers from crictl configs; mounts, -Pull and binding by object' -Skip:$NoRuntime {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        $PSDefaultParameterValues['*-Cri*:RuntimeEndpoint'] = $Endpoint
        $prefix = New-TestPrefix
        $null = Invoke-CriImagePull -Image $TestImage
        $logs = New-TestLogDirectory "$prefix-cfg"
        $data = New-Item -ItemType Directory (Join-Path $logs 'data')
        Set-Content (Join-Path $data 'file') 'from the host'
        $podYaml = Join-Path $logs 'pod.yaml'
        Set-Content $podYaml @"
metadata:
  name: $prefix-cfg
  namespace: $prefix
  uid: $prefix-uid
hostname: $prefix-host
log_directory: $logs
labels:
  app: cfg
port_mappings:
  - container_port: 80
    host_port: 0
"@
        # crictl's container config: env values are base64 (CRI's KeyValue.value is bytes).
        $containerJson = Join-Path $logs 'ctr.json'
        Set-Content $containerJson (@{
            metadata = @{ name = 'web' }; image = @{ image = $TestImage }
            command = @('sh', '-c', 'echo $GREETING; cat /data/file; hostname; exec sleep 3600')
            envs = @(@{ key = 'GREETING'; value = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes('hello')) })
            log_path = 'web/0.log'
        } | ConvertTo-Json -Depth 4)
        $pod = New-CriPod -Config $podYaml -Label @{ extra = '1' }
    }
    AfterAll { Remove-TestPods $prefix }

    It 'runs a pod from a crictl YAML config, with parameters on top' {
        $pod.Name | Should -Be "$prefix-cfg"
        $pod.Namespace | Should -Be $prefix
        $pod.Uid | Should -Be "$prefix-uid"
        $pod.Labels['app'] | Should -Be 'cfg'
        $pod.Labels['extra'] | Should -Be '1'
        # cri-dockerd keeps no pod config and reports none
        $pod.LogDirectory | Should -Be $(if ($RuntimeName -ne 'docker') { $logs })
    }
    It 'creates a container from a crictl JSON config with a read-only mount, into a pod given as an object' {
        $c = New-CriContainer -PodId $pod -Config $containerJson -Mount "$($data):/data:ro"
        $c.PodId | Should -Be $pod.Id
        $c.Name | Should -Be 'web'
        $c | Start-CriContainer
        $log = Join-Path $logs 'web/0.log'
        $deadline = [datetime]::UtcNow.AddSeconds(10)
        while (@(Get-Content $log -ErrorAction SilentlyContinue).Count -lt 3 -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        (Get-CriContainerLog -Id $c.Id -Raw) | Should -Be 'hello', 'from the host', "$prefix-host"
        (Invoke-CriContainerCommand -Id $c -Command sh, -c, 'touch /data/x 2>&1; echo $?').Stdout | Should -Match 'Read-only file system'
    }
    It 'takes a hashtable config and lets -Name replace its name' {
        $c = New-CriContainer -PodId $pod.Id -Name "$prefix-renamed" -Config @{ metadata = @{ name = 'ignored' }; image = @{ image = $TestImage }; command = @('sleep', '60') }
        $c.Name | Should -Be "$prefix-renamed"
    }
    It 'sends the pod config given to -PodConfig with the container, and makes the log folder it names' -Skip:($Endpoint -notmatch '^(unix://)?/') {
        # The log folder is made for a runtime on this machine only, from the pod config that goes with the container.
        $elsewhere = New-TestLogDirectory "$prefix-given"
        $given = @{ metadata = @{ name = 'any'; namespace = 'any'; uid = 'any' }; log_directory = $elsewhere }
        $c = New-CriContainer -PodId $pod.Id -Name "$prefix-given" -Image $TestImage -Command sleep -Argument 60 -PodConfig $given
        $c.PodId | Should -Be $pod.Id
        Test-Path -PathType Container (Join-Path $elsewhere "$prefix-given") | Should -BeTrue
    }
    It 'refuses a config with an unknown field, naming it, before anything is created' {
        $before = @(Get-CriPod -Namespace $prefix).Count
        $err = Get-ErrorRecord { New-CriPod -Config @{ metadata = @{ name = "$prefix-typo"; namespace = $prefix }; hostnme = 'x' } }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriInvalidPodConfig,*'
        "$err" | Should -Match 'hostnme'
        @(Get-CriPod -Namespace $prefix).Count | Should -Be $before
        $err = Get-ErrorRecord { New-CriContainer -PodId $pod.Id -Config @{ metadata = @{ name = 'x' } } }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriInvalidContainerConfig,*'
        "$err" | Should -Match '-Image'
        $err = Get-ErrorRecord { New-CriPod "$prefix-bad" -PortMapping 'eighty' }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriInvalidPortMapping,*'
        $err = Get-ErrorRecord { New-CriContainer -PodId $pod.Id -Name x -Image $TestImage -Mount 'relative:/x' }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriInvalidMount,*'
        $err = Get-ErrorRecord { New-CriPod -Config (Join-Path $logs 'none.yaml') }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriPodConfigNotFound,*'
    }
    It 'pulls a missing image first with -Pull' -Skip:(-not $env:CRIPS_SPARE_IMAGE) {
        # The listing, not -Name: an exact name the runtime lacks is an error, and here it may well lack it.
        $spare = { Get-CriImage | Where-Object RepoTags -Contains $env:CRIPS_SPARE_IMAGE }
        if (& $spare) { Remove-CriImage -Name $env:CRIPS_SPARE_IMAGE -Force }
        & $spare | Should -BeNullOrEmpty
        $c = New-CriContainer -PodId $pod.Id -Name "$prefix-pulled" -Image $env:CRIPS_SPARE_IMAGE -Pull -Command sleep -Argument 60
        $c.Image | Should -Be $env:CRIPS_SPARE_IMAGE
        & $spare | Should -Not -BeNullOrEmpty
    }
    It 'binds a piped container to its pod in Stop-CriPod and Remove-CriPod, not its own id as a pod id' {
        $c = Get-CriContainer -PodId $pod.Id -Name web
        # Objects given as arguments stand for their ids in the diagnostics too.
        Get-CriContainerLog -Id $c -Raw -Tail 1 | Should -Be "$prefix-host"
        (Get-CriContainerStats -Id $c).ContainerId | Should -Be $c.Id
        $err = $null
        $c | Remove-CriPod -Force -WhatIf -ErrorVariable err
        $err | Should -BeNullOrEmpty
        $c | Stop-CriPod -PassThru | ForEach-Object Id | Should -Be $pod.Id
        (Get-CriPod -Id $pod.Id).State | Should -Be 'NotReady'
        # The old name of the parameter still works.
        Remove-CriPod -Id $pod -WhatIf
        Get-CriPod -Id $pod.Id | Should -Not -BeNullOrEmpty
    }
}
