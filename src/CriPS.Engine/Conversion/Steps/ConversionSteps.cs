namespace CriPS.Engine.Conversion;

/// <summary>The conversion's steps, in the order a run takes them; rollback undoes them in the reverse order.</summary>
internal static class ConversionSteps
{
    public static readonly NodeStep[] All =
    [
        new PreflightStep(),
        new BackupStep(),
        new DrainStep(),
        new ImagesStep(),
        new StopServicesStep(),
        new ContainerdConfigStep(),
        new DockerSettingsStep(),
        new KubeletStep(),
        new StartServicesStep(),
        new PostflightStep(),
        new UncordonStep(),
    ];
}
