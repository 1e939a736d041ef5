BeforeDiscovery { . $PSScriptRoot/TestFixture.ps1 }

Describe 'The staged module' {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        $module = Get-Module CriPS
        $commands = Get-Command -Module CriPS
    }

    It 'exports exactly the cmdlets the assembly defines' {
        $defined = $module.ImplementingAssembly.GetExportedTypes() |
            Where-Object { $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) } |
            ForEach-Object { $a = $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]; "$($a.VerbName)-$($a.NounName)" }
        ($commands.Name | Sort-Object) | Should -Be ($defined | Sort-Object)
    }
    It 'carries the version from Directory.Build.props' {
        $props = [xml](Get-Content -Raw "$PSScriptRoot/../../Directory.Build.props")
        $module.Version.ToString(3) | Should -Be ($props.Project.PropertyGroup.Version | Where-Object { $_ } | Select-Object -First 1)
    }
    It 'declares Core, PowerShell 7.4 and its format and type files' {
        $manifest = Import-PowerShellDataFile (Join-Path $module.ModuleBase 'CriPS.psd1')
        $manifest.CompatiblePSEditions | Should -Be 'Core'
        $manifest.PowerShellVersion | Should -Be '7.4'
        $manifest.FormatsToProcess | Should -Be 'CriPS.format.ps1xml'
        $manifest.TypesToProcess | Should -Be 'CriPS.types.ps1xml'
    }
    It '<_> declares its output type' -ForEach @('Get-CriContainer', 'Get-CriPod', 'Get-CriImage', 'Get-CriRuntimeInfo', 'Invoke-CriImagePull', 'New-CriPod', 'New-CriContainer') {
        (Get-Command $_).OutputType.Name | Should -BeLike 'CriPS.*'
    }
    It '<_> has a synopsis in Get-Help' -ForEach @((Get-Command -Module CriPS).Name) {
        $help = Get-Help $_
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match '^\s*\S+-\S+ \['   # not the syntax line PowerShell makes up without help
    }
    It 'keeps gRPC and protobuf out of the default load context' {
        [System.Runtime.Loader.AssemblyLoadContext]::Default.Assemblies.GetName().Name | Should -Not -Contain 'Google.Protobuf'
        [System.Runtime.Loader.AssemblyLoadContext]::Default.Assemblies.GetName().Name | Should -Not -Contain 'CriPS.Engine'
        [CriPS.Container].Assembly.GetName().Name | Should -Be 'CriPS.Model'
    }
}

Describe 'Isolation from other versions of its dependencies' -Skip:$NoRuntime {
    BeforeAll { . $PSScriptRoot/TestFixture.ps1 }

    It 'imports and works in a session that loaded another Google.Protobuf and Logging.Abstractions first' {
        $packages = $env:CRIPS_NUGET_PACKAGES
        $props = [xml](Get-Content -Raw "$PSScriptRoot/../../Directory.Packages.props")
        $pg = $props.Project.PropertyGroup
        $protobuf = Join-Path $packages "google.protobuf/$($pg.ConflictingProtobufVersion | Where-Object { $_ })/lib/net5.0/Google.Protobuf.dll"
        $logging = Join-Path $packages "microsoft.extensions.logging.abstractions/$($pg.ConflictingLoggingAbstractionsVersion | Where-Object { $_ })/lib/netstandard2.0/Microsoft.Extensions.Logging.Abstractions.dll"
        Test-Path $protobuf | Should -BeTrue
        Test-Path $logging | Should -BeTrue
        $script = @"
`$ErrorActionPreference = 'Stop'
Add-Type -Path '$protobuf'
Add-Type -Path '$logging'
Import-Module '$env:CRIPS_MODULE_PATH'
`$n = @(Get-CriPod -RuntimeEndpoint '$Endpoint').Count
`$loaded = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'Google.Protobuf' } | ForEach-Object { `$_.GetName().Version.ToString() }
"ok pods=`$n protobuf=`$((`$loaded | Sort-Object) -join ',')"
"@
        $pwsh = Get-PwshCommand
        $out = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $script 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        ($out -join "`n") | Should -Match 'ok pods=\d+ protobuf=3\.25\.1\.0,3\.36\.2\.0'
    }
}
