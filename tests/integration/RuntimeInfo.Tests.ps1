BeforeDiscovery { . $PSScriptRoot/TestFixture.ps1 }

Describe 'Get-CriRuntimeInfo' -Skip:$NoRuntime {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        $info = Get-CriRuntimeInfo -RuntimeEndpoint $Endpoint
    }

    It 'reports the runtime and the CRI API version' {
        $info.PSObject.TypeNames[0] | Should -Be 'CriPS.RuntimeInfo'
        $info.RuntimeName | Should -Not -BeNullOrEmpty
        $info.RuntimeVersion | Should -Not -BeNullOrEmpty
        $info.RuntimeApiVersion | Should -Be 'v1'
    }
    It 'reports readiness from the status conditions' {
        $info.RuntimeReady | Should -BeTrue
        $info.NetworkReady | Should -BeTrue
        ($info.Conditions | Where-Object Type -eq 'RuntimeReady').Status | Should -BeTrue
    }
    It 'brings the highlights of containerd''s verbose info' -Skip:(-not $IsPrivateRuntime) {
        $info.RuntimeName | Should -Be 'containerd'
        $info.SandboxImage | Should -Be $env:CRIPS_PAUSE_IMAGE
        $info.CgroupDriver | Should -Be 'cgroupfs'
        $info.SystemdCgroup | Should -BeFalse
        $info.Snapshotter | Should -Be 'overlayfs'
        $info.CniConfDir | Should -BeLike "$env:CRIPS_RUNTIME_DIR*"
        $info.Info.Keys | Should -Contain 'config'
    }
}
