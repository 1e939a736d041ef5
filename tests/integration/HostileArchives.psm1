<#
.SYNOPSIS
    Makes hostile image archives at run time for HostileArchives.Tests.ps1: small valid OCI layouts to hide an attack
    in, raw tar headers for what System.Formats.Tar.TarWriter refuses to write (declared sizes without data, bad
    checksums, oversized extension headers), gzip bombs made of repeated gzip members, and a parser of a tar's
    header offsets to cut a real archive at its structure boundaries.
#>

$script:Utf8 = [Text.UTF8Encoding]::new($false)
$script:OciIndex = 'application/vnd.oci.image.index.v1+json'
$script:OciManifest = 'application/vnd.oci.image.manifest.v1+json'
$script:OciConfig = 'application/vnd.oci.image.config.v1+json'
$script:OciLayerGzip = 'application/vnd.oci.image.layer.v1.tar+gzip'
# One compressed member per (byte, length), made once: deflate shrinks a run of one byte about 1000 times.
$script:RunMembers = @{}

function Get-Sha256Hex([byte[]] $Bytes) {
    [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($Bytes)).ToLowerInvariant()
}

function ConvertTo-JsonBytes($Document) {
    # -InputObject: a top-level array (Docker's manifest.json) stays an array instead of being unrolled.
    , $script:Utf8.GetBytes((ConvertTo-Json -InputObject $Document -Depth 30 -Compress))
}

function New-RandomDigest {
    # A sha256 digest no store holds: the hash of fresh random bytes.
    'sha256:' + (Get-Sha256Hex ([Security.Cryptography.RandomNumberGenerator]::GetBytes(32)))
}

function New-Descriptor([string] $MediaType, [byte[]] $Bytes) {
    [ordered]@{ mediaType = $MediaType; digest = 'sha256:' + (Get-Sha256Hex $Bytes); size = [long]$Bytes.Length }
}

function New-TarEntry {
    # An entry for Write-TarArchive: a file with Data, a directory, or a link with LinkName.
    param([string] $Name, [byte[]] $Data = @(), [ValidateSet('File', 'Directory', 'SymbolicLink', 'HardLink')] [string] $Type = 'File', [string] $LinkName)
    [pscustomobject]@{ Name = $Name; Data = $Data; Type = $Type; LinkName = $LinkName }
}

<#
.SYNOPSIS
    A small, valid OCI image layout (one layer of one file), as tar entries in the order an exporter writes them:
    oci-layout, the blobs, index.json last. -EditManifest and -EditIndex change a document before it is hashed, so
    the layout stays consistent around the change (a wrong size, a missing layer) unless the edit breaks it.
#>
function New-ImageLayout {
    param(
        [string] $Name = 'crips.test/hostile/image:1',
        [scriptblock] $EditManifest,
        [scriptblock] $EditIndex,
        [string] $EntryPrefix = ''
    )
    $layerTar = [IO.MemoryStream]::new()
    $writer = [System.Formats.Tar.TarWriter]::new($layerTar, [System.Formats.Tar.TarEntryFormat]::Ustar, $true)
    $file = [System.Formats.Tar.UstarTarEntry]::new([System.Formats.Tar.TarEntryType]::RegularFile, 'hello.txt')
    # A fresh GUID in the layer: no two layouts share a blob, so no case finds its blobs already in the store.
    $file.ModificationTime = [DateTimeOffset]::FromUnixTimeSeconds(1700000000)
    $file.DataStream = [IO.MemoryStream]::new($script:Utf8.GetBytes("hello from $Name, $([guid]::NewGuid())`n"))
    $writer.WriteEntry($file)
    $writer.Dispose()
    $layerPlain = $layerTar.ToArray()
    $layer = ConvertTo-GzipMember $layerPlain
    $config = ConvertTo-JsonBytes ([ordered]@{
        architecture = 'amd64'; os = 'linux'
        config = @{ Cmd = @('/hello') }
        rootfs = [ordered]@{ type = 'layers'; diff_ids = @('sha256:' + (Get-Sha256Hex $layerPlain)) }
    })
    $manifestDoc = [ordered]@{
        schemaVersion = 2; mediaType = $script:OciManifest
        config = New-Descriptor $script:OciConfig $config
        layers = @(New-Descriptor $script:OciLayerGzip $layer)
    }
    if ($EditManifest) { & $EditManifest $manifestDoc }
    $manifest = ConvertTo-JsonBytes $manifestDoc
    $target = New-Descriptor $script:OciManifest $manifest
    $target.annotations = [ordered]@{ 'io.containerd.image.name' = $Name; 'org.opencontainers.image.ref.name' = ($Name -split ':')[-1] }
    $indexDoc = [ordered]@{ schemaVersion = 2; mediaType = $script:OciIndex; manifests = @($target) }
    if ($EditIndex) { & $EditIndex $indexDoc }
    $index = ConvertTo-JsonBytes $indexDoc

    $blob = { param($bytes) New-TarEntry "${EntryPrefix}blobs/sha256/$(Get-Sha256Hex $bytes)" $bytes }
    [pscustomobject]@{
        Name           = $Name
        ConfigDigest   = 'sha256:' + (Get-Sha256Hex $config)
        LayerDigest    = 'sha256:' + (Get-Sha256Hex $layer)
        ManifestDigest = 'sha256:' + (Get-Sha256Hex $manifest)
        Manifest       = $manifest
        Layer          = $layer
        Entries        = [Collections.Generic.List[object]]@(
            New-TarEntry "${EntryPrefix}oci-layout" (ConvertTo-JsonBytes @{ imageLayoutVersion = '1.0.0' })
            & $blob $config
            & $blob $layer
            & $blob $manifest
            New-TarEntry "${EntryPrefix}index.json" $index
        )
    }
}

