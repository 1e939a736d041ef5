<#
.SYNOPSIS
    Runs the Pester integration suite on the staged module and writes the counts as JSON.
.DESCRIPTION
    build.ps1 Test runs this in a child `pwsh -NoProfile`. The suite talks to the runtime named by
    $env:CRIPS_TEST_ENDPOINT (the private runtime, a kind node's containerd, a real node); without one every
    test is skipped and the reason is printed.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $ResultPath,
    # A test file or folder; the whole suite by default.
    [string] $Path = (Join-Path $PSScriptRoot 'integration'),
    # Only the tests with one of these Pester tags, and none of those with an excluded one.
    [string[]] $Tag = @(),
    [string[]] $ExcludeTag = @()
)
$ErrorActionPreference = 'Stop'
$root = Split-Path -Parent $PSScriptRoot

# Pester comes from NuGet (pinned in Directory.Packages.props), restored by the tools project.
& dotnet restore (Join-Path $PSScriptRoot 'tools/TestTools.csproj') --nologo -v quiet | Out-Null
if ($LASTEXITCODE -ne 0) { throw 'Restoring the test tools (Pester) failed.' }
$props = [xml](Get-Content -Raw (Join-Path $root 'Directory.Packages.props'))
$pesterVersion = $props.Project.PropertyGroup.PesterVersion | Where-Object { $_ } | Select-Object -First 1
$packages = ((& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', '').Trim()
Import-Module (Join-Path $packages "pester/$pesterVersion/tools/Pester.psd1") -Force

$env:CRIPS_MODULE_PATH = (Resolve-Path $ModulePath).Path
$env:CRIPS_NUGET_PACKAGES = $packages
if (-not $env:CRIPS_TEST_ENDPOINT) {
    Write-Warning 'Integration tests that need a runtime are skipped: no $env:CRIPS_TEST_ENDPOINT was given and the private runtime needs root.'
}

$config = New-PesterConfiguration
$config.Run.Path = $Path
$config.Run.PassThru = $true
if ($Tag) { $config.Filter.Tag = $Tag }
if ($ExcludeTag) { $config.Filter.ExcludeTag = $ExcludeTag }
$config.Output.Verbosity = 'Detailed'
$config.Should.ErrorAction = 'Continue'
$result = Invoke-Pester -Configuration $config

# A failing BeforeAll fails every test under it; Pester counts those separately, we count them as failures.
[pscustomobject]@{
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    # Tests a tag filter leaves out are not skipped ones; without a filter NotRun counts as skipped.
    Skipped = $result.SkippedCount + $(if ($Tag -or $ExcludeTag) { 0 } else { $result.NotRunCount })
} | ConvertTo-Json | Set-Content -Path $ResultPath
