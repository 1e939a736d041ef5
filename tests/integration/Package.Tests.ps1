BeforeDiscovery { . $PSScriptRoot/TestFixture.ps1 }

# No runtime needed. Packing, the repository and the installation all happen in child pwsh processes whose HOME and
# XDG folders lie in a temporary folder: PSResourceGet keeps its repository list and installs CurrentUser modules
# below the user's local application data, so the real user's list and module folders are never written.
Describe 'The package that build.ps1 Package writes' -Tag Once {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1

        function Invoke-IsolatedPwsh([string] $Script, [hashtable] $Environment) {
            # A fresh `pwsh -NoProfile` with the given environment on top of ours; its last "RESULT:" line as an object.
            $pwsh = Get-PwshCommand
            $start = [System.Diagnostics.ProcessStartInfo]::new($pwsh[0])
            foreach ($arg in @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $Script)) {
                $start.ArgumentList.Add($arg)
            }
            foreach ($pair in $Environment.GetEnumerator()) { $start.Environment[$pair.Key] = $pair.Value }
            # Any path PSResourceGet fails to resolve lands in the temporary folder, not in the repository.
            $start.WorkingDirectory = $tempRoot
            $start.RedirectStandardOutput = $true
            $start.RedirectStandardError = $true
            $process = [System.Diagnostics.Process]::Start($start)
            $stdout = $process.StandardOutput.ReadToEndAsync()
            $stderr = $process.StandardError.ReadToEndAsync()
            $process.WaitForExit()
            $output = "$($stdout.Result)`n$($stderr.Result)"
            if ($process.ExitCode -ne 0) { throw "Child pwsh failed with exit code $($process.ExitCode):`n$output" }
            $line = @($stdout.Result -split '\r?\n' | Where-Object { $_.StartsWith('RESULT:') }) | Select-Object -Last 1
            if (-not $line) { throw "Child pwsh printed no result:`n$output" }
            $line.Substring('RESULT:'.Length) | ConvertFrom-Json
        }

        $stagedManifest = Import-PowerShellDataFile (Join-Path $env:CRIPS_MODULE_PATH 'CriPS.psd1')
        $stagedCommands = @((Get-Command -Module CriPS).Name | Sort-Object)
        $stagedFiles = @(Get-ChildItem -Recurse -File $env:CRIPS_MODULE_PATH |
                ForEach-Object { [IO.Path]::GetRelativePath($env:CRIPS_MODULE_PATH, $_.FullName).Replace('\', '/') } | Sort-Object)

        # The real user's repository list, to prove afterwards that it was left alone.
        $realRepositoryList = Join-Path ([Environment]::GetFolderPath('LocalApplicationData', 'DoNotVerify')) 'PSResourceGet/PSResourceRepository.xml'
        $realListBefore = if (Test-Path $realRepositoryList) { (Get-FileHash $realRepositoryList).Hash } else { 'absent' }

        $tempRoot = Join-Path ([IO.Path]::GetTempPath()) ('crips-package-{0:x8}' -f (Get-Random))
        $tempHome = Join-Path $tempRoot 'home'
        $repositoryPath = Join-Path $tempRoot 'repository'
        $null = New-Item -ItemType Directory -Force $tempHome, $repositoryPath
        $repositoryName = 'CriPSTest{0:x8}' -f (Get-Random)
        # Where Install-PSResource -Scope CurrentUser puts modules on Linux: <XDG_DATA_HOME>/powershell/Modules.
        $installedModules = Join-Path $tempHome '.local/share/powershell/Modules'
        $isolated = @{
            HOME            = $tempHome
            XDG_DATA_HOME   = Join-Path $tempHome '.local/share'
            XDG_CONFIG_HOME = Join-Path $tempHome '.config'
            XDG_CACHE_HOME  = Join-Path $tempHome '.cache'
        }
        # .NET answers '' for LocalApplicationData while its folder does not exist, and PSResourceGet would then
        # write its repository list relative to the working directory.
        $null = New-Item -ItemType Directory -Force $isolated.XDG_DATA_HOME, $isolated.XDG_CONFIG_HOME, $isolated.XDG_CACHE_HOME

        $installEnvironment = $isolated + @{
            CRIPS_PACKAGE_SCRIPT     = (Resolve-Path "$PSScriptRoot/../../tools/New-ModulePackage.ps1").Path
            CRIPS_REPOSITORY_PATH    = $repositoryPath
            CRIPS_REPOSITORY_NAME    = $repositoryName
        }
        $install = Invoke-IsolatedPwsh -Environment $installEnvironment -Script @'
$ErrorActionPreference = 'Stop'
$package = & $env:CRIPS_PACKAGE_SCRIPT -ModulePath $env:CRIPS_MODULE_PATH -DestinationPath $env:CRIPS_REPOSITORY_PATH
Register-PSResourceRepository -Name $env:CRIPS_REPOSITORY_NAME -Uri $env:CRIPS_REPOSITORY_PATH -Trusted
try {
    $found = Find-PSResource -Name CriPS -Repository $env:CRIPS_REPOSITORY_NAME
    Install-PSResource -Name CriPS -Repository $env:CRIPS_REPOSITORY_NAME -TrustRepository -Scope CurrentUser -Quiet
    $installed = Get-InstalledPSResource -Name CriPS -Scope CurrentUser
} finally {
    Unregister-PSResourceRepository -Name $env:CRIPS_REPOSITORY_NAME
}
'RESULT:' + ([pscustomobject]@{
    Package            = $package
    Name               = $found.Name
    Version            = $found.Version.ToString()
    Description        = $found.Description
    Tags               = @($found.Tags)
    ProjectUri         = "$($found.ProjectUri)"
    LicenseUri         = "$($found.LicenseUri)"
    ReleaseNotes       = $found.ReleaseNotes
    InstalledLocation  = $installed.InstalledLocation
    RepositoriesAfter  = @((Get-PSResourceRepository).Name)
    RepositoryList     = Join-Path ([Environment]::GetFolderPath('LocalApplicationData')) 'PSResourceGet/PSResourceRepository.xml'
} | ConvertTo-Json -Compress)
'@

        # A second fresh pwsh, as a user would start one: the module by name from the temporary install only.
        $use = Invoke-IsolatedPwsh -Environment ($isolated + @{ PSModulePath = $installedModules }) -Script @'
$ErrorActionPreference = 'Stop'
Import-Module CriPS
$module = Get-Module CriPS
$failure = try { Get-CriRuntimeInfo -RuntimeEndpoint unix:///nonexistent.sock; $null } catch { $_ }
'RESULT:' + ([pscustomobject]@{
    ModuleBase  = $module.ModuleBase
    Version     = $module.Version.ToString()
    Commands    = @((Get-Command -Module CriPS).Name | Sort-Object)
    Synopsis    = (Get-Help Get-CriPod).Synopsis
    AboutTopic  = @(Get-Help about_CriPS -ErrorAction SilentlyContinue).Count
    ErrorId     = $failure.FullyQualifiedErrorId
    EngineFrom  = ([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'CriPS.Engine' }).Location
} | ConvertTo-Json -Compress)
'@
    }

    AfterAll {
        # The repository was unregistered by the child that registered it; its list lived in the temporary HOME.
        if ($tempRoot -and (Test-Path $tempRoot)) { Remove-Item -Recurse -Force $tempRoot }
    }

    It 'is named after the module and its version (CriPS.x.y.z.nupkg)' {
        Split-Path -Leaf $install.Package | Should -BeExactly "CriPS.$($stagedManifest.ModuleVersion).nupkg"
    }
    It 'is found in a local folder repository with the manifest metadata' {
        $install.Name | Should -BeExactly 'CriPS'
        $install.Version | Should -BeExactly $stagedManifest.ModuleVersion
        $install.Description | Should -BeExactly $stagedManifest.Description
        foreach ($tag in 'Linux', 'PSEdition_Core', 'containerd', 'cri', 'kubernetes') { $install.Tags | Should -Contain $tag }
        $install.ProjectUri | Should -BeExactly 'https://github.com/crips-project/crips'
        $install.LicenseUri | Should -BeExactly 'https://github.com/crips-project/crips/blob/main/LICENSE'
        $install.ReleaseNotes | Should -BeExactly $stagedManifest.PrivateData.PSData.ReleaseNotes
        $install.ReleaseNotes | Should -Not -BeNullOrEmpty
    }
    It 'installs every staged file into the temporary CurrentUser module folder' {
        $versionFolder = Join-Path $installedModules "CriPS/$($stagedManifest.ModuleVersion)"
        $installedFiles = @(Get-ChildItem -Recurse -File $versionFolder |
                ForEach-Object { [IO.Path]::GetRelativePath($versionFolder, $_.FullName).Replace('\', '/') } |
                Where-Object { $_ -ne 'PSGetModuleInfo.xml' } | Sort-Object)   # PSResourceGet's own record of the install
        $installedFiles | Should -Be $stagedFiles
        $stagedFiles | Should -Contain 'engine/CriPS.Engine.dll'
        $stagedFiles | Should -Contain 'en-US/CriPS.dll-Help.xml'
        $stagedFiles | Should -Contain 'LICENSE'
    }
    It 'imports by name in a fresh pwsh from the installed copy' {
        $use.ModuleBase | Should -BeExactly (Join-Path $installedModules "CriPS/$($stagedManifest.ModuleVersion)")
        $use.Version | Should -BeExactly $stagedManifest.ModuleVersion
    }
    It 'exports the staged module''s cmdlets' {
        $stagedCommands.Count | Should -Be $stagedManifest.CmdletsToExport.Count
        $use.Commands | Should -Be $stagedCommands
    }
    It 'has its help: Get-CriPod''s synopsis and about_CriPS' {
        $use.Synopsis | Should -Not -BeNullOrEmpty
        $use.Synopsis | Should -Not -Match '^\s*\S+-\S+ \['   # not the syntax line PowerShell makes up without help
        $use.AboutTopic | Should -Be 1
    }
    It 'runs a cmdlet through the engine: an unreachable runtime is CriRuntimeUnavailable' {
        $use.ErrorId | Should -BeLike 'CriRuntimeUnavailable,*'
        $use.EngineFrom | Should -BeExactly (Join-Path $installedModules "CriPS/$($stagedManifest.ModuleVersion)/engine/CriPS.Engine.dll")
    }
    It 'leaves the repository lists as it found them' {
        $install.RepositoryList | Should -BeExactly (Join-Path $isolated.XDG_DATA_HOME 'PSResourceGet/PSResourceRepository.xml')
        $install.RepositoriesAfter | Should -Not -Contain $repositoryName
        $realListAfter = if (Test-Path $realRepositoryList) { (Get-FileHash $realRepositoryList).Hash } else { 'absent' }
        $realListAfter | Should -BeExactly $realListBefore
    }
}