<#
.SYNOPSIS
    Writes entries as a tar with TarWriter (ustar; PAX where a name or link target needs it). -NoEndBlocks leaves
    out the two zero blocks, for a prefix that raw headers continue. Returns the bytes when -Path is not given.
#>
function Write-TarArchive {
    param([string] $Path, [Parameter(Mandatory)] [object[]] $Entries, [ValidateSet('Ustar', 'Pax')] [string] $Format = 'Ustar', [switch] $NoEndBlocks)
    $buffer = [IO.MemoryStream]::new()
    $writer = [System.Formats.Tar.TarWriter]::new($buffer, [System.Formats.Tar.TarEntryFormat]::$Format, $true)
    foreach ($e in $Entries) {
        $type = [System.Formats.Tar.TarEntryType]::($e.Type -replace '^File$', 'RegularFile')
        $entry = if ($Format -eq 'Pax') { [System.Formats.Tar.PaxTarEntry]::new($type, $e.Name) } else { [System.Formats.Tar.UstarTarEntry]::new($type, $e.Name) }
        # A fixed time and mode: the same case makes the same bytes on every run.
        $entry.ModificationTime = [DateTimeOffset]::FromUnixTimeSeconds(1700000000)
        if ($e.LinkName) { $entry.LinkName = $e.LinkName }
        if ($e.Type -eq 'File') { $entry.DataStream = [IO.MemoryStream]::new([byte[]]$e.Data) }
        $writer.WriteEntry($entry)
    }
    $writer.Dispose()
    $bytes = $buffer.ToArray()
    if ($NoEndBlocks) { $bytes = Get-ByteRange $bytes 0 ($bytes.Length - 1024) }
    if ($Path) { [IO.File]::WriteAllBytes($Path, [byte[]]$bytes) } else { , [byte[]]$bytes }
}

<#
.SYNOPSIS
    One raw 512-byte ustar header, checksum included: for what TarWriter cannot express (a size with no data after
    it, a base-256 size, a GNU long-name header, a garbage size field). -Checksum overrides the computed one.
