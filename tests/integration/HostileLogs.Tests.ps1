BeforeDiscovery { . $PSScriptRoot/TestFixture.ps1 }

# Logs a tenant's container controls, read by the administrator's session: each case must end with a bounded result
# (pieces of 32 KiB once a line passes 1 MiB, warnings for what is no record) and cost pwsh at most 256 MiB over its baseline, whatever
# the log holds. Every hostile file is written at run time into a real container's log path, so the cmdlet finds
# and reads it the normal way (ContainerStatus LogPath).
# On cri-dockerd (runtime docker) the log path is a link to Docker's json-file log, not a CRI-format file: the three
# cases that check the runtime's own file as it wrote it are skipped there.
# Tag Hostile: build.ps1 Test runs the hostile-input corpus on one containerd only (the newest), to keep CI short.
Describe 'Get-CriContainerLog on hostile logs' -Tag Hostile -Skip:$NoRuntime {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        Import-Module $PSScriptRoot/PeakMemory.psm1 -Force
        $PSDefaultParameterValues['*-Cri*:RuntimeEndpoint'] = $Endpoint
        $prefix = New-TestPrefix
        $null = Invoke-CriImagePull -Image $TestImage
        $pod = New-CriPod "$prefix-hostile" -Namespace $prefix -LogDirectory (New-TestLogDirectory "$prefix-hostile")
        $script:MaxPeakMiB = 256
        $script:Piece = 32KB  # the pieces of a line over the joiner's 1 MiB bound; the cases write ASCII where they count characters

        function New-Writer([string] $Name, [string] $Script) {
            $c = $pod | New-CriContainer "$prefix-$Name" $TestImage -Command sh -Argument '-c', $Script
            $c | Start-CriContainer
            $c
        }
        function Get-LogPath([string] $Id) { (Get-CriContainer -Id $Id -Detailed).LogPath }
        function Open-Gate([string] $Id, [string] $Gate) { $null = Invoke-CriContainerCommand $Id -Command touch, "/tmp/$Gate" }
        function Wait-GateScript([string] $Gate) { "while [ ! -e /tmp/$Gate ]; do sleep 0.05; done" }
        # A container that wrote one line and exited; its log then gets the hostile part, appended as root.
        function New-HostileLog([string] $Name) {
            $c = New-Writer $Name 'echo first'
            $null = Wait-ContainerState $c.Id Exited
            [pscustomobject]@{ Id = $c.Id; Path = (Get-LogPath $c.Id) }
        }
        function Get-Stamp { [datetime]::UtcNow.ToString('yyyy-MM-ddTHH:mm:ss.fffffff', [cultureinfo]::InvariantCulture) + '42Z' }
        # The array as one object: unrolled into the pipeline it would come back as boxed bytes, slow to write.
        function Get-Utf8([string] $Text) { , [Text.Encoding]::UTF8.GetBytes($Text) }
        function Write-Bytes($File, [byte[]] $Bytes) { $File.Write($Bytes, 0, $Bytes.Length) }
        function Add-LogBytes([string] $Path, [scriptblock] $Write) {
            $file = [IO.File]::Open($Path, 'Append', 'Write', 'ReadWrite')
            try { & $Write $file } finally { $file.Dispose() }
        }
        # What the cases assert on, small whatever the entry's size: an entry of a 300 MiB line must not be kept.
        filter ConvertTo-Shape {
            $text = [string]$_
            [pscustomobject]@{
                Stream    = $_.Stream
                IsPartial = [bool]$_.IsPartial
                Length    = $text.Length
                Bytes     = [Text.Encoding]::UTF8.GetByteCount($text)
                First     = if ($text.Length) { $text[0] } else { $null }
                Uniform   = $text.Length -gt 0 -and $text.Trim($text[0]).Length -eq 0
                Message   = if ($text.Length -le 100) { $text } else { $null }
            }
        }
        function Invoke-Case([string] $Case, [scriptblock] $Read) {
            $result = Measure-CripsPeakMemory -Suite Logs -Case $Case -ScriptBlock $Read
            if ($result.Error) { throw "Case $Case failed: $($result.Error)" }
            $result
        }
        function Read-Log([string] $Id, [hashtable] $Parameters = @{}) {
            $warnings = $null
            $entries = @(Get-CriContainerLog $Id @Parameters -WarningVariable warnings -WarningAction SilentlyContinue | ConvertTo-Shape)
            [pscustomobject]@{ Entries = $entries; Warnings = @($warnings | ForEach-Object Message) }
        }

        # The endless lines of real containers: containerd writes them as 16 KiB P records that no F ever ends.
        # 160 MiB: joined whole, such a line cost pwsh over 256 MiB (its bytes, then its string, twice as large).
        $script:endlessBytes = 160MB
        $script:endless = New-Writer endless "head -c $endlessBytes /dev/zero | tr '\0' a"
        # While followed: 40 MiB, then (when the test opens the gate) 160 MiB more, then the container keeps running.
        $script:endlessFollowed = New-Writer followed ("head -c $(40MB) /dev/zero | tr '\0' b; " + (Wait-GateScript go) +
            "; head -c $(160MB) /dev/zero | tr '\0' b; exec sleep 3600")
        $script:engine = [System.Runtime.Loader.AssemblyLoadContext]::All.Assemblies | Where-Object { $_.GetName().Name -eq 'CriPS.Engine' } | Select-Object -First 1
    }
    AfterAll { Remove-TestPods $prefix }

    It 'reads the endless line a real container wrote in pieces of 32 KiB (read once)' -Skip:($RuntimeName -eq 'docker') {
        $null = Wait-ContainerState $endless.Id Exited -TimeoutSec 60
        $path = Get-LogPath $endless.Id
        # The file itself: only P records, so the line never ended, and it holds every byte the container wrote.
        $stream = [IO.File]::OpenRead($path)
        try {
            # More than a 16 KiB record, so the last record is there whole.
            $end = [byte[]]::new(20000)
            $stream.Position = $stream.Length - $end.Length
            $stream.ReadExactly($end, 0, $end.Length)
        } finally { $stream.Dispose() }
        ([Text.Encoding]::ASCII.GetString($end) -split "`n")[-2] | Should -Match '^\S+ stdout P a+$'
        (Get-Item $path).Length | Should -BeGreaterThan $endlessBytes

        $r = Invoke-Case EndlessLineRead { Read-Log $endless.Id }
        $entries = $r.Output.Entries
        $entries | Should -HaveCount ($endlessBytes / $Piece)
        ($entries | Where-Object { $_.Length -ne $Piece -or -not $_.Uniform -or $_.First -ne 'a' }) | Should -BeNullOrEmpty
        $entries[0..($entries.Count - 2)].IsPartial | Should -Not -Contain $false
        $entries[-1].IsPartial | Should -BeFalse -Because 'the line ends where the stream ended'
        $r.PeakOverMiB | Should -BeLessOrEqual $MaxPeakMiB
        # Dropped at once: the written pages need never reach the disk, which would slow the other cases.
        Remove-Item $path
    }

    It 'follows the endless line of a running container with flat memory, piece by piece as they fill' -Skip:($RuntimeName -eq 'docker') {
        $count = 170 * 32   # 170 MiB: past the 40 MiB written before the gate opens
        $id = $endlessFollowed.Id
        $r = Invoke-Case EndlessLineFollow {
            $script:seen = 0
            $entries = @(Get-CriContainerLog $id -Follow -Until ([datetime]::UtcNow.AddSeconds(40)) |
                    ForEach-Object {
                        # The first 100 MiB are there; the rest is written only now, so the later pieces are followed.
                        if (++$script:seen -eq 1) { Open-Gate $id go }
                        $_
                    } | Select-Object -First $count | ConvertTo-Shape)
            [pscustomobject]@{ Entries = $entries }
        }
        $entries = $r.Output.Entries
        $entries | Should -HaveCount $count
        ($entries | Where-Object { $_.Length -ne $Piece -or -not $_.Uniform -or $_.First -ne 'b' -or -not $_.IsPartial }) | Should -BeNullOrEmpty
        (Get-Item (Get-LogPath $id)).Length | Should -BeGreaterThan ($count * $Piece) -Because 'the runtime wrote what was read'
        (Get-CriContainer -Id $id).State | Should -Be 'Running' -Because 'the line was still being written: no F record ended it'
        $r.PeakOverMiB | Should -BeLessOrEqual $MaxPeakMiB
        Remove-CriContainer $id -Force
    }

    It 'skips records with invalid timestamps with at most 10 warnings, and keeps the valid ones' {
        $log = New-HostileLog timestamps
        $bad = '2026-13-45T99:99:99Z', '0000-01-01T00:00:00Z', '0001-01-01T00:00:00+01:00', '9999-12-31T23:59:59-01:00',
            '2026-11-28T00:21:17+99:00', '2026-11-28T00:21:17', 'yesterday', '20261128T002117Z', '2026-02-30T00:00:00Z'
        Add-LogBytes $log.Path {
            param($file)
            for ($i = 0; $i -lt 5000; $i++) {
                Write-Bytes $file (Get-Utf8 "$($bad[$i % $bad.Count]) stdout F bad $i`n")
                if ($i % 1000 -eq 999) { Write-Bytes $file (Get-Utf8 "$(Get-Stamp) stdout F good $i`n") }
            }
        }
        $r = Invoke-Case InvalidTimestamps { Read-Log $log.Id }
        $r.Output.Entries.Message | Should -Be @('first', 'good 999', 'good 1999', 'good 2999', 'good 3999', 'good 4999')
        # Ten warnings, then one that says the rest are skipped quietly.
        $r.Output.Warnings | Should -HaveCount 11
        $r.Output.Warnings[0] | Should -Match ([regex]::Escape($log.Path))
        $r.Output.Warnings[0] | Should -Match '2026-13-45T99:99:99Z stdout F bad 0'
        $r.Output.Warnings[-1] | Should -Match 'skipped without a warning'
        $r.PeakOverMiB | Should -BeLessOrEqual $MaxPeakMiB
    }

    It 'skips 16 MiB of binary garbage with at most 10 warnings and reads the record after it' {
        $log = New-HostileLog garbage
        Add-LogBytes $log.Path {
            param($file)
            $random = [IO.File]::OpenRead('/dev/urandom')
            try {
                $buffer = [byte[]]::new(1MB)
                for ($i = 0; $i -lt 16; $i++) { $null = $random.Read($buffer, 0, $buffer.Length); $file.Write($buffer, 0, $buffer.Length) }
            } finally { $random.Dispose() }
            Write-Bytes $file (Get-Utf8 "`n$(Get-Stamp) stderr F after the garbage`n")
        }
        $r = Invoke-Case BinaryGarbage { Read-Log $log.Id }
        $r.Output.Entries.Message | Should -Be @('first', 'after the garbage')
        $r.Output.Warnings | Should -HaveCount 11
        $r.PeakOverMiB | Should -BeLessOrEqual $MaxPeakMiB
    }

    It 'skips a 48 MiB record without a newline as longer than 1 MiB, holding no more than that' {
        $log = New-HostileLog huge
        Add-LogBytes $log.Path {
            param($file)
            # A record header, then text that never ends: what a runtime without a line limit would write.
            Write-Bytes $file (Get-Utf8 "$(Get-Stamp) stdout F ")
            $chunk = [byte[]]::new(1MB); [Array]::Fill($chunk, [byte][char]'x')
            for ($i = 0; $i -lt 48; $i++) { $file.Write($chunk, 0, $chunk.Length) }
        }
        $r = Invoke-Case HugeLineWithoutNewline { Read-Log $log.Id }
        $r.Output.Entries.Message | Should -Be 'first'
        $r.Output.Warnings | Should -HaveCount 1
        $r.Output.Warnings[0] | Should -Match 'longer than 1 MiB'
        $r.PeakOverMiB | Should -BeLessOrEqual $MaxPeakMiB
        Remove-Item $log.Path
    }

    It 'returns NUL bytes and invalid UTF-8 as text (U+FFFD) and skips lines of NULs with a warning' {
        $log = New-HostileLog nul
        $contents = @(
            , [byte[]]((Get-Utf8 'nul') + [byte[]](0) + (Get-Utf8 'inside'))
            , [byte[]](0xFF, 0xFE, 0x41)                   # bytes that never occur in UTF-8
            , [byte[]](0xC3, 0x78)                         # a character's first byte alone
            , [byte[]](0xC0, 0xAF, 0xED, 0xA0, 0x80)       # an overlong '/', a surrogate
        )
        Add-LogBytes $log.Path {
            param($file)
            foreach ($content in $contents) { Write-Bytes $file ((Get-Utf8 "$(Get-Stamp) stdout F ") + $content + [byte[]](10)) }
            # A crash can leave a block of zeros where the file was extended: one line of NULs, and a record behind NULs.
            Write-Bytes $file ([byte[]]::new(4096) + [byte[]](10))
            Write-Bytes $file ([byte[]](0, 0, 0) + (Get-Utf8 "$(Get-Stamp) stdout F hidden`n"))
        }
        $r = Invoke-Case NulAndInvalidUtf8 { Read-Log $log.Id }
        $r.Output.Entries.Message | Should -Be (@('first') + ($contents | ForEach-Object { [Text.Encoding]::UTF8.GetString([byte[]]$_) }))
        $r.Output.Entries[1].Message | Should -Be "nul`0inside"
        $r.Output.Entries[2].Message | Should -Be "$([char]0xFFFD)$([char]0xFFFD)A"
        $r.Output.Warnings | Should -HaveCount 2
        $r.PeakOverMiB | Should -BeLessOrEqual $MaxPeakMiB
    }

    It 'skips records whose stream is neither stdout nor stderr' {
        $log = New-HostileLog streams
        $badStreams = 'stdin', 'STDOUT', 'stdout2', '', "stdout`t", 'stdinfo'
        Add-LogBytes $log.Path {
            param($file)
            foreach ($s in $badStreams) { Write-Bytes $file (Get-Utf8 "$(Get-Stamp) $s F from $s`n") }
            Write-Bytes $file (Get-Utf8 "$(Get-Stamp) stderr F ok`n")
        }
        $r = Invoke-Case UnknownStreamTag { Read-Log $log.Id }
        $r.Output.Entries.Message | Should -Be @('first', 'ok')
        $r.Output.Warnings | Should -HaveCount $badStreams.Count
        $r.PeakOverMiB | Should -BeLessOrEqual $MaxPeakMiB
    }

    It 'returns 96.5 MiB of P records that no F ends in pieces, the rest when the file ends; -Raw and -Tail too' {
        $log = New-HostileLog unended
        $records = 6176
        Add-LogBytes $log.Path {
            param($file)
            $record = Get-Utf8 "$(Get-Stamp) stdout P $('p' * 16KB)`n"
            for ($i = 0; $i -lt $records; $i++) { $file.Write($record, 0, $record.Length) }
        }
        $total = $records * 16KB
        $r = Invoke-Case PartialNeverEnded { Read-Log $log.Id }
        $entries = $r.Output.Entries
        $entries[0].Message | Should -Be 'first'
        $pieces = $entries[1..($entries.Count - 1)]
        $pieces | Should -HaveCount ([math]::Ceiling($total / $Piece))
        ($pieces | Measure-Object Length -Sum).Sum | Should -Be $total
        ($pieces | Where-Object { -not $_.Uniform -or $_.First -ne 'p' }) | Should -BeNullOrEmpty
        $pieces[0..($pieces.Count - 2)] | Where-Object { -not $_.IsPartial -or $_.Length -ne $Piece } | Should -BeNullOrEmpty
        $pieces[-1].IsPartial | Should -BeFalse
        $pieces[-1].Length | Should -Be ($total - $Piece * ($pieces.Count - 1))
        $r.PeakOverMiB | Should -BeLessOrEqual $MaxPeakMiB

        # -Tail counts pieces; -Raw gives strings, a piece's with the note IsPartial.
        $r = Invoke-Case PartialNeverEndedRawTail { Read-Log $log.Id @{ Raw = $true; Tail = 2 } }
        $r.Output.Entries | ForEach-Object { ($_.Length, $_.IsPartial) -join '/' } | Should -Be @("$Piece/True", "$($total - $Piece * ([math]::Ceiling($total / $Piece) - 1))/False")
        $r.PeakOverMiB | Should -BeLessOrEqual $MaxPeakMiB
        Remove-Item $log.Path
    }

    It 'bounds stdout and stderr partials interleaved record by record, each stream on its own' {
        $log = New-HostileLog interleaved
        $records = 1000
        Add-LogBytes $log.Path {
            param($file)
            $out = Get-Utf8 "$(Get-Stamp) stdout P $('o' * 16KB)`n"
            $err = Get-Utf8 "$(Get-Stamp) stderr P $('e' * 16KB)`n"
            for ($i = 0; $i -lt $records; $i++) { $file.Write($out, 0, $out.Length); $file.Write($err, 0, $err.Length) }
            Write-Bytes $file (Get-Utf8 "$(Get-Stamp) stderr F E`n$(Get-Stamp) stdout F O`n")
        }
        $total = $records * 16KB + 1
        $r = Invoke-Case InterleavedPartials { Read-Log $log.Id }
        $entries = $r.Output.Entries | Select-Object -Skip 1
        foreach ($s in @{ Stream = 'stdout'; Char = 'o' }, @{ Stream = 'stderr'; Char = 'e' }) {
            $mine = @($entries | Where-Object Stream -EQ $s.Stream)
            $mine | Should -HaveCount ([math]::Ceiling($total / $Piece))
            ($mine | Measure-Object Length -Sum).Sum | Should -Be $total
            # Never a byte of the other stream: every piece is its own character, the last one ends with the F's.
            ($mine | Select-Object -SkipLast 1 | Where-Object { -not $_.Uniform -or $_.First -ne $s.Char -or -not $_.IsPartial }) | Should -BeNullOrEmpty
            $mine[-1].IsPartial | Should -BeFalse
        }
        # The lines end in the order their F records came.
        ($entries | Where-Object { -not $_.IsPartial }).Stream | Should -Be @('stderr', 'stdout')
        $r.PeakOverMiB | Should -BeLessOrEqual $MaxPeakMiB
        Remove-Item $log.Path
    }

    It 'never cuts a UTF-8 character between pieces, where the runtime cut it between records' {
        $log = New-HostileLog utf8
        $unit = "€😀é"
        $text = $unit * 350000    # 9 bytes a unit: 3 MB, records cut inside characters
        $bytes = Get-Utf8 $text
        Add-LogBytes $log.Path {
            param($file)
            for ($at = 0; $at -lt $bytes.Length; $at += 16KB) {
                $length = [math]::Min(16KB, $bytes.Length - $at)
                $tag = if ($at + $length -lt $bytes.Length) { 'P' } else { 'F' }
                Write-Bytes $file (Get-Utf8 "$(Get-Stamp) stdout $tag ")
                $file.Write($bytes, $at, $length)
                $file.WriteByte(10)
            }
        }
        $r = Invoke-Case Utf8AtPieceBoundary {
            $lines = @(Get-CriContainerLog $log.Id | Select-Object -Skip 1)
            [pscustomobject]@{ Joined = -join $lines.Message; Shapes = @($lines | ConvertTo-Shape) }
        }
        $r.Output.Joined | Should -BeExactly $text -Because 'no character is cut, so none turns into U+FFFD'
        $shapes = $r.Output.Shapes
        $shapes | Should -HaveCount ([math]::Ceiling($bytes.Length / $Piece))
        $shapes | Select-Object -SkipLast 1 | Where-Object { $_.Bytes -gt $Piece -or $_.Bytes -le $Piece - 4 -or -not $_.IsPartial } | Should -BeNullOrEmpty
        $r.PeakOverMiB | Should -BeLessOrEqual $MaxPeakMiB
    }

    Context '-Follow' {
        It 'starts again after a copytruncate that comes while a long line is being followed' -Skip:($RuntimeName -eq 'docker') {
            $c = New-Writer truncated ("head -c $(3MB) /dev/zero | tr '\0' c; echo; " + (Wait-GateScript go) + '; echo short')
            $path = Get-LogPath $c.Id
            $r = Invoke-Case CopytruncateFollow {
                $entries = @(Get-CriContainerLog $c.Id -Follow -Until ([datetime]::UtcNow.AddSeconds(30)) | ForEach-Object {
                        # The long line's last piece: the runtime wrote it all and waits, so the truncation loses nothing unread.
                        if ($_.Message.Length -and $_.Message[0] -eq 'c' -and -not $_.IsPartial) {
                            $file = [IO.File]::Open($path, 'Open', 'Write', 'ReadWrite')
                            try { $file.SetLength(0) } finally { $file.Dispose() }
                            Open-Gate $c.Id go
                        }
                        $_
                    } | ConvertTo-Shape)
                [pscustomobject]@{ Entries = $entries }
            }
            $long = 3MB
            $expected = @(1..([math]::Ceiling($long / $Piece) - 1) | ForEach-Object { "c/$Piece/True" }) +
                "c/$($long - $Piece * ([math]::Ceiling($long / $Piece) - 1))/False" + 's/5/False'
            $r.Output.Entries | ForEach-Object { "$($_.First)/$($_.Length)/$($_.IsPartial)" } | Should -Be $expected
            (Get-Content $path) | Should -Match 'short$' -Because 'the runtime wrote on at the start of the truncated file'
            $r.PeakOverMiB | Should -BeLessOrEqual $MaxPeakMiB
        }

        # cri-dockerd cannot reopen a log (ReopenContainerLog): it has no rotation to follow.
        It 'joins a long line across the kubelet''s rotation (rename, ReopenContainerLog, new file)' -Skip:($RuntimeName -eq 'docker') {
            $c = New-Writer rotated ("head -c $(2.5MB) /dev/zero | tr '\0' r; " + (Wait-GateScript go) + '; echo tail')
            $path = Get-LogPath $c.Id
            $client = $engine.GetType('CriPS.Engine.CriClient')::Connect($Endpoint, $null, $null, $null)
            $script:rotated = $false
            $r = Invoke-Case RotatedFollow {
                $entries = @(Get-CriContainerLog $c.Id -Follow -Until ([datetime]::UtcNow.AddSeconds(30)) | ForEach-Object {
                        if ($_.IsPartial -and -not $script:rotated) {
                            # As the kubelet rotates: rename, then the runtime reopens the path; the line goes on in the new file.
                            $script:rotated = $true
                            Move-Item $path "$path.20261205-000000"
                            $null = $client.ReopenContainerLogAsync($c.Id, [Threading.CancellationToken]::None).GetAwaiter().GetResult()
                            Open-Gate $c.Id go
                        }
                        $_
                    } | ConvertTo-Shape)
                [pscustomobject]@{ Entries = $entries }
            }
            $long = 2.5MB + 'tail'.Length
            $count = [math]::Ceiling($long / $Piece)
            # The last piece begins where the pieces before it end: in the r's, or at 'tail' when they end exactly at 2.5 MiB.
            $last = $Piece * ($count - 1)
            $expected = @(1..($count - 1) | ForEach-Object { "r/$Piece/True" }) + "$(if ($last -lt 2.5MB) { 'r' } else { 't' })/$($long - $last)/False"
            $r.Output.Entries | ForEach-Object { "$($_.First)/$($_.Length)/$($_.IsPartial)" } | Should -Be $expected
            Get-Content $path | Should -Match 'tail$' -Because 'the end of the line is in the new file'
            $r.PeakOverMiB | Should -BeLessOrEqual $MaxPeakMiB
        }
    }
}
