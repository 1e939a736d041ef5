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
    It 'filters dangling and pinned images as containerd records them' -Skip:(-not $IsPrivateRuntime -or -not $ContainerdAddress) {
        function Get-CtrImageView {
            # containerd's own records in k8s.io, through ctr (REF TYPE DIGEST SIZE PLATFORMS LABELS; SIZE holds a blank).
            # CRI shows the records that share a manifest as one image: the record named sha256:<config> is its id, the
            # others are its tags and repo digests. Dangling: no tag among them. Pinned: CRI's label on the records.
            $records = & ctr -a $ContainerdAddress -n k8s.io images ls | Select-Object -Skip 1 | ForEach-Object {
                $f = -split $_
                [pscustomobject]@{ Name = $f[0]; Target = $f[2]; Labels = $f[-1] }
            }
            foreach ($group in $records | Group-Object Target) {
                $id = $group.Group.Name | Where-Object { $_ -match '^sha256:[0-9a-f]{64}$' }
                if (-not $id) { continue }
                [pscustomobject]@{
                    Id       = $id
                    Dangling = -not ($group.Group.Name | Where-Object { $_ -notmatch '@' -and $_ -notmatch '^sha256:' })
                    Pinned   = [bool]($group.Group.Labels -match '(^|,)io\.cri-containerd\.pinned=pinned(,|$)')
                }
            }
        }
        # An image made dangling for real: the spare image loses its only tag in containerd, its repo digest stays.
        $spare = Invoke-CriImagePull -Image $env:CRIPS_SPARE_IMAGE
        try {
            & ctr -a $ContainerdAddress -n k8s.io images rm $env:CRIPS_SPARE_IMAGE | Out-Null
            $LASTEXITCODE | Should -Be 0
            # CRI learns of the removal from containerd's event, a moment later.
            $deadline = [datetime]::UtcNow.AddSeconds(10)
            while ((Get-CriImage -Id $spare.Id).RepoTags -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            $view = @(Get-CtrImageView)
            $view | Where-Object Id -eq $spare.Id | ForEach-Object Dangling | Should -BeTrue
            @(Get-CriImage -Dangling | ForEach-Object Id | Sort-Object) | Should -Be @($view | Where-Object Dangling | ForEach-Object Id | Sort-Object)
            (Get-CriImage -Dangling).Id | Should -Not -Contain $pulled.Id
            # containerd 1.7 and later pin the sandbox image with a label; 1.6 pins nothing.
            @(Get-CriImage -Pinned | ForEach-Object Id | Sort-Object) | Should -Be @($view | Where-Object Pinned | ForEach-Object Id | Sort-Object)
            if ($RuntimeVersion -ge [version]'1.7') { (Get-CriImage -Pinned).RepoTags | Should -Contain $env:CRIPS_PAUSE_IMAGE }
        } finally {
            # Pulling again gives the tag back (the content is still there).
            $null = Invoke-CriImagePull -Image $env:CRIPS_SPARE_IMAGE
        }
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
