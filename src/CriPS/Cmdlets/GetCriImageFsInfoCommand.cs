using System.Management.Automation;

namespace CriPS.Cmdlets;

/// <summary>Shows the filesystems the runtime keeps images and writable layers on, with the space used (crictl imagefsinfo).</summary>
[Cmdlet(VerbsCommon.Get, "CriImageFsInfo")]
[OutputType(typeof(ImageFilesystem))]
public sealed class GetCriImageFsInfoCommand : CriCmdlet
{
    protected override void EndProcessing() =>
        WriteObject(Await(Client.GetImageFilesystemsAsync, "ImageFsInfo"), enumerateCollection: true);
}
