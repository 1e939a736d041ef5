BeforeDiscovery { . $PSScriptRoot/TestFixture.ps1 }

Describe 'containerd''s own API' -Skip:$NoContainerd {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        $PSDefaultParameterValues['*-Cri*:RuntimeEndpoint'] = $Endpoint
        $PSDefaultParameterValues['*-Containerd*:Address'] = $ContainerdAddress
        $prefix = New-TestPrefix
        $image = Invoke-CriImagePull -Image $TestImage
        $pod = New-CriPod "$prefix-ctd" -Namespace $prefix -LogDirectory (New-TestLogDirectory "$prefix-ctd")
        $running = $pod | New-CriContainer "$prefix-run" $TestImage -Command sleep -Argument 3600
        $running | Start-CriContainer
        $exited = $pod | New-CriContainer "$prefix-done" $TestImage -Command sh -Argument '-c', 'sleep 0.2; exit 3'
        $exited | Start-CriContainer
        $null = Wait-ContainerState $exited.Id Exited
    }
    AfterAll { Remove-TestPods $prefix }

    It 'reports the daemon''s version, the same one CRI reports' {
        $v = Get-ContainerdVersion
        $v.PSObject.TypeNames[0] | Should -Be 'CriPS.ContainerdVersion'
        $v.Version | Should -Not -BeNullOrEmpty
        (Get-CriRuntimeInfo).RuntimeVersion | Should -Be $v.Version
    }
    It 'lists namespaces, k8s.io among them' {
        (Get-ContainerdNamespace).Name | Should -Contain 'k8s.io'
        (Get-ContainerdNamespace 'k8s*').Name | Should -Be 'k8s.io'
    }
    It 'lists plugins with their status; the CRI plugin is loaded' {
        $cri = Get-ContainerdPlugin -Id cri -Type io.containerd.grpc.v1
        $cri.Status | Should -Be 'ok'
        $cri.InitError | Should -BeNullOrEmpty
        (Get-ContainerdPlugin -Filter 'type==io.containerd.snapshotter.v1').Type | Sort-Object -Unique | Should -Be 'io.containerd.snapshotter.v1'
        foreach ($p in Get-ContainerdPlugin -Failed) { $p.Status | Should -BeIn 'error', 'skip'; $p.InitError | Should -Not -BeNullOrEmpty }
    }
    It 'rejects a malformed filter as ContainerdInvalidFilter' {
        $err = Get-ErrorRecord { Get-ContainerdImage -Filter 'name==' }
        $err.FullyQualifiedErrorId | Should -BeLike 'ContainerdInvalidFilter,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }
    It 'lists the image records of k8s.io, with the digest CRI reports' {
        $record = Get-ContainerdImage -Name $TestImage
        $record.Namespace | Should -Be 'k8s.io'
        $record.Digest | Should -Be $image.Digest
        $record.Size | Should -BeGreaterThan 0
        # CRI keeps a second record named by the image id.
        (Get-ContainerdImage -Name $image.Id).Digest | Should -Be $image.Digest
        Get-ContainerdImage -Namespace "$prefix-none" | Should -BeNullOrEmpty
    }
    It 'lists CRI pods and containers as containerd containers' {
        $all = Get-ContainerdContainer
        $all.Id | Should -Contain $pod.Id
        $c = $all | Where-Object Id -eq $running.Id
        $c.Image | Should -Be $TestImage
        $c.Runtime | Should -Be 'io.containerd.runc.v2'
        $c.Labels['io.cri-containerd.kind'] | Should -Be 'container'
        ($all | Where-Object Id -eq $pod.Id).Labels['io.cri-containerd.kind'] | Should -Be 'sandbox'
        (Get-ContainerdContainer -Label @{ 'io.cri-containerd.kind' = 'sandbox' }).Id | Should -Contain $pod.Id
        (Get-ContainerdContainer -Label @{ 'io.cri-containerd.kind' = 'sandbox' }).Id | Should -Not -Contain $running.Id
        (Get-CriContainer -Id $running.Id | Get-ContainerdContainer).Id | Should -Be $running.Id
    }
    It 'lists the running task of a container with the pid CRI reports' {
        $task = Get-CriContainer -Id $running.Id | Get-ContainerdTask
        $task.Status | Should -Be 'Running'
        $task.Pid | Should -Be (Get-CriContainer -Id $running.Id -Detailed).Pid
        $task.ExitStatus | Should -BeNullOrEmpty
        (Get-ContainerdTask -Status Running).ContainerId | Should -Contain $pod.Id
    }
    It 'lists the content store and, with -Active, the writes in progress' {
        $blob = Get-ContainerdContent -Digest $image.Digest
        $blob.Digest | Should -Be $image.Digest
        $blob.Size | Should -BeGreaterThan 0
        $image.Id | Should -BeIn (Get-ContainerdContent).Digest   # the config blob
        $active = @(Get-ContainerdContent -Active -ErrorAction Stop)
        foreach ($ingest in $active) { $ingest.PSObject.TypeNames[0] | Should -Be 'CriPS.ContainerdIngest' }
    }
    It 'names an unreachable daemon: CriRuntimeUnavailable' {
        $err = Get-ErrorRecord { Get-ContainerdNamespace -Address /nonexistent/containerd.sock }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriRuntimeUnavailable,*'
    }
    It 'says with -Verbose which socket and namespace it used' {
        $verbose = Get-ContainerdTask -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -Match 'namespace k8s.io \(the default'
    }
}
