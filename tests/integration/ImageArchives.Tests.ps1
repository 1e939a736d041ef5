BeforeDiscovery { . $PSScriptRoot/TestFixture.ps1 }

Describe 'Import-ContainerdImage, Export-ContainerdImage and Remove-ContainerdImage' -Skip:$NoContainerd {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        $PSDefaultParameterValues['*-Cri*:RuntimeEndpoint'] = $Endpoint
        $PSDefaultParameterValues['*-Containerd*:Address'] = $ContainerdAddress
        $prefix = New-TestPrefix
        $image = Invoke-CriImagePull -Image $TestImage
        $record = Get-ContainerdImage -Name $TestImage
        # The private runtime's 100 MB image makes transfers long enough to watch; elsewhere the test image serves.
        $big = if ($env:CRIPS_BIG_IMAGE) { $env:CRIPS_BIG_IMAGE } else { $TestImage }
        $null = Invoke-CriImagePull -Image $big
        $work = New-Item -ItemType Directory (Join-Path ([IO.Path]::GetTempPath()) "$prefix-archives")
        $archive = Join-Path $work 'image.tar'
        $null = Export-ContainerdImage -Name $TestImage -Path $archive
        $unpacked = New-Item -ItemType Directory (Join-Path $work 'unpacked')
        & tar -xf $archive -C $unpacked

        # A fresh namespace per case: nothing there can hide a blob the archive failed to bring.
        $script:namespaces = [System.Collections.Generic.List[string]]::new()
        function New-TestNamespace([string] $Name) {
            $ns = "$prefix-$Name"
            $script:namespaces.Add($ns)
            $ns
        }
        function Get-TarEntries([string] $Path) { @(& tar -tf $Path) }
        function Copy-Truncated([string] $Path, [long] $Length) {
            $bytes = [IO.File]::ReadAllBytes($Path)
            $out = Join-Path $work ("truncated-{0}.tar" -f $Length)
            [IO.File]::WriteAllBytes($out, $bytes[0..($Length - 1)])
            $out
        }
        function Assert-NamespaceEmpty([string] $Namespace) {
            Get-ContainerdImage -Namespace $Namespace | Should -BeNullOrEmpty
            Get-ContainerdContent -Namespace $Namespace | Should -BeNullOrEmpty
            Get-ContainerdContent -Namespace $Namespace -Active | Should -BeNullOrEmpty
        }
    }
    AfterAll {
        # Images go with a synchronous GC, so the namespaces are empty and can go too (else they pile up run after run).
        foreach ($ns in $script:namespaces) {
            $images = @(& ctr -a $ContainerdAddress -n $ns images ls -q)
            if ($images) { & ctr -a $ContainerdAddress -n $ns images rm --sync @images *> $null }
            & ctr -a $ContainerdAddress namespaces rm $ns *> $null
        }
        Get-ContainerdImage -Name "crips.test/$prefix*" | Remove-ContainerdImage -ErrorAction SilentlyContinue
        Remove-TestPods $prefix
        Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
    }

    It 'exports an OCI layout with Docker''s manifest.json beside it, every blob under its own digest' {
        $entries = Get-TarEntries $archive
        $entries | Should -Contain 'oci-layout'
        $entries | Should -Contain 'index.json'
        $entries | Should -Contain 'manifest.json'
        $index = Get-Content -Raw (Join-Path $unpacked 'index.json') | ConvertFrom-Json
        $index.manifests.digest | Should -Be $record.Digest
        $index.manifests.annotations.'io.containerd.image.name' | Should -Be $record.Name
        foreach ($blob in $entries -like 'blobs/sha256/*') {
            (Get-FileHash -Algorithm SHA256 (Join-Path $unpacked $blob)).Hash.ToLower() | Should -Be ($blob -replace '^blobs/sha256/')
        }
        $docker = Get-Content -Raw (Join-Path $unpacked 'manifest.json') | ConvertFrom-Json
        $docker.Config | Should -Be ('blobs/' + ($image.Id -replace ':', '/'))
    }
    It 'writes the same bytes for the same image, and returns the file' {
        $again = Export-ContainerdImage -Name $TestImage -Path (Join-Path $work 'again.tar')
        $again | Should -BeOfType System.IO.FileInfo
        (Get-FileHash $again.FullName).Hash | Should -Be (Get-FileHash $archive).Hash
    }
    It 'round-trips: the imported image has the digest it was exported with' {
        $ns = New-TestNamespace roundtrip
        $imported = Import-ContainerdImage -Path $archive -Namespace $ns
        $imported.PSObject.TypeNames[0] | Should -Be 'CriPS.ContainerdImage'
        $imported.Name | Should -Be $record.Name
        $imported.Namespace | Should -Be $ns
        $imported.Digest | Should -Be $record.Digest
        (Get-ContainerdImage -Namespace $ns).Digest | Should -Be $record.Digest
        # Every blob of the image arrived and is labelled for the garbage collector.
        $content = Get-ContainerdContent -Namespace $ns
        $content.Digest | Should -Contain $image.Id
        ($content | Where-Object Digest -eq $record.Digest).Labels['containerd.io/gc.ref.content.config'] | Should -Be $image.Id
    }
    It 'imports a docker save archive (manifest.json only), and CRI runs a container from it' {
        # The export without its OCI files is what docker save wrote before Docker 25.
        $dockerOnly = Join-Path $work 'docker-only.tar'
        $blobs = @(Get-TarEntries $archive) -like 'blobs/*'
        & tar -cf $dockerOnly -C $unpacked manifest.json @blobs
        $name = "crips.test/$prefix/docker:1"
        $imported = Import-ContainerdImage -LiteralPath $dockerOnly -Name $name
        $imported.Name | Should -Be $name
        $imported.MediaType | Should -Be 'application/vnd.docker.distribution.manifest.v2+json'
        # Again: every blob is there now (containerd answers AlreadyExists on commit), the record stays the same.
        (Import-ContainerdImage -LiteralPath $dockerOnly -Name $name).Digest | Should -Be $imported.Digest
        # containerd's CRI plugin sees the record at once; the image id is the same configuration.
        (Get-CriImage -Name $name).Id | Should -Be $image.Id
        $pod = New-CriPod "$prefix-import" -Namespace $prefix -LogDirectory (New-TestLogDirectory "$prefix-import")
        $c = $pod | New-CriContainer "$prefix-c" $name -Command sh -Argument '-c', 'sleep 60'
        $c | Start-CriContainer
        (Invoke-CriContainerCommand -Id $c.Id -Command echo, imported).Stdout.Trim() | Should -Be 'imported'
    }
    It 'reads gzipped archives, streams and FileInfo from the pipeline' {
        $gz = Join-Path $work 'image.tar.gz'
        $in = [IO.File]::OpenRead($archive)
        $out = [IO.Compression.GZipStream]::new([IO.File]::Create($gz), [IO.Compression.CompressionLevel]::Fastest)
        $in.CopyTo($out); $out.Dispose(); $in.Dispose()
        $ns = New-TestNamespace gzip
        (Get-Item $gz | Import-ContainerdImage -Namespace $ns).Digest | Should -Be $record.Digest
        $ns = New-TestNamespace stream
        $stream = [IO.File]::OpenRead($archive)
        try { ($stream | Import-ContainerdImage -Namespace $ns).Digest | Should -Be $record.Digest }
        finally { $stream.Dispose() }
    }
    It 'shows the progress of both transfers and completes it' {
        $ns = New-TestNamespace progress
        $bigArchive = Join-Path $work 'big.tar'
        $export = Invoke-InRunspace "Export-ContainerdImage -Name '$big' -Path '$bigArchive'"
        $export.Failed | Should -BeFalse
        $import = Invoke-InRunspace "Import-ContainerdImage -Path '$bigArchive' -Namespace '$ns'"
        $import.Output.Name | Should -Be (Get-ContainerdImage -Name $big).Name
        foreach ($run in $export, $import) {
            $records = @($run.Streams.Progress)
            $records.Count | Should -BeGreaterThan 0
            $records[-1].RecordType | Should -Be 'Completed'
            foreach ($r in $records | Where-Object RecordType -eq 'Processing') { $r.StatusDescription | Should -Match ' of ' }
        }
    }
    It 'refuses what is not an image archive: ContainerdArchiveNotTar, ContainerdArchiveNotImage, nothing left behind' {
        $ns = New-TestNamespace invalid
        $random = Join-Path $work 'random.bin'
        [IO.File]::WriteAllBytes($random, [byte[]](1..4096 | ForEach-Object { Get-Random -Maximum 256 }))
        $notImage = Join-Path $work 'not-image.tar'
        & tar -cf $notImage -C $work random.bin
        foreach ($bad in @{ File = $random; ErrorId = 'ContainerdArchiveNotTar' }, @{ File = $notImage; ErrorId = 'ContainerdArchiveNotImage' }) {
            $err = Get-ErrorRecord { Import-ContainerdImage -Path $bad.File -Namespace $ns }
            $err.FullyQualifiedErrorId | Should -BeLike "$($bad.ErrorId),*"
            $err.CategoryInfo.Category | Should -Be 'InvalidData'
            $err.TargetObject | Should -Be $bad.File
        }
        Assert-NamespaceEmpty $ns
    }
    It 'leaves no half-made image when the archive is truncated' {
        $ns = New-TestNamespace truncated
        $length = (Get-Item $archive).Length
        foreach ($cut in [long]($length / 2), ($length - 2048)) {
            $err = Get-ErrorRecord { Import-ContainerdImage -Path (Copy-Truncated $archive $cut) -Namespace $ns }
            $err.FullyQualifiedErrorId | Should -BeLike 'ContainerdArchiveTruncated,*'
        }
        Assert-NamespaceEmpty $ns
    }
    It 'rejects a blob whose content does not match its digest' {
        $ns = New-TestNamespace corrupt
        $unpacked = Join-Path $work 'corrupt'
        $null = New-Item -ItemType Directory $unpacked
        & tar -xf $archive -C $unpacked
        $layer = Get-ChildItem (Join-Path $unpacked 'blobs/sha256') | Sort-Object Length | Select-Object -Last 1
        $bytes = [IO.File]::ReadAllBytes($layer.FullName)
        $bytes[100] = $bytes[100] -bxor 0xff
        [IO.File]::WriteAllBytes($layer.FullName, $bytes)
        $corrupt = Join-Path $work 'corrupt.tar'
        & tar -cf $corrupt -C $unpacked .
        $err = Get-ErrorRecord { Import-ContainerdImage -Path $corrupt -Namespace $ns }
        $err.FullyQualifiedErrorId | Should -BeLike 'ContainerdArchiveDigestMismatch,*'
        "$err" | Should -Match $layer.Name
        Assert-NamespaceEmpty $ns
    }
    It 'stops within a second on Ctrl+C, also while its source stalls, and leaves nothing behind' {
        # A FIFO fed half the archive and then held open: the import is stuck mid-archive until it is stopped.
        $ns = New-TestNamespace cancel
        $fifo = Join-Path $work 'stalled.fifo'
        & mkfifo $fifo
        $half = [long]((Get-Item $archive).Length / 2)
        $start = [Diagnostics.ProcessStartInfo]::new('bash')
        foreach ($a in '-c', "{ head -c $half '$archive'; sleep 60; } > '$fifo'") { $start.ArgumentList.Add($a) }
        $writer = [Diagnostics.Process]::Start($start)
        try {
            $ps = [powershell]::Create()
            $null = $ps.AddScript("Import-Module '$env:CRIPS_MODULE_PATH'; Import-ContainerdImage -Path '$fifo' -Namespace '$ns' -Address '$ContainerdAddress'")
            $handle = $ps.BeginInvoke()
            $deadline = [datetime]::UtcNow.AddSeconds(20)
            while ($ps.Streams.Progress.Count -eq 0 -and -not $handle.IsCompleted -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 10 }
            $handle.IsCompleted | Should -BeFalse
            $ps.Streams.Progress[-1].StatusDescription | Should -Match '^\d'
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 1
            $ps.Dispose()
            Assert-NamespaceEmpty $ns
        } finally {
            & pkill -P $writer.Id
            Stop-Process -Id $writer.Id -ErrorAction SilentlyContinue
        }
    }
    It 'names the one image of an archive with -Name, and refuses -Name for several' {
        $ns = New-TestNamespace named
        $named = Import-ContainerdImage -Path $archive -Namespace $ns -Name "crips.test/$prefix/renamed:2"
        $named.Name | Should -Be "crips.test/$prefix/renamed:2"
        (Get-ContainerdImage -Namespace $ns).Name | Should -Be "crips.test/$prefix/renamed:2"
        $other = Get-ContainerdImage | Where-Object { $_.Name -notlike 'sha256:*' -and $_.Digest -ne $record.Digest } | Select-Object -First 1
        $two = Join-Path $work 'two.tar'
        $null = Export-ContainerdImage -Name $TestImage, $other.Name -Path $two
        $err = Get-ErrorRecord { Import-ContainerdImage -Path $two -Namespace $ns -Name x/y:1 }
        $err.FullyQualifiedErrorId | Should -BeLike 'ContainerdImportNameAmbiguous,*'
        $err = Get-ErrorRecord { Import-ContainerdImage -Path $two -Namespace $ns -Name 'Bad Name' }
        $err.FullyQualifiedErrorId | Should -BeLike 'CriInvalidImageReference,*'
    }
    It 'changes nothing under -WhatIf' {
        $ns = New-TestNamespace whatif
        Import-ContainerdImage -Path $archive -Namespace $ns -WhatIf | Should -BeNullOrEmpty
        Assert-NamespaceEmpty $ns
        $target = Join-Path $work 'whatif.tar'
        Export-ContainerdImage -Name $TestImage -Path $target -WhatIf | Should -BeNullOrEmpty
        Test-Path $target | Should -BeFalse
    }
    It 'reports unknown images, missing archives and -NoClobber with their ErrorIds' {
        $target = Join-Path $work 'unknown.tar'
        $err = Get-ErrorRecord { Export-ContainerdImage -Name "crips.test/$prefix/none:1" -Path $target }
        $err.FullyQualifiedErrorId | Should -BeLike 'ContainerdImageNotFound,*'
        $err.TargetObject | Should -Be "crips.test/$prefix/none:1"
        Test-Path $target | Should -BeFalse
        $err = Get-ErrorRecord { Export-ContainerdImage -Name $TestImage -Path $archive -NoClobber }
        $err.FullyQualifiedErrorId | Should -BeLike 'ContainerdExportFileExists,*'
        $err = Get-ErrorRecord { Import-ContainerdImage -Path (Join-Path $work 'none.tar') }
        $err.FullyQualifiedErrorId | Should -BeLike 'ContainerdArchiveNotFound,*'
        $err = Get-ErrorRecord { Remove-ContainerdImage -Name "crips.test/$prefix/none:1" }
        $err.FullyQualifiedErrorId | Should -BeLike 'ContainerdImageNotFound,*'
        Get-ChildItem $work -Filter '*.partial' | Should -BeNullOrEmpty
    }
    It 'removes image records by name and from the pipeline' {
        $ns = New-TestNamespace remove
        $null = Import-ContainerdImage -Path $archive -Namespace $ns
        $null = Import-ContainerdImage -Path $archive -Namespace $ns -Name "crips.test/$prefix/copy:1"
        Remove-ContainerdImage -Name "crips.test/$prefix/copy:1" -Namespace $ns
        (Get-ContainerdImage -Namespace $ns).Name | Should -Be $record.Name
        Get-ContainerdImage -Namespace $ns | Remove-ContainerdImage -Namespace $ns
        Assert-NamespaceEmpty $ns
    }
}