#>
function New-TarHeader {
    param(
        [Parameter(Mandatory)] [string] $Name,
        [long] $Size = 0,
        [char] $Type = '0',
        [string] $LinkName = '',
        [ValidateSet('Octal', 'Base256')] [string] $SizeEncoding = 'Octal',
        [string] $RawSize,
        [int] $Checksum = -1
    )
    $h = [byte[]]::new(512)
    $put = { param([int] $offset, [int] $length, [string] $text) $b = $script:Utf8.GetBytes($text); [Array]::Copy($b, 0, $h, $offset, [Math]::Min($b.Length, $length)) }
    & $put 0 100 $Name
    & $put 100 8 '0000644'
    & $put 108 8 '0000000'
    & $put 116 8 '0000000'
    if ($RawSize) { & $put 124 12 $RawSize }
    elseif ($SizeEncoding -eq 'Base256') {
        # GNU's binary size: 0x80, then the size big-endian in the other 11 bytes (how tar writes 8 GiB and more).
        $h[124] = 0x80
        for ($i = 0; $i -lt 8; $i++) { $h[135 - $i] = [byte](($Size -shr (8 * $i)) -band 0xff) }
    } else { & $put 124 12 ([Convert]::ToString($Size, 8).PadLeft(11, '0')) }
    & $put 136 12 ([Convert]::ToString(1700000000, 8).PadLeft(11, '0'))
    $h[156] = [byte]$Type
    & $put 157 100 $LinkName
    & $put 257 6 "ustar`0"
    & $put 263 2 '00'
    # The checksum: the sum of all bytes with the checksum field read as spaces.
    for ($i = 148; $i -lt 156; $i++) { $h[$i] = 0x20 }
    $sum = 0
    foreach ($b in $h) { $sum += $b }
    if ($Checksum -ge 0) { $sum = $Checksum }
    & $put 148 8 (([Convert]::ToString($sum, 8).PadLeft(6, '0')) + "`0 ")
    , $h
}

function Get-ByteRange([byte[]] $Bytes, [long] $Start, [long] $Length) {
    $slice = [byte[]]::new($Length)
    [Array]::Copy($Bytes, $Start, $slice, 0, $Length)
    , $slice
}

function New-PaxRecord([string] $Key, [string] $Value) {
    # A PAX record is "<length> <key>=<value>\n", its length counting its own digits.
    $body = " $Key=$Value`n"
    $bodyLength = $script:Utf8.GetByteCount($body)
    $length = $bodyLength + "$bodyLength".Length
    if ("$length".Length -gt "$bodyLength".Length) { $length++ }
    , $script:Utf8.GetBytes("$length$body")
}

<#
.SYNOPSIS
    An entry as raw bytes: its header, its data, the padding to 512. -Type 'x' with -Data makes a PAX header, 'L' a
    GNU long name, for TarWriter decides itself when to write those.
#>
function New-RawTarEntry([string] $Name, [byte[]] $Data = @(), [char] $Type = '0', [string] $LinkName = '') {
    $out = [IO.MemoryStream]::new()
    $header = New-TarHeader -Name $Name -Size $Data.Length -Type $Type -LinkName $LinkName
    $out.Write($header, 0, 512)
    $out.Write($Data, 0, $Data.Length)
    $out.Write([byte[]]::new((Get-TarPadding $Data.Length)), 0, (Get-TarPadding $Data.Length))
    , $out.ToArray()
}

<#
.SYNOPSIS
    Replaces index.json of a layout by a chain of Depth nested indexes (index.json -> index 1 -> ... -> index Depth
    -> the manifest), each a blob of its own.
#>
function Add-NestedIndexes($Layout, [int] $Depth) {
    $child = [ordered]@{ mediaType = $script:OciManifest; digest = $Layout.ManifestDigest; size = [long]$Layout.Manifest.Length }
    $index = $Layout.Entries | Where-Object Name -eq 'index.json'
    $null = $Layout.Entries.Remove($index)
    for ($i = 0; $i -lt $Depth; $i++) {
        $bytes = ConvertTo-JsonBytes ([ordered]@{ schemaVersion = 2; mediaType = $script:OciIndex; manifests = @($child) })
        $Layout.Entries.Add((New-TarEntry "blobs/sha256/$(Get-Sha256Hex $bytes)" $bytes))
        $child = New-Descriptor $script:OciIndex $bytes
    }
    $child.annotations = @{ 'io.containerd.image.name' = $Layout.Name }
    $Layout.Entries.Add((New-TarEntry 'index.json' (ConvertTo-JsonBytes ([ordered]@{ schemaVersion = 2; mediaType = $script:OciIndex; manifests = @($child) }))))
    $Layout
}

function Get-TarPadding([long] $Size) { (512 - $Size % 512) % 512 }

