<#
.SYNOPSIS
    Packs a staged module folder into <Name>.<Version>.nupkg, the package PSResourceGet installs.
.DESCRIPTION
    Compress-PSResource (Microsoft.PowerShell.PSResourceGet, shipped with PowerShell 7.4+) writes the package and
    its nuspec from the module manifest (description, tags, project and licence links, release notes). Afterwards
    every file of the staged folder is looked up in the package, and packing fails when one is missing, since
    Import-Module needs all of them (engine/*.dll, the format and type files, en-US help).
    Outputs the package's full path.

    Note that PSResourceGet creates its repository list (PSResourceGet/PSResourceRepository.xml below the user's
    local application data, ~/.local/share) on first use, even for Compress-PSResource; when that folder does not
    exist, .NET reports no such folder and the list lands in the working directory instead.
.EXAMPLE
    ./tools/New-ModulePackage.ps1 -ModulePath ./out/CriPS -DestinationPath ./out/packages
#>
[CmdletBinding()]
param(
    # The staged module: a folder named like the module with its .psd1 inside.
    [Parameter(Mandatory)]
    [string] $ModulePath,

    # The folder the .nupkg is written to; created when missing. An older package of the same version is replaced.
    [Parameter(Mandatory)]
    [string] $DestinationPath
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
Import-Module Microsoft.PowerShell.PSResourceGet

$ModulePath = (Resolve-Path $ModulePath).Path
$name = Split-Path -Leaf $ModulePath
$manifest = Import-PowerShellDataFile (Join-Path $ModulePath "$name.psd1")
$null = New-Item -ItemType Directory -Force $DestinationPath
$DestinationPath = (Resolve-Path $DestinationPath).Path
$package = Join-Path $DestinationPath "$name.$($manifest.ModuleVersion).nupkg"
if (Test-Path $package) { Remove-Item -Force $package }

Compress-PSResource -Path $ModulePath -DestinationPath $DestinationPath
if (-not (Test-Path $package)) { throw "Compress-PSResource did not write $package." }

Add-Type -AssemblyName System.IO.Compression.FileSystem
$zip = [System.IO.Compression.ZipFile]::OpenRead($package)
try {
    # Zip entry names are relative with '/', whatever the platform.
    $entries = [System.Collections.Generic.HashSet[string]]::new([string[]] @($zip.Entries.FullName), [StringComparer]::Ordinal)
} finally {
    $zip.Dispose()
}
$missing = @(Get-ChildItem -Recurse -File $ModulePath |
        ForEach-Object { [IO.Path]::GetRelativePath($ModulePath, $_.FullName).Replace([IO.Path]::DirectorySeparatorChar, '/') } |
        Where-Object { -not $entries.Contains($_) })
if ($missing) { throw "$package lacks files of $ModulePath`: $($missing -join ', ')." }

$package
