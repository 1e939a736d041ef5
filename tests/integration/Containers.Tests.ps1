BeforeDiscovery { . $PSScriptRoot/TestFixture.ps1 }

Describe 'Get-CriContainer' -Skip:$NoRuntime {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        $PSDefaultParameterValues['*-Cri*:RuntimeEndpoint'] = $Endpoint
        $prefix = New-TestPrefix
        $null = Invoke-CriImagePull -Image $TestImage
        $logs = New-TestLogDirectory "$prefix-app"
        $pod = New-CriPod "$prefix-app" -Namespace $prefix -LogDirectory $logs
        $empty = New-CriPod "$prefix-empty" -Namespace $prefix -LogDirectory (New-TestLogDirectory "$prefix-empty")
        $other = New-CriPod "$prefix-other" -Namespace "$prefix-b" -LogDirectory (New-TestLogDirectory "$prefix-other")

        $running = $pod | New-CriContainer "$prefix-sleeper" $TestImage -Command sleep -Argument 3600 -Label @{ role = 'sleeper' }
        $running | Start-CriContainer
        $created = $pod | New-CriContainer "$prefix-waiting" $TestImage -Command true -Label @{ role = 'waiting' }
        $exited = $pod | New-CriContainer "$prefix-failing" $TestImage -Command sh -Argument '-c', 'sleep 0.3; echo bye; exit 3'
        $exited | Start-CriContainer
        $elsewhere = $other | New-CriContainer "$prefix-elsewhere" $TestImage -Command sleep -Argument 3600
        $elsewhere | Start-CriContainer
        $null = Wait-ContainerState $exited.Id Exited
        $ours = @($running.Id, $created.Id, $exited.Id) | Sort-Object
    }
    AfterAll { Remove-TestPods $prefix }

    It 'lists running containers only by default, like crictl ps' {
        (Get-CriContainer -Namespace $prefix).Id | Should -Be $running.Id
    }
    It 'lists every state with -All' {
        (Get-CriContainer -Namespace $prefix -All).Id | Sort-Object | Should -Be $ours
    }
    It 'filters by state' {
        (Get-CriContainer -Namespace $prefix -State Exited).Id | Should -Be $exited.Id
        (Get-CriContainer -Namespace $prefix -State Created).Id | Should -Be $created.Id
        (Get-CriContainer -Namespace $prefix -State Created, Exited).Id | Sort-Object | Should -Be (@($created.Id, $exited.Id) | Sort-Object)
    }
    It 'matches names with wildcards' {
        (Get-CriContainer -All -Name "$prefix-s*").Id | Should -Be $running.Id
        (Get-CriContainer -All "$prefix-*ING").Id | Sort-Object | Should -Be (@($created.Id, $exited.Id) | Sort-Object)
    }
    It 'filters by pod id prefix and by label' {
        (Get-CriContainer -All -PodId $pod.Id.Substring(0, 10)).Id | Sort-Object | Should -Be $ours
        (Get-CriContainer -All -Namespace $prefix -Label @{ role = 'waiting' }).Id | Should -Be $created.Id
    }
    It 'takes pods from the pipeline (Get-CriPod | Get-CriContainer)' {
        (Get-CriPod -Namespace $prefix | Get-CriContainer -All).Id | Sort-Object | Should -Be $ours
        (Get-CriPod -Namespace $prefix | Get-CriContainer -State Exited).Id | Should -Be $exited.Id
    }
    It 'returns nothing when the pipeline brings no pods' {
        Get-CriPod -Name "$prefix-no-such-pod" | Get-CriContainer -All | Should -BeNullOrEmpty
    }
    It 'matches the image by reference and by id' {
        (Get-CriContainer -All -Namespace $prefix -Image $TestImage).Id | Sort-Object | Should -Be $ours
        $imageId = (Get-CriImage -Name $TestImage).Id
        (Get-CriContainer -All -Namespace $prefix -Image $imageId).Id | Sort-Object | Should -Be $ours
        Get-CriContainer -All -Namespace $prefix -Image 'example.invalid/none:1' | Should -BeNullOrEmpty
    }
    It 'maps the listing fields' {
        $c = Get-CriContainer -Id $running.Id
        $c.PSObject.TypeNames[0] | Should -Be 'CriPS.Container'
        $c.Name | Should -Be "$prefix-sleeper"
        $c.Attempt | Should -Be 0
        $c.PodId | Should -Be $pod.Id
        $c.PodName | Should -Be "$prefix-app"
        $c.PodNamespace | Should -Be $prefix
        $c.Image | Should -Be $TestImage
        $c.ImageId | Should -Be (Get-CriImage -Name $TestImage).Id
        $c.State | Should -Be 'Running'
        $c.CreatedAt.Kind | Should -Be 'Utc'
        $c.Labels['role'] | Should -Be 'sleeper'
        $c.IsDetailed | Should -BeFalse
    }
    It 'adds the status facts with -Detailed' {
        $r = Get-CriContainer -Id $running.Id -Detailed
        $r.StartedAt | Should -BeGreaterThan $r.CreatedAt.AddSeconds(-1)
        $r.FinishedAt | Should -BeNullOrEmpty
        $r.ExitCode | Should -BeNullOrEmpty
        $r.LogPath | Should -Be (Join-Path $logs "$prefix-sleeper/0.log")
        $e = Get-CriContainer -Id $exited.Id -All -Detailed
        $e.ExitCode | Should -Be 3
        # containerd stamps StartedAt when the start call returns, so a process that exits at once can look
        # finished "before" it started; this one sleeps first.
        $e.FinishedAt | Should -BeGreaterThan $e.StartedAt
        $e.Reason | Should -Not -BeNullOrEmpty
        # the CRI format, or Docker's json-file format on cri-dockerd
        (Get-Content $e.LogPath) -join "`n" | Should -Match 'stdout F bye|"log":"bye\\n"'
        $w = Get-CriContainer -Id $created.Id -All -Detailed
        $w.StartedAt | Should -BeNullOrEmpty
        if ($IsPrivateRuntime) {
            $r.Pid | Should -BeGreaterThan 0
            (Get-Content "/proc/$($r.Pid)/cmdline" -Raw) | Should -Match 'sleep'
            $r.RuntimeType | Should -Be 'io.containerd.runc.v2'
        }
    }
    It 'reports unknown ids as CriContainerNotFound' {
        $err = Get-ErrorRecord { Get-CriContainer -All -Id 'ffff0000ffff0000dead' }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriContainerNotFound,*'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.TargetObject | Should -Be 'ffff0000ffff0000dead'
    }
    It 'reports an ambiguous id prefix as CriContainerAmbiguousId naming the candidates' {
        # Ids are random hex: among 17 containers two must share a first digit.
        $extra = @()
        $shared = $null
        while (-not $shared -and $extra.Count -lt 17) {
            $extra += $empty | New-CriContainer "$prefix-x$($extra.Count)" $TestImage -Command true
            $shared = $extra | Group-Object { $_.Id[0] } | Where-Object Count -ge 2 | Select-Object -First 1
        }
        $err = Get-ErrorRecord { Get-CriContainer -All -Id $shared.Name }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriContainerAmbiguousId,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        foreach ($c in $shared.Group) { $err.Exception.Message | Should -Match $c.Id }
    }
    It 'round-trips through ConvertTo-Json, Export-Csv and remoting serialization' {
        $c = Get-CriContainer -Id $running.Id
        $json = $c | ConvertTo-Json -Depth 4 | ConvertFrom-Json
        $json.Id | Should -Be $c.Id
        $json.Labels.role | Should -Be 'sleeper'
        $json.State | Should -Be 1   # enums serialize as numbers in JSON; ToString in views

        $csv = Join-Path ([IO.Path]::GetTempPath()) "$prefix.csv"
        $c | Export-Csv -Path $csv
        (Import-Csv $csv).Id | Should -Be $c.Id
        (Import-Csv $csv).PodName | Should -Be "$prefix-app"
        Remove-Item $csv

        $copy = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($c))
        $copy.PSObject.TypeNames | Should -Contain 'Deserialized.CriPS.Container'
        $copy.Id | Should -Be $c.Id
        $copy.Labels['role'] | Should -Be 'sleeper'
        $view = $copy | Format-Table | Out-String -Width 200
        $view | Should -Match 'CONTAINER\s+IMAGE\s+CREATED\s+STATE\s+NAME\s+ATTEMPT\s+POD ID\s+POD'
        $view | Should -Match ([regex]::Escape($c.Id.Substring(0, 13)))
    }
    It 'says with -Verbose which endpoint it used and why' {
        $verbose = Get-CriContainer -Id $running.Id -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -Match 'given by -RuntimeEndpoint'
    }
}