function ConvertTo-GzipMember([byte[]] $Bytes) {
    $out = [IO.MemoryStream]::new()
    $gz = [IO.Compression.GZipStream]::new($out, [IO.Compression.CompressionLevel]::Optimal, $true)
    $gz.Write($Bytes, 0, $Bytes.Length)
    $gz.Dispose()
    , $out.ToArray()
}

<#
.SYNOPSIS
    One gzip member that unpacks to Length copies of one byte, compressed from a 1 MiB buffer (never Length bytes in
    memory). Concatenated gzip members are one valid gzip stream, so repeating this member makes a bomb of any size
    in little time and disk.
#>
function Get-RunMember([byte] $Byte, [long] $Length) {
    $key = "$Byte/$Length"
    if (-not $script:RunMembers.ContainsKey($key)) {
        $chunk = [byte[]]::new([Math]::Min($Length, 1MB))
        if ($Byte) { [Array]::Fill($chunk, $Byte) }
        $out = [IO.MemoryStream]::new()
        $gz = [IO.Compression.GZipStream]::new($out, [IO.Compression.CompressionLevel]::Optimal, $true)
        for ($left = $Length; $left -gt 0; $left -= $chunk.Length) { $gz.Write($chunk, 0, [Math]::Min($left, $chunk.Length)) }
        $gz.Dispose()
        $script:RunMembers[$key] = $out.ToArray()
    }
    , $script:RunMembers[$key]
}

<#
.SYNOPSIS
    Writes a gzip stream of parts: byte arrays are compressed as members of their own, @{ Byte; Length } parts
    become repeated run members of at most 64 MiB each. Returns the file's length.
#>
function Write-GzipParts {
    param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [object[]] $Parts)
    $file = [IO.File]::Create($Path)
    try {
        foreach ($part in $Parts) {
            if ($part -is [byte[]]) {
                $member = ConvertTo-GzipMember $part
                $file.Write($member, 0, $member.Length)
                continue
            }
            for ($left = [long]$part.Length; $left -gt 0; $left -= 64MB) {
                $member = Get-RunMember $part.Byte ([Math]::Min($left, 64MB))
                $file.Write($member, 0, $member.Length)
            }
        }
    } finally { $file.Dispose() }
    (Get-Item $Path).Length
}

<#
.SYNOPSIS
    The headers of a tar file with their offsets: where each header starts, where its data starts, its declared size
    and where its padding ends. PAX ('x', 'g') and GNU ('L', 'K') headers are listed as records of their own.
#>
function Get-TarLayout([string] $Path) {
    $bytes = [IO.File]::ReadAllBytes($Path)
    $offset = 0L
    while ($offset + 512 -le $bytes.Length) {
        # The end-of-archive block: zeros where a header has its name and its checksum.
        if ($bytes[$offset] -eq 0 -and $bytes[$offset + 148] -eq 0) { break }
        $field = { param([int] $start, [int] $length) $script:Utf8.GetString($bytes, [int]$offset + $start, $length).TrimEnd([char]0, ' ') }
        $size = [Convert]::ToInt64((& $field 124 12).Trim(), 8)
        $name = & $field 0 100
        $prefix = & $field 345 155
        if ($prefix) { $name = "$prefix/$name" }
        [pscustomobject]@{
            Name         = $name
            Type         = [char]$bytes[$offset + 156]
            HeaderOffset = $offset
            DataOffset   = $offset + 512
            Size         = $size
            End          = $offset + 512 + $size + (Get-TarPadding $size)
        }
        $offset += 512 + $size + (Get-TarPadding $size)
    }
}

function Copy-ArchivePrefix([string] $Source, [string] $Destination, [long] $Length) {
    # The first Length bytes of an archive: a copy cut exactly where a case needs it.
    [IO.File]::WriteAllBytes($Destination, (Get-ByteRange ([IO.File]::ReadAllBytes($Source)) 0 $Length))
    $Destination
}

Export-ModuleMember -Function Get-Sha256Hex, ConvertTo-JsonBytes, New-RandomDigest, New-Descriptor, New-TarEntry, New-ImageLayout,
    Write-TarArchive, New-TarHeader, New-PaxRecord, New-RawTarEntry, Add-NestedIndexes, Get-ByteRange, Get-TarPadding, ConvertTo-GzipMember, Get-RunMember, Write-GzipParts, Get-TarLayout, Copy-ArchivePrefix
