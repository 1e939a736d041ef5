BeforeDiscovery { . $PSScriptRoot/TestFixture.ps1 }

# The hostile image-archive corpus: every case is made at run time in $TestDrive (HostileArchives.psm1), imported
# once under Measure-CripsPeakMemory, and must end with exactly its ErrorId and category, cost at most 256 MiB over
# the process's baseline, and leave nothing in containerd: no blob that was not there before, no active ingest, no
# crips-import-* lease. Where an attack can hide inside an otherwise valid image it does, so that without the check
# under test the archive would import. Each case gets a namespace of its own, so no blob of another case can satisfy
# or hide one of its own. A few controls (expected to import) keep the limits from being too eager.
# Tag Hostile: build.ps1 Test runs the hostile-input corpus on one containerd only (the newest), to keep CI short.
Describe 'Import-ContainerdImage refuses hostile archives with bounded memory and leaves nothing behind' -Tag Hostile -Skip:$NoContainerd {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        Import-Module $PSScriptRoot/PeakMemory.psm1 -Force
        Import-Module $PSScriptRoot/HostileArchives.psm1 -Force
        $PSDefaultParameterValues['*-Cri*:RuntimeEndpoint'] = $Endpoint
        $PSDefaultParameterValues['*-Containerd*:Address'] = $ContainerdAddress
        $prefix = New-TestPrefix
        $script:namespaces = [Collections.Generic.List[string]]::new()
        $script:corpus = [Collections.Generic.List[object]]::new()

        # A real archive, as Export-ContainerdImage writes it, to cut at its structure boundaries.
        $null = Invoke-CriImagePull -Image $TestImage
        $record = Get-ContainerdImage -Name $TestImage
        $real = Join-Path $TestDrive 'real.tar'
        $null = Export-ContainerdImage -Name $TestImage -Path $real
        $realLayout = @(Get-TarLayout $real)
        $realFiles = @($realLayout | Where-Object Type -eq '0')
        $realLayer = $realFiles | Where-Object Name -like 'blobs/sha256/*' | Sort-Object Size | Select-Object -Last 1
        $realIndex = $realFiles | Where-Object Name -eq 'index.json'

        function Get-StoreState([string] $Namespace) {
            # containerd's own view through ctr, independent of the cmdlets under test.
            [pscustomobject]@{
                Blobs  = @(& ctr -a $ContainerdAddress -n $Namespace content ls -q)
                Active = @(& ctr -a $ContainerdAddress -n $Namespace content active | Select-Object -Skip 1 | Where-Object { $_.Trim() })
                Leases = @(& ctr -a $ContainerdAddress -n $Namespace leases ls -q | Where-Object { $_ -like 'crips-import-*' })
            }
        }

        function Invoke-HostileCase {
            <# Imports Path into a fresh namespace under Measure-CripsPeakMemory; adds what containerd holds afterwards
               that it did not hold before (blobs, ingests, import leases), and records the row for the table. #>
            param([Parameter(Mandatory)] [string] $Case, [Parameter(Mandatory)] [string] $Path, [hashtable] $Parameters = @{})
            $namespace = "$prefix-$($script:namespaces.Count)"
            $script:namespaces.Add($namespace)
            $address = $ContainerdAddress
            $before = Get-StoreState $namespace
            $import = { Import-ContainerdImage -LiteralPath $Path -Namespace $namespace -Address $address @Parameters -ErrorAction Stop }.GetNewClosure()
            $result = Measure-CripsPeakMemory -Suite Archives -Case $Case -ScriptBlock $import
            # Deleting the lease with Sync runs containerd's GC before the cmdlet returns; the wait only absorbs a
            # daemon that answers content ls a moment late.
            $deadline = [datetime]::UtcNow.AddSeconds(5)
            do {
                $after = Get-StoreState $namespace
                $left = [pscustomobject]@{
                    Blobs  = @($after.Blobs | Where-Object { $_ -notin $before.Blobs })
                    Active = $after.Active
                    Leases = $after.Leases
                }
                if ($result.ErrorId -eq 'ok' -or -not ($left.Blobs + $left.Active + $left.Leases)) { break }
                Start-Sleep -Milliseconds 100
            } while ([datetime]::UtcNow -lt $deadline)
            $result | Add-Member -NotePropertyName Namespace -NotePropertyValue $namespace
            $result | Add-Member -NotePropertyName Left -NotePropertyValue $left
            $script:corpus.Add([pscustomobject]@{ Case = $Case; Outcome = $result.ErrorId; PeakOverMiB = $result.PeakOverMiB; Seconds = $result.Seconds })
            $result
        }

        function Assert-Refused {
            <# The case ended with this ErrorId and category, naming Target (a pattern) where given, within the memory
               bound, and left nothing behind. #>
            param($Result, [string] $ErrorId, [ValidateSet('InvalidData', 'LimitsExceeded')] [string] $Category, [string] $Target)
            $Result.ErrorId | Should -Be $ErrorId -Because "$($Result.Error)"
            $Result.Error.CategoryInfo.Category | Should -Be $Category
            if ($Target) { "$($Result.Error.TargetObject)" | Should -Match $Target }
            $Result.PeakOverMiB | Should -BeLessOrEqual 256
            $Result.Left.Blobs | Should -BeNullOrEmpty -Because 'no blob of a refused archive stays in the store'
            $Result.Left.Active | Should -BeNullOrEmpty -Because 'no ingest stays open'
            $Result.Left.Leases | Should -BeNullOrEmpty -Because 'the import lease is deleted'
        }

        function Assert-Imported($Result, [string] $Digest, [string] $Name) {
            $Result.ErrorId | Should -Be 'ok' -Because "$($Result.Error)"
            if ($Digest) { @($Result.Output).Digest | Should -Contain $Digest }
            if ($Name) { @($Result.Output).Name | Should -Contain $Name }
            (& ctr -a $ContainerdAddress -n $Result.Namespace images ls -q) | Should -Not -BeNullOrEmpty
            $Result.PeakOverMiB | Should -BeLessOrEqual 256
            $Result.Left.Leases | Should -BeNullOrEmpty
        }

        function New-CaseFile([string] $Name) { Join-Path $TestDrive $Name }

        function Write-ImageWith {
            <# A valid image layout with entries added after it (the attack comes after blobs were written, so the
               clean-up is tested too); returns the file. #>
            param([string] $File, [object[]] $Extra = @(), $Layout = (New-ImageLayout), [ValidateSet('Ustar', 'Pax')] [string] $Format = 'Ustar')
            Write-TarArchive -Path (New-CaseFile $File) -Entries (@($Layout.Entries) + $Extra) -Format $Format
            New-CaseFile $File
        }

        function Write-RawArchive([string] $File, [object[]] $Parts, [switch] $Gzip) {
            <# A valid image's entries (no end blocks), then raw byte parts; gzipped when asked, where parts may also
               be @{ Byte; Length } runs. #>
            $path = New-CaseFile $File
            $image = Write-TarArchive -Entries (New-ImageLayout).Entries -NoEndBlocks
            if ($Gzip) { $null = Write-GzipParts -Path $path -Parts (@(, $image) + $Parts) }
            else {
                $out = [IO.File]::Create($path)
                foreach ($p in @(, $image) + $Parts) { $out.Write($p, 0, $p.Length) }
                $out.Dispose()
            }
            $path
        }
    }
    AfterAll {
        # The table of the corpus in the run's output: case, outcome, peak memory over baseline.
        Write-Host ($script:corpus | Format-Table Case, Outcome, PeakOverMiB, Seconds -AutoSize | Out-String -Width 200)
        # The controls' images go with a synchronous GC, so their namespaces are empty and can go too.
        foreach ($ns in $script:namespaces) {
            $images = @(& ctr -a $ContainerdAddress -n $ns images ls -q)
            if ($images) { & ctr -a $ContainerdAddress -n $ns images rm --sync @images *> $null }
            & ctr -a $ContainerdAddress namespaces rm $ns *> $null
        }
    }

    Context 'bombs' {
        It 'gzip bomb whose single entry declares 8 GiB in a PAX size: refused at its header, nothing written' {
            # Attacks a reader that trusts a declared size: the 8 GiB entry (64 MiB of it present) must be refused
            # before one byte of it reaches containerd; checked on bytes read only, it would end Truncated instead.
            $name = "blobs/sha256/$('0' * 64)"
            $pax = New-RawTarEntry -Name "PaxHeaders/$('0' * 16)" -Type 'x' -Data (New-PaxRecord size 8589934592)
            $path = Write-RawArchive 'bomb-8g-pax.tar.gz' -Gzip @($pax, (New-TarHeader -Name $name -Size 0), @{ Byte = 0; Length = 64MB })
            (Get-Item $path).Length | Should -BeLessThan 1MB
            $r = Invoke-HostileCase 'bomb: one 8 GiB entry (PAX size)' $path @{ MaximumSize = 1GB }
            Assert-Refused $r ContainerdArchiveTooLarge LimitsExceeded ([regex]::Escape($name))
        }
        It 'gzip bomb whose single entry declares 8 GiB in a base-256 size field: refused at its header' {
            # The same with GNU tar's binary size field, the other way a tar says 8 GiB.
            $name = "blobs/sha256/$('1' * 64)"
            $path = Write-RawArchive 'bomb-8g-b256.tar.gz' -Gzip @((New-TarHeader -Name $name -Size 8GB -SizeEncoding Base256), @{ Byte = 0; Length = 64MB })
            (Get-Item $path).Length | Should -BeLessThan 1MB
            $r = Invoke-HostileCase 'bomb: one 8 GiB entry (base-256)' $path @{ MaximumSize = 1GB }
            Assert-Refused $r ContainerdArchiveTooLarge LimitsExceeded ([regex]::Escape($name))
        }
        It 'multi-member gzip bomb of 64 MiB zero entries named as docker save names them: refused while reading' {
            # Attacks the total: each entry is harmless, 32 of them unpack to 2 GiB from ~2 MiB on disk (one
            # compressed member of 64 MiB zeros repeated: concatenated members are one valid gzip stream).
            $parts = foreach ($i in 1..32) {
                , (New-TarHeader -Name ('{0:x64}/layer.tar' -f $i) -Size 64MB)
                @{ Byte = 0; Length = 64MB }
            }
            $path = Write-RawArchive 'bomb-many.tar.gz' -Gzip $parts
            (Get-Item $path).Length | Should -BeLessThan 4MB
            $r = Invoke-HostileCase 'bomb: 32 entries of 64 MiB zeros' $path @{ MaximumSize = 256MB }
            Assert-Refused $r ContainerdArchiveTooLarge LimitsExceeded
            $r.Seconds | Should -BeLessThan 30 -Because 'reading stops at the limit, not at the end of 2 GiB'
        }
        It 'gzip of 2 GiB of zeros only: a tar that ends at once, not an image' {
            # Zero blocks are tar's end-of-archive: the reader must stop at the first two, not inflate the rest.
            $path = New-CaseFile 'zeros.tar.gz'
            $null = Write-GzipParts -Path $path -Parts @(@{ Byte = 0; Length = 2GB })
            (Get-Item $path).Length | Should -BeLessThan 4MB
            $r = Invoke-HostileCase 'bomb: gzip of 2 GiB zeros' $path
            Assert-Refused $r ContainerdArchiveNotImage InvalidData
            $r.Seconds | Should -BeLessThan 10
        }
        It 'an archive over -MaximumSize without compression is refused; one of exactly that size imports' {
            # The limit counts the tar itself, not only gzip's output; and 'over' means over, not at.
            $extra = New-TarEntry 'extra.bin' ([Security.Cryptography.RandomNumberGenerator]::GetBytes(2MB))
            $layout = New-ImageLayout -Name "crips.test/$prefix/sized:1"
            $path = Write-ImageWith 'sized.tar' -Layout $layout -Extra $extra
            Assert-Refused (Invoke-HostileCase 'size: 2 MiB tar, -MaximumSize 1 MiB' $path @{ MaximumSize = 1MB }) ContainerdArchiveTooLarge LimitsExceeded
            Assert-Imported (Invoke-HostileCase 'control: -MaximumSize = tar size' $path @{ MaximumSize = (Get-Item $path).Length }) $layout.ManifestDigest
        }
    }

    Context 'oversized extension headers' {
        It 'a PAX header that declares 1 GiB (of gzipped ''a''): refused at its header' {
            # Attacks a reader that loads an extension header's data whole into memory before parsing it.
            $path = Write-RawArchive 'pax-1g.tar.gz' -Gzip @((New-TarHeader -Name 'PaxHeaders/huge' -Type 'x' -Size 1GB), @{ Byte = [byte][char]'a'; Length = 1GB })
            (Get-Item $path).Length | Should -BeLessThan 4MB
            Assert-Refused (Invoke-HostileCase 'header: PAX of 1 GiB' $path) ContainerdArchiveHeaderTooLarge LimitsExceeded
        }
        It 'a GNU long name (''L'') of 100 MiB: refused at its header' {
            # The same through GNU tar's long-name record.
            $path = Write-RawArchive 'gnu-l-100m.tar.gz' -Gzip @((New-TarHeader -Name '././@LongLink' -Type 'L' -Size 100MB), @{ Byte = [byte][char]'a'; Length = 100MB })
            (Get-Item $path).Length | Should -BeLessThan 4MB
            Assert-Refused (Invoke-HostileCase 'header: GNU long name of 100 MiB' $path) ContainerdArchiveHeaderTooLarge LimitsExceeded
        }
        It 'a PAX global header of 128 KiB: refused at its header' {
            # 'g' headers apply to every later entry and are easy to ignore: the limit holds for them as for 'x'.
            $global = New-RawTarEntry -Name 'GlobalHead.0.0' -Type 'g' -Data (New-PaxRecord comment ('g' * 128KB))
            $path = Write-RawArchive 'pax-g-128k.tar' @($global, (New-RawTarEntry -Name 'after-global' -Data ([byte[]]@(1))), [byte[]]::new(1024))
            Assert-Refused (Invoke-HostileCase 'header: PAX global of 128 KiB' $path) ContainerdArchiveHeaderTooLarge LimitsExceeded
        }
        It 'a GNU long link name (''K'') of 128 KiB: refused at its header' {
            # The link-target twin of 'L'.
            $gnu = New-RawTarEntry -Name '././@LongLink' -Type 'K' -Data ([Text.Encoding]::ASCII.GetBytes(('k' * 128KB) + "`0"))
            $path = Write-RawArchive 'gnu-k-128k.tar' @($gnu, (New-RawTarEntry -Name 'long-k' -Type '2' -LinkName ('k' * 99)), [byte[]]::new(1024))
            Assert-Refused (Invoke-HostileCase 'header: GNU long link of 128 KiB' $path) ContainerdArchiveHeaderTooLarge LimitsExceeded
        }
        It 'a PAX header of 60 KiB, a 4096-byte name and a 4096-byte link target are within the limits and import' {
            # The control at the limits: an extension header under 64 KiB (a comment), names of exactly 4096 bytes.
            $layout = New-ImageLayout -Name "crips.test/$prefix/limits:1"
            $comment = New-RawTarEntry -Name 'PaxHeaders/comment' -Type 'x' -Data (New-PaxRecord comment ('c' * 60KB))
            $tail = Write-TarArchive -Format Pax -Entries @(
                New-TarEntry (('n/' * 2047) + 'nn') ([byte[]]@(1))
                New-TarEntry 'long-target' -Type SymbolicLink -LinkName (('t/' * 2047) + 'tt')
            )
            $path = New-CaseFile 'at-limits.tar'
            $out = [IO.File]::Create($path)
            foreach ($p in (Write-TarArchive -Entries $layout.Entries -NoEndBlocks), $comment, (New-RawTarEntry -Name 'commented' -Data ([byte[]]@(1))), $tail) { $out.Write($p, 0, $p.Length) }
            $out.Dispose()
            Assert-Imported (Invoke-HostileCase 'control: 60 KiB PAX, 4096-byte names' $path) $layout.ManifestDigest
        }
        It 'a PAX path of 8 KiB: NameTooLong' {
            # Under the 64 KiB header limit, over the 4096-byte name limit: the name itself is refused.
            $path = Write-ImageWith 'pax-path-8k.tar' -Format Pax -Extra (New-TarEntry (('d/' * 4096) + 'f') ([byte[]]@(1)))
            Assert-Refused (Invoke-HostileCase 'name: PAX path of 8 KiB' $path) ContainerdArchiveNameTooLong LimitsExceeded
        }
        It 'a GNU long name of 8 KiB: NameTooLong' {
            # The same name through an 'L' record, which TarWriter never writes for a name this long.
            $long = 'e' * 8192
            $gnu = New-RawTarEntry -Name '././@LongLink' -Type 'L' -Data ([Text.Encoding]::ASCII.GetBytes("$long`0"))
            $path = Write-RawArchive 'gnu-l-8k.tar' @($gnu, (New-RawTarEntry -Name $long.Substring(0, 99) -Data ([byte[]]@(1))), [byte[]]::new(1024))
            Assert-Refused (Invoke-HostileCase 'name: GNU long name of 8 KiB' $path) ContainerdArchiveNameTooLong LimitsExceeded
        }
        It 'a symbolic link whose target is 8 KiB: NameTooLong' {
            # Link targets are names too (PAX linkpath).
            $path = Write-ImageWith 'link-8k.tar' -Format Pax -Extra (New-TarEntry 'long-link' -Type SymbolicLink -LinkName ('t/' * 4096))
            Assert-Refused (Invoke-HostileCase 'name: link target of 8 KiB' $path) ContainerdArchiveNameTooLong LimitsExceeded
        }
    }

    Context 'entry count' {
        It '1001 directory entries over -MaximumEntryCount 1000 are refused; 1000 entries in all import' {
            # Attacks the per-entry bookkeeping (a dictionary of names) with entries that cost no data at all.
            $layout = New-ImageLayout -Name "crips.test/$prefix/count:1"
            $dirs = foreach ($i in 1..1001) { New-TarEntry ('dir{0:d4}/' -f $i) -Type Directory }
            $path = Write-ImageWith 'count-over.tar' -Layout $layout -Extra $dirs
            Assert-Refused (Invoke-HostileCase 'count: image + 1001 directories, limit 1000' $path @{ MaximumEntryCount = 1000 }) ContainerdArchiveTooManyEntries LimitsExceeded
            $exact = Write-ImageWith 'count-at.tar' -Layout $layout -Extra $dirs[0..(1000 - $layout.Entries.Count - 1)]
            Assert-Imported (Invoke-HostileCase 'control: 1000 entries, limit 1000' $exact @{ MaximumEntryCount = 1000 }) $layout.ManifestDigest
        }
    }

    Context 'names outside the archive' {
        It 'a file named ../../etc/cron.d/x: PathOutside' {
            # Attacks anything that would ever extract by name (and a name map that strips the '..').
            $path = Write-ImageWith 'climb.tar' -Extra (New-TarEntry '../../etc/cron.d/x' ([Text.Encoding]::ASCII.GetBytes("* * * * * root id`n")))
            Assert-Refused (Invoke-HostileCase 'path: ../../etc/cron.d/x' $path) ContainerdArchivePathOutside InvalidData 'etc/cron\.d/x'
        }
        It 'an absolute file name /etc/x: PathOutside' {
            $path = Write-ImageWith 'absolute.tar' -Extra (New-TarEntry '/etc/x' ([byte[]]@(1)))
            Assert-Refused (Invoke-HostileCase 'path: /etc/x' $path) ContainerdArchivePathOutside InvalidData 'etc/x'
        }
        It 'an absolute symbolic link: PathOutside' {
            # A link to /etc/shadow that a docker-save layer path could be resolved through.
            $path = Write-ImageWith 'abs-link.tar' -Extra (New-TarEntry 'shadow.tar' -Type SymbolicLink -LinkName '/etc/shadow')
            Assert-Refused (Invoke-HostileCase 'link: symlink to /etc/shadow' $path) ContainerdArchivePathOutside InvalidData 'shadow'
        }
        It 'a symbolic link that climbs out with ../../..: PathOutside' {
            $path = Write-ImageWith 'climb-link.tar' -Extra (New-TarEntry 'a/b/up' -Type SymbolicLink -LinkName '../../../etc')
            Assert-Refused (Invoke-HostileCase 'link: symlink a/b/up -> ../../../etc' $path) ContainerdArchivePathOutside InvalidData 'a/b/up|\.\./\.\./\.\./etc'
        }
        It 'a hard link to a name outside: PathOutside' {
            $path = Write-ImageWith 'hard-link.tar' -Extra (New-TarEntry 'hard' -Type HardLink -LinkName '../outside')
            Assert-Refused (Invoke-HostileCase 'link: hard link -> ../outside' $path) ContainerdArchivePathOutside InvalidData 'hard|outside'
        }
        It './x and a/../b names stay inside and import' {
            # The control: names tar -C dir . writes, and a '..' that stays inside, are not refused.
            $layout = New-ImageLayout -Name "crips.test/$prefix/dots:1" -EntryPrefix './'
            $path = Write-ImageWith 'dots.tar' -Layout $layout -Extra (New-TarEntry 'a/../b' ([byte[]]@(1)))
            Assert-Imported (Invoke-HostileCase 'control: ./x and a/../b names' $path) $layout.ManifestDigest
        }
        It 'a docker save link loop (a -> b -> a) named by manifest.json: BlobMissing' {
            # Attacks the link resolution docker save archives need (layers shared through symlinks): it must end.
            $config = ConvertTo-JsonBytes @{ architecture = 'amd64'; os = 'linux'; rootfs = @{ type = 'layers'; diff_ids = @() } }
            $manifest = ConvertTo-JsonBytes @(@{ Config = 'config.json'; RepoTags = @("crips.test/$prefix/loop:1"); Layers = @('a/layer.tar') })
            $path = New-CaseFile 'loop.tar'
            Write-TarArchive -Path $path -Entries @(
                New-TarEntry 'config.json' $config
                New-TarEntry 'a/layer.tar' -Type SymbolicLink -LinkName '../b/layer.tar'
                New-TarEntry 'b/layer.tar' -Type SymbolicLink -LinkName '../a/layer.tar'
                New-TarEntry 'manifest.json' $manifest
            )
            Assert-Refused (Invoke-HostileCase 'docker save: link loop a -> b -> a' $path) ContainerdArchiveBlobMissing InvalidData 'a/layer\.tar'
        }
    }

    Context 'duplicate entries' {
        It 'index.json twice: DuplicateEntry' {
            # Attacks last-one-wins: the second copy could name other images than the one a scanner looked at.
            $layout = New-ImageLayout
            $path = Write-ImageWith 'dup-index.tar' -Layout $layout -Extra ($layout.Entries | Where-Object Name -eq 'index.json')
            Assert-Refused (Invoke-HostileCase 'duplicate: index.json twice' $path) ContainerdArchiveDuplicateEntry InvalidData '^index\.json$'
        }
        It 'index.json and ./index.json: the same normalised name, DuplicateEntry' {
            $layout = New-ImageLayout
            $index = $layout.Entries | Where-Object Name -eq 'index.json'
            $path = Write-ImageWith 'dup-dot-index.tar' -Layout $layout -Extra (New-TarEntry './index.json' $index.Data)
            Assert-Refused (Invoke-HostileCase 'duplicate: index.json and ./index.json' $path) ContainerdArchiveDuplicateEntry InvalidData 'index\.json'
        }
        It 'the same blob twice: DuplicateEntry' {
            $layout = New-ImageLayout
            $layer = $layout.Entries | Where-Object Name -eq "blobs/sha256/$($layout.LayerDigest -replace '^sha256:')"
            $path = Write-ImageWith 'dup-blob.tar' -Layout $layout -Extra $layer
            Assert-Refused (Invoke-HostileCase 'duplicate: a blob twice' $path) ContainerdArchiveDuplicateEntry InvalidData ($layer.Name -replace '^blobs/sha256/')
        }
    }

    Context 'a real archive cut at every structure boundary' {
        It 'cut inside the first header: NotTar (less than one header cannot be told from any short file)' {
            $path = Copy-ArchivePrefix $real (New-CaseFile 'cut-first-header.tar') 100
            Assert-Refused (Invoke-HostileCase 'cut: inside the first header' $path) ContainerdArchiveNotTar InvalidData
        }
        It 'cut just after the header of the layer: Truncated' {
            $path = Copy-ArchivePrefix $real (New-CaseFile 'cut-after-header.tar') $realLayer.DataOffset
            Assert-Refused (Invoke-HostileCase 'cut: just after a header' $path) ContainerdArchiveTruncated InvalidData ($realLayer.Name -replace '^blobs/sha256/')
        }
        It 'cut inside the layer''s data: Truncated' {
            $path = Copy-ArchivePrefix $real (New-CaseFile 'cut-in-data.tar') ($realLayer.DataOffset + [long]($realLayer.Size / 2))
            Assert-Refused (Invoke-HostileCase 'cut: inside a blob''s data' $path) ContainerdArchiveTruncated InvalidData ($realLayer.Name -replace '^blobs/sha256/')
        }
        It 'cut inside the padding after an entry''s data: Truncated' {
            # The padding belongs to the entry: an archive that stops inside it did not arrive whole.
            $padded = $realFiles | Where-Object { (Get-TarPadding $_.Size) -ge 2 } | Select-Object -First 1
            $padded | Should -Not -BeNullOrEmpty
            $path = Copy-ArchivePrefix $real (New-CaseFile 'cut-in-padding.tar') ($padded.DataOffset + $padded.Size + 1)
            Assert-Refused (Invoke-HostileCase 'cut: inside a padding' $path) ContainerdArchiveTruncated InvalidData
        }
        It 'cut inside index.json: Truncated' {
            $path = Copy-ArchivePrefix $real (New-CaseFile 'cut-in-index.tar') ($realIndex.DataOffset + [long]($realIndex.Size / 2))
            Assert-Refused (Invoke-HostileCase 'cut: inside index.json' $path) ContainerdArchiveTruncated InvalidData '^index\.json$'
        }
        It 'cut at the end of the last entry, without the two zero blocks: imports, as GNU tar accepts it' {
            $path = Copy-ArchivePrefix $real (New-CaseFile 'cut-no-end-blocks.tar') $realLayout[-1].End
            $path | Get-Item | ForEach-Object Length | Should -BeLessThan (Get-Item $real).Length
            Assert-Imported (Invoke-HostileCase 'control: no end-of-archive blocks' $path) $record.Digest
        }
        It 'a gzipped copy cut in the middle of the compressed stream: Truncated' {
            $gz = New-CaseFile 'real.tar.gz'
            $null = Write-GzipParts -Path $gz -Parts @(, [IO.File]::ReadAllBytes($real))
            $path = Copy-ArchivePrefix $gz (New-CaseFile 'cut-gzip.tar.gz') ([long]((Get-Item $gz).Length / 2))
            Assert-Refused (Invoke-HostileCase 'cut: inside the gzip stream' $path) ContainerdArchiveTruncated InvalidData
        }
    }

    Context 'damaged and foreign input' {
        It 'a later header with a broken checksum: Damaged' {
            # One byte of the layer's name changed, the checksum left as it was.
            $path = New-CaseFile 'bad-checksum.tar'
            Copy-Item $real $path
            $bytes = [IO.File]::ReadAllBytes($path)
            $bytes[$realLayer.HeaderOffset + 20] = $bytes[$realLayer.HeaderOffset + 20] -bxor 0x01
            [IO.File]::WriteAllBytes($path, $bytes)
            Assert-Refused (Invoke-HostileCase 'damaged: a later header''s checksum' $path) ContainerdArchiveDamaged InvalidData
        }
        It 'a later header whose size field is garbage (checksum right): Damaged' {
            # The checksum matches, so only the size field's own parse can tell.
            $path = Write-RawArchive 'bad-size.tar' @((New-TarHeader -Name 'garbage-size' -RawSize 'zz9zz9zz9zz'), [byte[]]::new(1536))
            Assert-Refused (Invoke-HostileCase 'damaged: garbage size field' $path) ContainerdArchiveDamaged InvalidData
        }
        It 'random bytes: NotTar' {
            $random = [byte[]]::new(64KB)
            [Random]::new(17).NextBytes($random)
            $random[0] = 0x42   # never the gzip magic
            $path = New-CaseFile 'random.bin'
            [IO.File]::WriteAllBytes($path, $random)
            Assert-Refused (Invoke-HostileCase 'not tar: 64 KiB random bytes' $path) ContainerdArchiveNotTar InvalidData
        }
        It 'an empty file: NotImage' {
            $path = New-CaseFile 'empty.tar'
            [IO.File]::WriteAllBytes($path, [byte[]]@())
            Assert-Refused (Invoke-HostileCase 'not image: empty file' $path) ContainerdArchiveNotImage InvalidData
        }
        It 'a valid tar with neither index.json nor manifest.json: NotImage' {
            $path = New-CaseFile 'plain.tar'
            Write-TarArchive -Path $path -Entries (New-TarEntry 'hello.txt' ([Text.Encoding]::ASCII.GetBytes('hello')))
            Assert-Refused (Invoke-HostileCase 'not image: a tar of hello.txt' $path) ContainerdArchiveNotImage InvalidData
        }
    }

    Context 'digests, sizes and missing blobs' {
        It 'one byte changed in the layer blob: DigestMismatch' {
            # Data bytes are outside the header checksum: the tar stays valid, only the digest can tell.
            $path = New-CaseFile 'bad-digest.tar'
            Copy-Item $real $path
            $bytes = [IO.File]::ReadAllBytes($path)
            $at = $realLayer.DataOffset + [long]($realLayer.Size / 2)
            $bytes[$at] = $bytes[$at] -bxor 0xff
            [IO.File]::WriteAllBytes($path, $bytes)
            Assert-Refused (Invoke-HostileCase 'digest: one byte of a layer changed' $path) ContainerdArchiveDigestMismatch InvalidData ($realLayer.Name -replace '^blobs/sha256/')
        }
        It 'a descriptor whose size differs from its blob: DigestMismatch' {
            $layout = New-ImageLayout -EditManifest { param($m) $m.layers[0].size += 1 }
            $path = Write-ImageWith 'bad-size-descriptor.tar' -Layout $layout
            $either = "$($layout.LayerDigest -replace '^sha256:')|$($layout.ManifestDigest -replace '^sha256:')"
            Assert-Refused (Invoke-HostileCase 'digest: a descriptor one byte too large' $path) ContainerdArchiveDigestMismatch InvalidData $either
        }
        It 'index.json naming a manifest the archive lacks: BlobMissing' {
            $missing = New-RandomDigest
            $layout = New-ImageLayout -EditIndex { param($i) $i.manifests[0].digest = $missing }.GetNewClosure()
            $path = Write-ImageWith 'missing-manifest.tar' -Layout $layout
            Assert-Refused (Invoke-HostileCase 'missing: the manifest index.json names' $path) ContainerdArchiveBlobMissing InvalidData ($missing -replace '^sha256:')
        }
        It 'a manifest naming a layer the archive lacks: BlobMissing' {
            $missing = New-RandomDigest
            $layout = New-ImageLayout -EditManifest { param($m) $m.layers[0].digest = $missing }.GetNewClosure()
            $path = Write-ImageWith 'missing-layer.tar' -Layout $layout
            $either = "$($missing -replace '^sha256:')|$($layout.ManifestDigest -replace '^sha256:')"
            Assert-Refused (Invoke-HostileCase 'missing: a layer a manifest names' $path) ContainerdArchiveBlobMissing InvalidData $either
        }
        It 'a docker save archive whose second layer is a link to the first imports' {
            # The control for the two docker save cases: the same builder, the links resolvable, the layers there.
            $config = ConvertTo-JsonBytes @{ architecture = 'amd64'; os = 'linux'; rootfs = @{ type = 'layers'; diff_ids = @() } }
            $name = "crips.test/$prefix/docker:1"
            $manifest = ConvertTo-JsonBytes @(@{ Config = 'config.json'; RepoTags = @($name); Layers = @('a/layer.tar', 'b/layer.tar') })
            $path = New-CaseFile 'docker-linked.tar'
            Write-TarArchive -Path $path -Entries @(
                New-TarEntry 'config.json' $config
                New-TarEntry 'a/layer.tar' (Write-TarArchive -Entries (New-TarEntry 'f' ([byte[]]@(1))))
                New-TarEntry 'b/layer.tar' -Type SymbolicLink -LinkName '../a/layer.tar'
                New-TarEntry 'manifest.json' $manifest
            )
            Assert-Imported (Invoke-HostileCase 'control: docker save, a layer linked' $path) -Name $name
        }
        It 'manifest.json naming a layer path the archive lacks: BlobMissing' {
            $config = ConvertTo-JsonBytes @{ architecture = 'amd64'; os = 'linux'; rootfs = @{ type = 'layers'; diff_ids = @() } }
            $manifest = ConvertTo-JsonBytes @(@{ Config = 'config.json'; RepoTags = @("crips.test/$prefix/nolayer:1"); Layers = @('present/layer.tar', 'absent/layer.tar') })
            $path = New-CaseFile 'missing-path.tar'
            Write-TarArchive -Path $path -Entries @(
                New-TarEntry 'config.json' $config
                New-TarEntry 'present/layer.tar' (Write-TarArchive -Entries (New-TarEntry 'f' ([byte[]]@(1))))
                New-TarEntry 'manifest.json' $manifest
            )
            Assert-Refused (Invoke-HostileCase 'missing: a layer path manifest.json names' $path) ContainerdArchiveBlobMissing InvalidData 'absent/layer\.tar'
        }
    }

    Context 'documents' {
        It 'indexes nested 64 deep: TooDeep' {
            # Attacks recursion: each level is a valid index of one child, only the depth is wrong.
            $layout = Add-NestedIndexes (New-ImageLayout) 64
            $path = Write-ImageWith 'deep.tar' -Layout $layout
            Assert-Refused (Invoke-HostileCase 'nesting: 64 indexes deep' $path) ContainerdArchiveTooDeep LimitsExceeded
        }
        It 'an index.json of 9 MiB (valid JSON): DocumentTooLarge' {
            # Documents are held in memory: their size is bounded before they are read.
            $layout = New-ImageLayout -EditIndex { param($i) $i.annotations = @{ padding = 'p' * 9MB } }
            $path = Write-ImageWith 'index-9m.tar' -Layout $layout
            Assert-Refused (Invoke-HostileCase 'document: index.json of 9 MiB' $path) ContainerdArchiveDocumentTooLarge LimitsExceeded '^index\.json$'
        }
        It 'a manifest blob of 9 MiB (valid JSON, right digest): DocumentTooLarge' {
            $layout = New-ImageLayout -EditManifest { param($m) $m.annotations = @{ padding = 'p' * 9MB } }
            $path = Write-ImageWith 'manifest-9m.tar' -Layout $layout
            Assert-Refused (Invoke-HostileCase 'document: a manifest blob of 9 MiB' $path) ContainerdArchiveDocumentTooLarge LimitsExceeded ($layout.ManifestDigest -replace '^sha256:')
        }
        It 'a descriptor declaring a manifest of 10^15 bytes: DocumentTooLarge' {
            # Attacks a reader that sizes its buffer from the descriptor.
            $layout = New-ImageLayout -EditIndex { param($i) $i.manifests[0].size = [long]1e15 }
            $path = Write-ImageWith 'descriptor-1e15.tar' -Layout $layout
            Assert-Refused (Invoke-HostileCase 'document: descriptor of 10^15 bytes' $path) ContainerdArchiveDocumentTooLarge LimitsExceeded ($layout.ManifestDigest -replace '^sha256:')
        }
        It 'an index.json that is not JSON: InvalidDocument' {
            $layout = New-ImageLayout
            $layout.Entries[$layout.Entries.Count - 1] = New-TarEntry 'index.json' ([Text.Encoding]::ASCII.GetBytes('{"schemaVersion": 2, "manifests": [ not json'))
            $path = Write-ImageWith 'index-not-json.tar' -Layout $layout
            Assert-Refused (Invoke-HostileCase 'document: index.json not JSON' $path) ContainerdArchiveInvalidDocument InvalidData '^index\.json$'
        }
        It 'an index.json without its manifests: InvalidDocument' {
            $layout = New-ImageLayout -EditIndex { param($i) $i.Remove('manifests') }
            $path = Write-ImageWith 'index-no-manifests.tar' -Layout $layout
            Assert-Refused (Invoke-HostileCase 'document: index.json without manifests' $path) ContainerdArchiveInvalidDocument InvalidData '^index\.json$'
        }
    }
}
