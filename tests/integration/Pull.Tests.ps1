BeforeDiscovery { . $PSScriptRoot/TestFixture.ps1 }

Describe 'Invoke-CriImagePull' -Skip:$NoRuntime {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        $PSDefaultParameterValues['*-Cri*:RuntimeEndpoint'] = $Endpoint
        # A big image makes a pull last long enough to show progress; elsewhere the test image serves.
        $big = if ($env:CRIPS_BIG_IMAGE) { $env:CRIPS_BIG_IMAGE } else { $TestImage }
        $registry = ($TestImage -split '/')[0]

        function Invoke-InChild([string] $Script) {
            # A separate runspace collects every stream, progress included.
            $ps = [powershell]::Create()
            $null = $ps.AddScript("Import-Module '$env:CRIPS_MODULE_PATH'; `$PSDefaultParameterValues['*-Cri*:RuntimeEndpoint'] = '$Endpoint'; $Script")
            $output = $ps.Invoke()
            [pscustomobject]@{ Output = $output; Streams = $ps.Streams; Failed = $ps.HadErrors }
            $ps.Dispose()
        }
    }

    It 'shows progress while it pulls and completes every progress record' {
        Remove-CriImage -Name $big -Force -ErrorAction SilentlyContinue
        $run = Invoke-InChild "Invoke-CriImagePull -Image '$big'"
        $run.Output.RepoTags | Should -Contain $big
        $records = @($run.Streams.Progress)
        $records.Count | Should -BeGreaterThan 0
        ($records | Where-Object ActivityId -eq 1 | Select-Object -First 1).Activity | Should -Be "Pulling $big"
        foreach ($id in $records.ActivityId | Sort-Object -Unique) {
            ($records | Where-Object ActivityId -eq $id | Select-Object -Last 1).RecordType | Should -Be 'Completed'
        }
        # Layers seen downloading are children of the pull, counted in bytes.
        foreach ($layer in $records | Where-Object { $_.ParentActivityId -eq 1 -and $_.RecordType -eq 'Processing' }) {
            $layer.Activity | Should -Match '^layer [0-9a-f]{12}$'
            $layer.StatusDescription | Should -Match ' of '
        }
    }
    It 'checks the reference before any call: CriInvalidImageReference' {
        $err = Get-ErrorRecord { Invoke-CriImagePull -Image 'Not A/Reference!' -RuntimeEndpoint /nonexistent/runtime.sock }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriInvalidImageReference,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.TargetObject | Should -Be 'Not A/Reference!'
    }
    It 'pulls several images at once' {
        $images = @($TestImage, $big) | Invoke-CriImagePull -ThrottleLimit 2
        @($images).Count | Should -Be 2
        ($images.RepoTags) | Should -Contain $TestImage
    }
    It 'takes credentials from a Docker config.json and never shows the password' {
        $secret = 'hunter2-' + (New-Guid)
        $auth = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("crips:$secret"))
        $file = Join-Path ([IO.Path]::GetTempPath()) "crips-auth-$PID.json"
        Set-Content $file (@{ auths = @{ $registry = @{ auth = $auth } } } | ConvertTo-Json -Depth 4)
        try {
            # The private registry takes anonymous pulls, so the pull succeeds whatever the credentials.
            $run = Invoke-InChild "Invoke-CriImagePull -Image '$TestImage' -AuthFile '$file' -Verbose -Debug"
            $run.Output.RepoTags | Should -Contain $TestImage
            ($run.Streams.Verbose.Message -join "`n") | Should -Match ([regex]::Escape("with credentials for $registry from $file"))
            $everything = @($run.Streams.Verbose.Message) + @($run.Streams.Debug.Message) + @($run.Streams.Information | ForEach-Object { "$_" }) +
                @($run.Streams.Progress | ForEach-Object { $_.Activity + $_.StatusDescription }) + @($run.Streams.Error | ForEach-Object { "$_" })
            ($everything -join "`n") | Should -Not -Match ([regex]::Escape($secret))
            ($everything -join "`n") | Should -Not -Match ([regex]::Escape($auth))
        } finally {
            Remove-Item $file -ErrorAction SilentlyContinue
        }
    }
    It 'takes -Credential and says so without the password' {
        $secret = 'pw-' + (New-Guid)
        $cred = [pscredential]::new('crips', (ConvertTo-SecureString $secret -AsPlainText -Force))
        $verbose = Invoke-CriImagePull -Image $TestImage -Credential $cred -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -Match 'with credentials for .* from -Credential'
        ($verbose.Message -join "`n") | Should -Not -Match ([regex]::Escape($secret))
    }
    It 'names a missing or malformed auth file' {
        (Get-ErrorRecord { Invoke-CriImagePull -Image $TestImage -AuthFile /nonexistent/config.json }).FullyQualifiedErrorId | Should -BeLike 'CriAuthFileNotFound,*'
        $file = Join-Path ([IO.Path]::GetTempPath()) "crips-badauth-$PID.json"
        Set-Content $file 'this is not json'
        try {
            (Get-ErrorRecord { Invoke-CriImagePull -Image $TestImage -AuthFile $file }).FullyQualifiedErrorId | Should -BeLike 'CriInvalidAuthFile,*'
        } finally {
            Remove-Item $file
        }
    }
    It 'stops promptly on Ctrl+C and leaves the image absent' -Skip:(-not $IsPrivateRuntime) {
        Remove-CriImage -Name $big -Force -ErrorAction SilentlyContinue
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$env:CRIPS_MODULE_PATH'; Invoke-CriImagePull -RuntimeEndpoint '$Endpoint' -Image '$big'")
            $async = $ps.BeginInvoke()
            Start-Sleep -Milliseconds 400
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $watch.Stop()
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 1
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        } finally {
            $ps.Dispose()
        }
        # Cancelling the call cancels containerd's pull: no image record is made.
        Start-Sleep -Milliseconds 500
        Get-CriImage -Name $big -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}
