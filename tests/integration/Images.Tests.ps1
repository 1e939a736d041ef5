BeforeDiscovery { . $PSScriptRoot/TestFixture.ps1 }

Describe 'Get-CriImage and Invoke-CriImagePull' -Skip:$NoRuntime {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        $PSDefaultParameterValues['*-Cri*:RuntimeEndpoint'] = $Endpoint
        $pulled = Invoke-CriImagePull -Image $TestImage
    }

    It 'returns the pulled image' {
        $pulled.PSObject.TypeNames[0] | Should -Be 'CriPS.Image'
        $pulled.RepoTags | Should -Contain $TestImage
        # containerd lists ids with their algorithm, CRI-O as bare hex
        $pulled.Id | Should -Match $(if ($RuntimeName -eq 'cri-o') { '^[0-9a-f]{64}$' } else { '^sha256:[0-9a-f]{64}$' })
        $pulled.Size | Should -BeGreaterThan 0
    }
    It 'finds an image by name, with wildcards' {
        (Get-CriImage -Name $TestImage).Id | Should -Be $pulled.Id
        (Get-CriImage -Name ($TestImage -replace ':[^:/]+$', ':*')).Id | Should -Contain $pulled.Id
        (Get-CriImage '*').Id | Should -Contain $pulled.Id
        Get-CriImage -Name 'example.invalid/none:*' | Should -BeNullOrEmpty
    }
    It 'finds an image by repo digest' {
        $digest = $pulled.RepoDigests[0]
        (Get-CriImage -Name $digest).Id | Should -Be $pulled.Id
        $pulled.Digest | Should -Be ($digest -split '@')[1]
    }
    It 'splits repository and tag' {
        $pulled.Repository + ':' + $pulled.Tag | Should -BeIn $pulled.RepoTags
    }
    It 'accepts an id prefix with or without sha256:' {
        $hex = $pulled.Id -replace '^sha256:'
        (Get-CriImage -Id $hex.Substring(0, 12)).Id | Should -Be $pulled.Id
        (Get-CriImage -Id ('sha256:' + $hex.Substring(0, 12))).Id | Should -Be $pulled.Id
    }
    It 'reports an unknown id as CriImageNotFound' {
        $err = Get-ErrorRecord { Get-CriImage -Id '0000dead0000' }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriImageNotFound,*'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
    It 'filters dangling and pinned images' {
        # Each filter returns exactly the images of the full listing that have the property (possibly none).
        $all = Get-CriImage
        (@(Get-CriImage -Dangling | ForEach-Object Id) -join ',') | Should -Be (@($all | Where-Object { $_.RepoTags.Count -eq 0 } | ForEach-Object Id) -join ',')
        (@(Get-CriImage -Pinned | ForEach-Object Id) -join ',') | Should -Be (@($all | Where-Object Pinned | ForEach-Object Id) -join ',')
        (Get-CriImage -Dangling).Id | Should -Not -Contain $pulled.Id
    }
    It 'takes names from the pipeline' {
        ($TestImage | Get-CriImage).Id | Should -Be $pulled.Id
    }
    It 'shows the crictl images columns with a readable size' {
        $view = Get-CriImage -Name $TestImage | Format-Table | Out-String -Width 200
        $view | Should -Match 'IMAGE\s+TAG\s+IMAGE ID\s+SIZE'
        $view | Should -Match '\d(\.\d+)?(B|kB|MB|GB)'
    }
    It 'reports a pull of a missing image as CriImagePullFailed with the runtime''s message' {
        $missing = ($TestImage -replace ':[^:/]+$', '') + ':no-such-tag'
        $err = Get-ErrorRecord { Invoke-CriImagePull -Image $missing }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriImagePullFailed,*'
        $err.TargetObject | Should -Be $missing
        $err.Exception.Message | Should -Match 'not found|failed'
    }
    It 'adds the image configuration with -Detailed' {
        $d = Get-CriImage -Name $TestImage -Detailed
        $d.IsDetailed | Should -BeTrue
        $d.Layers.Count | Should -BeGreaterThan 0
        $d.Layers[0] | Should -Match '^sha256:[0-9a-f]{64}$'
        $d.Created | Should -Not -BeNullOrEmpty
        if ($IsPrivateRuntime) {
            $d.Cmd | Should -Be 'sh'
            $d.Env | Should -Contain 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
            $d.Architecture | Should -Be 'amd64'
            $spare = Invoke-CriImagePull -Image $env:CRIPS_SPARE_IMAGE | ForEach-Object { Get-CriImage -Id $_.Id -Detailed }
            $spare.ConfigLabels['crips.role'] | Should -Be 'spare'
            (Get-CriImage -Name $env:CRIPS_PAUSE_IMAGE -Detailed).Entrypoint | Should -Be '/pause'
        }
    }
}
