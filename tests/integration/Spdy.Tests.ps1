BeforeDiscovery { . $PSScriptRoot/TestFixture.ps1 }

# The SPDY/3.1 exec transport (src/CriPS.Engine/Streaming/SpdyChannels.cs) carries Invoke-CriContainerCommand -Stream
# with piped input (ExecStream.Tests.ps1 runs that on every containerd). Its own live tests, at the transport's level
# (1 MiB each way, a terminal, what a cancel leaves in the container), are xunit tests (tests/CriPS.Tests/SpdyLiveTests.cs)
# that need a running container: this file gives them one and runs them, on the newest containerd (tag Once).
Describe 'SPDY exec streams against the runtime' -Tag Once -Skip:$NoRuntime {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        $PSDefaultParameterValues['*-Cri*:RuntimeEndpoint'] = $Endpoint
        $prefix = New-TestPrefix
        $null = Invoke-CriImagePull -Image $TestImage
        $pod = New-CriPod "$prefix-spdy" -Namespace $prefix -LogDirectory (New-TestLogDirectory "$prefix-spdy")
        $container = $pod | New-CriContainer "$prefix-spdy" $TestImage -Command sleep -Argument 3600
        $container | Start-CriContainer
        $testDll = Join-Path $PSScriptRoot '../CriPS.Tests/bin/Release/net8.0/CriPS.Tests.dll'
    }
    AfterAll { Remove-TestPods $prefix }

    It 'passes every live SPDY test (cat with stdin closed, exit code, 1 MiB, stderr apart, Ctrl+C, a terminal)' {
        Test-Path $testDll | Should -BeTrue -Because 'build.ps1 Build builds the unit tests'
        $env:CRIPS_TEST_SPDY_CONTAINER = $container.Id
        try {
            $output = & dotnet test $testDll --filter 'FullyQualifiedName~CriPS.Tests.SpdyLiveTests' --logger 'console;verbosity=detailed' 2>&1 | Out-String
        } finally {
            Remove-Item env:CRIPS_TEST_SPDY_CONTAINER
        }
        Write-Host $output
        $LASTEXITCODE | Should -Be 0
        # Skipped tests would pass too: all six must have run.
        $output | Should -Match 'Total tests: 6\s+Passed: 6\s'
    }
}
