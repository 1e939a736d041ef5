BeforeDiscovery { . $PSScriptRoot/TestFixture.ps1 }

Describe 'Argument completion' -Skip:$NoRuntime {
    BeforeAll {
        . $PSScriptRoot/TestFixture.ps1
        $prefix = New-TestPrefix
        $null = Invoke-CriImagePull -RuntimeEndpoint $Endpoint -Image $TestImage
        $pod = New-CriPod "$prefix-pod" -Namespace $prefix -RuntimeEndpoint $Endpoint -LogDirectory (New-TestLogDirectory "$prefix-pod")
        $container = $pod | New-CriContainer "$prefix-box" $TestImage -Command true -RuntimeEndpoint $Endpoint

        function Complete([string] $Line) {
            (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches.CompletionText
        }
    }
    AfterAll { Remove-TestPods $prefix }

    It 'completes container names and ids from the runtime the line names' {
        Complete "Get-CriContainer -RuntimeEndpoint '$Endpoint' -Name $prefix-b" | Should -Be "$prefix-box"
        Complete "Get-CriContainer -RuntimeEndpoint '$Endpoint' -Id $($container.Id.Substring(0, 8))" | Should -Contain $container.Id
        Complete "Start-CriContainer -RuntimeEndpoint '$Endpoint' -Id $($container.Id.Substring(0, 8))" | Should -Contain $container.Id
        Complete "Get-CriEvent -RuntimeEndpoint '$Endpoint' -ContainerId $($container.Id.Substring(0, 8))" | Should -Contain $container.Id
        Complete "Get-CriContainerLog -RuntimeEndpoint '$Endpoint' -Id $($container.Id.Substring(0, 8))" | Should -Contain $container.Id
        Complete "Get-CriContainerLog -RuntimeEndpoint '$Endpoint' $($container.Id.Substring(0, 8))" | Should -Contain $container.Id
    }
    It 'completes pod names, ids and namespaces' {
        Complete "Get-CriPod -RuntimeEndpoint '$Endpoint' -Name $prefix-p" | Should -Be "$prefix-pod"
        Complete "Get-CriPod -RuntimeEndpoint '$Endpoint' -Namespace $prefix" | Should -Be $prefix
        Complete "Remove-CriPod -RuntimeEndpoint '$Endpoint' -Id $($pod.Id.Substring(0, 8))" | Should -Contain $pod.Id
        Complete "Get-CriContainer -RuntimeEndpoint '$Endpoint' -PodId $($pod.Id.Substring(0, 8))" | Should -Contain $pod.Id
        Complete "Get-CriEvent -RuntimeEndpoint '$Endpoint' -PodId $($pod.Id.Substring(0, 8))" | Should -Contain $pod.Id
    }
    It 'completes image references' {
        $start = $TestImage.Substring(0, $TestImage.Length - 2)
        Complete "Get-CriImage -RuntimeEndpoint '$Endpoint' -Name $start" | Should -Contain $TestImage
        Complete "New-CriContainer -RuntimeEndpoint '$Endpoint' -PodId x -Name y -Image $start" | Should -Contain $TestImage
        Complete "Invoke-CriImagePull -RuntimeEndpoint '$Endpoint' -Image $start" | Should -Contain $TestImage
    }
    It 'completes containerd image names from the namespace the line names' -Skip:$NoContainerd {
        $start = $TestImage.Substring(0, $TestImage.Length - 2)
        Complete "Export-ContainerdImage -Address '$ContainerdAddress' -Namespace k8s.io -Name $start" | Should -Contain $TestImage
        Complete "Get-ContainerdImage -Address '$ContainerdAddress' -Name $start" | Should -Contain $TestImage
        # The namespace the line names decides: k8s.io has the image, an empty namespace offers nothing.
        Complete "Remove-ContainerdImage -Address '$ContainerdAddress' -Namespace k8s.io -Name $start" | Should -Contain $TestImage
        Complete "Remove-ContainerdImage -Address '$ContainerdAddress' -Namespace $prefix-none -Name $start" | Should -BeNullOrEmpty
    }
    It 'offers nothing, quickly and without an error, when the runtime cannot be reached' {
        # The same line against the runtime completes: the empty answer below comes from the completer, not from its absence.
        Complete "Get-CriContainer -RuntimeEndpoint '$Endpoint' -Name $prefix-b" | Should -Be "$prefix-box"
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $result = Complete "Get-CriContainer -RuntimeEndpoint /nonexistent/crips.sock -Name $prefix-b"
        $watch.Stop()
        $result | Should -BeNullOrEmpty
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 2
    }
}
