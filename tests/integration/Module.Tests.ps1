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
    It '<_> declares its output type' -ForEach @('Get-CriContainer', 'Get-CriEvent', 'Get-CriContainerStats', 'Get-CriPodStats', 'Get-CriPod', 'Get-CriImage', 'Get-CriRuntimeInfo', 'Invoke-CriImagePull', 'New-CriPod', 'New-CriContainer', 'Get-CriImageFsInfo', 'Remove-CriImage', 'Stop-CriContainer', 'Invoke-CriContainerCommand', 'Start-CriPortForward', 'Get-CriContainerLog', 'Get-ContainerdVersion', 'Get-ContainerdNamespace', 'Get-ContainerdPlugin', 'Get-ContainerdImage', 'Get-ContainerdContainer', 'Get-ContainerdTask', 'Get-ContainerdContent', 'Import-ContainerdImage') {
        # The first declared type is the module's object; a -Raw switch may add System.String after it.
        (Get-Command $_).OutputType[0].Name | Should -BeLike 'CriPS.*'
    }
    It '<_> has a synopsis in Get-Help' -ForEach @((Get-Command -Module CriPS).Name) {
        $help = Get-Help $_
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match '^\s*\S+-\S+ \['   # not the syntax line PowerShell makes up without help
    }
    It 'keeps gRPC and protobuf out of the default load context' {
        # One call first, so the engine is loaded (into its own context) before looking.
        try { $null = Get-CriPod -RuntimeEndpoint /nonexistent/crips.sock } catch { $null = $_ }
        [System.Runtime.Loader.AssemblyLoadContext]::All.Assemblies.GetName().Name | Should -Contain 'CriPS.Engine' 
        [System.Runtime.Loader.AssemblyLoadContext]::Default.Assemblies.GetName().Name | Should -Not -Contain 'Google.Protobuf'
        [System.Runtime.Loader.AssemblyLoadContext]::Default.Assemblies.GetName().Name | Should -Not -Contain 'CriPS.Engine'
        [CriPS.Container].Assembly.GetName().Name | Should -Be 'CriPS.Model'
    }
}

Describe 'Isolation from other versions of its dependencies' -Skip:$NoRuntime {
    BeforeAll { . $PSScriptRoot/TestFixture.ps1 }

    It 'imports and works in a session that loaded other Google.Protobuf, Grpc and Logging.Abstractions versions first' {
        $packages = $env:CRIPS_NUGET_PACKAGES
        $props = [xml](Get-Content -Raw "$PSScriptRoot/../../Directory.Packages.props")
        $pg = $props.Project.PropertyGroup
        $protobuf = Join-Path $packages "google.protobuf/$($pg.ConflictingProtobufVersion | Where-Object { $_ })/lib/net5.0/Google.Protobuf.dll"
        $logging = Join-Path $packages "microsoft.extensions.logging.abstractions/$($pg.ConflictingLoggingAbstractionsVersion | Where-Object { $_ })/lib/netstandard2.0/Microsoft.Extensions.Logging.Abstractions.dll"
        $grpcVersion = $pg.ConflictingGrpcVersion | Where-Object { $_ }
        $grpcApi = Join-Path $packages "grpc.core.api/$grpcVersion/lib/netstandard2.1/Grpc.Core.Api.dll"
        $grpcClient = Join-Path $packages "grpc.net.client/$grpcVersion/lib/net6.0/Grpc.Net.Client.dll"
        foreach ($dll in $protobuf, $logging, $grpcApi, $grpcClient) { Test-Path $dll | Should -BeTrue -Because $dll }
        $script = @"
`$ErrorActionPreference = 'Stop'
Add-Type -Path '$protobuf'
Add-Type -Path '$logging'
Add-Type -Path '$grpcApi'
Add-Type -Path '$grpcClient'
Import-Module '$env:CRIPS_MODULE_PATH'
`$n = @(Get-CriPod -RuntimeEndpoint '$Endpoint').Count
`$versions = { param(`$name) ([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq `$name } | ForEach-Object { [Diagnostics.FileVersionInfo]::GetVersionInfo(`$_.Location).FileVersion } | Sort-Object) -join ',' }
"ok pods=`$n protobuf=`$(& `$versions Google.Protobuf) grpc=`$(& `$versions Grpc.Net.Client)"
"@
        $pwsh = Get-PwshCommand
        $out = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $script 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        # Both versions of each assembly are loaded side by side (file versions), each in its own context.
        ($out -join "`n") | Should -Match 'ok pods=\d+ protobuf=3\.25\.1\.0,3\.36\.2\.0 grpc=2\.65\.\d+\.\d+,2\.85\.\d+\.\d+'
    }
}
