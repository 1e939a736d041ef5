using System.Management.Automation;

namespace CriPS.Cmdlets;

/// <summary>Pulls images through the CRI image service (crictl pull) and returns each as it is then known.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "CriImagePull", SupportsShouldProcess = true)]
[OutputType(typeof(Image))]
public sealed class InvokeCriImagePullCommand : CriCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string[] Image { get; set; } = [];

    protected override void ProcessRecord()
    {
        foreach (var reference in Image)
        {
            if (!ShouldProcess(reference, "Pull image"))
                continue;
            Image? pulled = null;
            if (TryAwait(async c => pulled = await Client.PullImageAsync(reference, c), $"PullImage {reference}"))
                WriteObject(pulled);
        }
    }
}
