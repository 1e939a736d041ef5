BeforeDiscovery { . $PSScriptRoot/TestFixture.ps1 }

Describe 'Get-CriPod' -Skip:$NoRuntime {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        $PSDefaultParameterValues['*-Cri*:RuntimeEndpoint'] = $Endpoint
        $prefix = New-TestPrefix
        $logs = New-TestLogDirectory "$prefix-web"
        $web = New-CriPod "$prefix-web" -Namespace $prefix -Uid "$prefix-uid-web" -Label @{ app = 'web'; tier = 'front' } `
            -Annotation @{ note = 'kept' } -LogDirectory $logs
        $db = New-CriPod "$prefix-db" -Namespace $prefix -Label @{ app = 'db' } -LogDirectory (New-TestLogDirectory "$prefix-db")
        $old = New-CriPod "$prefix-old" -Namespace "$prefix-other" -LogDirectory (New-TestLogDirectory "$prefix-old")
        Stop-CriPod -Id $old.Id
    }
    AfterAll { Remove-TestPods $prefix }

    It 'lists exactly the pods of a namespace' {
        (Get-CriPod -Namespace $prefix).Id | Sort-Object | Should -Be (@($web.Id, $db.Id) | Sort-Object)
    }
    It 'matches names and namespaces with wildcards, case-insensitively' {
        (Get-CriPod -Name "$prefix-W*").Id | Should -Be $web.Id
        (Get-CriPod -Namespace "$prefix*").Count | Should -Be 3
        (Get-CriPod -Name "$prefix-d?").Id | Should -Be $db.Id
    }
    It 'filters by state' {
        (Get-CriPod -Namespace "$prefix*" -State NotReady).Id | Should -Be $old.Id
        (Get-CriPod -Namespace "$prefix*" -State Ready).Id | Sort-Object | Should -Be (@($web.Id, $db.Id) | Sort-Object)
    }
    It 'requires every label to match exactly' {
        (Get-CriPod -Namespace "$prefix*" -Label @{ app = 'web' }).Id | Should -Be $web.Id
        (Get-CriPod -Namespace "$prefix*" -Label @{ app = 'web'; tier = 'front' }).Id | Should -Be $web.Id
        Get-CriPod -Namespace "$prefix*" -Label @{ app = 'web'; tier = 'back' } | Should -BeNullOrEmpty
    }
    It 'filters by uid' {
        (Get-CriPod -Uid "$prefix-uid-web").Id | Should -Be $web.Id
    }
    It 'accepts a unique id prefix' {
        (Get-CriPod -Id $web.Id.Substring(0, 12)).Id | Should -Be $web.Id
    }
    It 'reports an unknown id as a non-terminating CriPodNotFound and goes on with the others' {
        $errs = $null
        $found = Get-CriPod -Id 'ffff0000ffff0000dead', $web.Id -ErrorVariable errs -ErrorAction SilentlyContinue
        $found.Id | Should -Be $web.Id
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'CriPodNotFound,*'
        $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errs[0].TargetObject | Should -Be 'ffff0000ffff0000dead'
    }
    It 'maps the listing fields' {
        $p = Get-CriPod -Id $web.Id
        $p.PSObject.TypeNames[0] | Should -Be 'CriPS.Pod'
        $p.Name | Should -Be "$prefix-web"
        $p.Namespace | Should -Be $prefix
        $p.Uid | Should -Be "$prefix-uid-web"
        $p.Attempt | Should -Be 0
        $p.State | Should -Be 'Ready'
        $p.CreatedAt.Kind | Should -Be 'Utc'
        ([datetime]::UtcNow - $p.CreatedAt).TotalMinutes | Should -BeLessThan 10
        $p.Labels['app'] | Should -Be 'web'
        $p.Annotations['note'] | Should -Be 'kept'
        $p.RuntimeEndpoint | Should -Be ($Endpoint -replace '^(?!unix://|tcp://)', 'unix://')
        $p.ComputerName | Should -Be ([Environment]::MachineName)
        $p.IsDetailed | Should -BeFalse
    }
    It 'adds the status facts with -Detailed' {
        $p = Get-CriPod -Id $web.Id -Detailed
        $p.IsDetailed | Should -BeTrue
        [System.Net.IPAddress]::Parse($p.IP) | Should -Not -BeNullOrEmpty
        # CriPS sends the kubelet's namespace options; containerd 2.x reports back only what it was sent
        $p.NetworkNamespaceMode | Should -Be 'Pod'
        $p.PidNamespaceMode | Should -Be 'Container'
        $p.IpcNamespaceMode | Should -Be 'Pod'
        # cri-dockerd keeps no pod config and reports none
        $p.LogDirectory | Should -Be $(if ($RuntimeName -ne 'docker') { $logs })
        if ($IsPrivateRuntime) {
            $p.IP | Should -BeLike '10.88.91.*'
            $p.Pid | Should -BeGreaterThan 0
            Test-Path "/proc/$($p.Pid)" | Should -BeTrue
            $p.NetworkNamespacePath | Should -BeLike '/var/run/netns/*'
        }
    }
    It 'reads every pod of a namespace through the pipeline of its ids' {
        (Get-CriPod -Namespace $prefix | Select-Object -ExpandProperty Id | ForEach-Object { Get-CriPod -Id $_ }).Count | Should -Be 2
    }
    It 'changes nothing under -WhatIf' {
        Get-CriPod -Namespace "$prefix*" | Remove-CriPod -Force -WhatIf
        Stop-CriPod -Id $web.Id -WhatIf
        (Get-CriPod -Namespace "$prefix*").Count | Should -Be 3
        (Get-CriPod -Id $web.Id).State | Should -Be 'Ready'
    }
    It 'refuses to remove a ready pod without -Force and says so' {
        $err = Get-ErrorRecord { Remove-CriPod -Id $db.Id }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriPodRunning,*'
        $err.Exception.Message | Should -Match '-Force'
        $err.TargetObject | Should -Be $db.Id
        (Get-CriPod -Id $db.Id).State | Should -Be 'Ready'
    }
    It 'stops and removes a pod, with -PassThru showing the stopped state' {
        $gone = New-CriPod "$prefix-gone" -Namespace $prefix -LogDirectory (New-TestLogDirectory "$prefix-gone")
        (Stop-CriPod -Id $gone.Id -PassThru).State | Should -Be 'NotReady'
        Remove-CriPod -Id $gone.Id
        $err = Get-ErrorRecord { Get-CriPod -Id $gone.Id }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriPodNotFound,*'
    }
}
