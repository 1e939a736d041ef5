@{
    # build.ps1 writes the version from Directory.Build.props here when it stages the module.
    ModuleVersion        = '0.0.0'
    GUID                 = '6f3c2d1e-8a4b-4c57-9d2e-1b7a5f0c3e91'
    RootModule           = 'CriPS.dll'
    Author               = 'CriPS developers'
    CompanyName          = 'CriPS'
    Copyright            = '(c) 2026 the CriPS authors. MIT licence.'
    Description          = 'Administer container runtimes on Linux Kubernetes nodes through the Container Runtime Interface (CRI) and containerd: pods, containers and images as typed objects for the PowerShell pipeline.'
    CompatiblePSEditions = @('Core')
    PowerShellVersion    = '7.4'
    FormatsToProcess     = @('CriPS.format.ps1xml')
    TypesToProcess       = @('CriPS.types.ps1xml')
    CmdletsToExport      = @(
        'Checkpoint-CriContainer'
        'Convert-DockerNodeToContainerd'
        'Enter-CriContainer'
        'Export-ContainerdImage'
        'Get-ContainerdContainer'
        'Get-ContainerdContent'
        'Get-ContainerdImage'
        'Get-ContainerdNamespace'
        'Get-ContainerdPlugin'
        'Get-ContainerdTask'
        'Get-ContainerdVersion'
        'Get-CriConfig'
        'Get-CriContainer'
        'Get-CriContainerLog'
        'Get-CriContainerStats'
        'Get-CriEvent'
        'Get-CriImage'
        'Get-CriImageFsInfo'
        'Get-CriMetricDescriptor'
        'Get-CriPod'
        'Get-CriPodMetric'
        'Get-CriPodStats'
        'Get-CriRuntimeInfo'
        'Import-ContainerdImage'
        'Invoke-CriContainerCommand'
        'Invoke-CriImagePull'
        'New-CriContainer'
        'New-CriPod'
        'Remove-ContainerdImage'
        'Remove-CriContainer'
        'Remove-CriImage'
        'Remove-CriPod'
        'Set-CriConfig'
        'Set-CriRuntimeConfig'
        'Start-CriContainer'
        'Start-CriPortForward'
        'Stop-CriContainer'
        'Stop-CriPod'
        'Update-CriContainer'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Linux', 'PSEdition_Core', 'containerd', 'cri', 'kubernetes')
            ProjectUri   = 'https://github.com/crips-project/crips'
            LicenseUri   = 'https://github.com/crips-project/crips/blob/main/LICENSE'
            ReleaseNotes = @'
0.1.0, the first release:
- CRI runtime.v1 cmdlets for pods, containers, images, logs, stats, events and exec (Get-CriPod, Get-CriContainer,
  Get-CriImage, New-CriPod, Invoke-CriImagePull, Invoke-CriContainerCommand, ...), for containerd 1.6+ and CRI-O.
- containerd's own API: namespaces, plugins, images, containers, tasks, content; image import and export.
- Convert-DockerNodeToContainerd moves a Kubernetes node from Docker Engine to containerd, with a plan, preflight
  checks, resume after interruption and rollback.
- Typed objects with formats and full help (Get-Help about_CriPS).
'@
        }
    }
}
