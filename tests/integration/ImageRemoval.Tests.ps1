BeforeDiscovery { . $PSScriptRoot/TestFixture.ps1 }

Describe 'Remove-CriImage and Get-CriImageFsInfo' -Skip:$NoRuntime {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        $PSDefaultParameterValues['*-Cri*:RuntimeEndpoint'] = $Endpoint
        # An image only these tests use: the private runtime's spare image, else the test image.
        $spare = if ($env:CRIPS_SPARE_IMAGE) { $env:CRIPS_SPARE_IMAGE } else { $TestImage }
        $prefix = New-TestPrefix
    }
    AfterAll { Remove-TestPods $prefix }

    It 'shows the image filesystem and the space used' {
        $fs = @(Get-CriImageFsInfo)
        $fs.Count | Should -BeGreaterThan 0
        $image = $fs | Where-Object Kind -eq 'Image' | Select-Object -First 1
        $image.PSObject.TypeNames[0] | Should -Be 'CriPS.ImageFilesystem'
        $image.Mountpoint | Should -Not -BeNullOrEmpty
        $image.UsedBytes | Should -BeGreaterThan 0
        ([datetime]::UtcNow - $image.Timestamp).TotalMinutes | Should -BeLessThan 10
        if ($IsPrivateRuntime) { $image.Mountpoint | Should -BeLike "$env:CRIPS_RUNTIME_DIR*" }
    }
    It 'changes nothing under -WhatIf' {
        $null = Invoke-CriImagePull -Image $spare
        Remove-CriImage -Name $spare -WhatIf
        Get-CriImage -Name $spare | Should -Not -BeNullOrEmpty
    }
    It 'removes an image by name and writes what it removed' {
        $pulled = Invoke-CriImagePull -Image $spare
        $removed = Remove-CriImage -Name $spare
        $removed.Id | Should -Be $pulled.Id
        $removed.Size | Should -BeGreaterThan 0
        Get-CriImage -Id $pulled.Id -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
    It 'removes images piped from Get-CriImage' {
        $pulled = Invoke-CriImagePull -Image $spare
        (Get-CriImage -Name $spare | Remove-CriImage).Id | Should -Be $pulled.Id
        Get-CriImage -Id $pulled.Id -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
    It 'reports an unknown name as CriImageNotFound' {
        $err = Get-ErrorRecord { Remove-CriImage -Name 'example.invalid/none:1' }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriImageNotFound,*'
        $err.TargetObject | Should -Be 'example.invalid/none:1'
    }
    It 'keeps an image a container uses unless -Force, and says so' {
        $pulled = Invoke-CriImagePull -Image $spare
        $pod = New-CriPod "$prefix-user" -Namespace $prefix -LogDirectory (New-TestLogDirectory "$prefix-user")
        $null = $pod | New-CriContainer "$prefix-holder" $spare -Command true
        $err = Get-ErrorRecord { Remove-CriImage -Name $spare }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriImageInUse,*'
        $err.Exception.Message | Should -Match "$prefix-holder"
        $err.Exception.Message | Should -Match '-Force'
        (Get-CriImage -Id $pulled.Id).Id | Should -Be $pulled.Id
        Remove-CriPod -Id $pod.Id -Force
    }
    It 'prunes every unused image but the pinned and sandbox images' -Skip:(-not $IsPrivateRuntime) {
        # Only on the private runtime: pruning a real node is not a test's business.
        $unused = Invoke-CriImagePull -Image $spare
        $pod = New-CriPod "$prefix-prune" -Namespace $prefix -LogDirectory (New-TestLogDirectory "$prefix-prune")
        $inUse = $pod | New-CriContainer "$prefix-keep" $TestImage -Command true
        $removed = Remove-CriImage -Prune
        $removed.Id | Should -Contain $unused.Id
        $removed.Id | Should -Not -Contain $inUse.ImageId
        (Get-CriImage).RepoTags | Should -Contain $env:CRIPS_PAUSE_IMAGE
        (Get-CriImage -Id $inUse.ImageId).Id | Should -Be $inUse.ImageId
        Remove-CriPod -Id $pod.Id -Force
    }
}
