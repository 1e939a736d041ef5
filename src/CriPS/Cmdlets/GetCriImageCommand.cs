using System.Management.Automation;
using CriPS.Completion;
using CriPS.Engine.Filtering;

namespace CriPS.Cmdlets;

/// <summary>Lists images (crictl images), filtered on the client because containerd ignores the server-side filter.</summary>
[Cmdlet(VerbsCommon.Get, "CriImage")]
[OutputType(typeof(Image))]
public sealed class GetCriImageCommand : CriCmdlet
{
    /// <summary>Wildcards on repository:tag or repository@digest; a bare name means its :latest tag.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ImageCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>A full image id or a unique prefix, with or without "sha256:".</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ImageCompleter))]
    public string[] Id { get; set; } = [];

    /// <summary>Only images without tags.</summary>
    [Parameter]
    public SwitchParameter Dangling { get; set; }

    /// <summary>Only pinned images (never garbage collected).</summary>
    [Parameter]
    public SwitchParameter Pinned { get; set; }

    /// <summary>Adds the image's configuration (entrypoint, env, user, labels, layers, created): one more call per image.</summary>
    [Parameter]
    public SwitchParameter Detailed { get; set; }

    private readonly List<string> _names = new();

    protected override void ProcessRecord() => _names.AddRange(Name);

    protected override void EndProcessing()
    {
        if (MyInvocation.ExpectingInput && _names.Count == 0)
            return;
        var query = new ImageQuery { Name = _names.ToArray(), Id = Id, Dangling = Dangling, Pinned = Pinned, Detailed = Detailed };
        var result = Await(c => Client.GetImagesAsync(query, c), "ListImages");
        WriteErrors(result.Errors);
        WriteObject(result.Items.OrderBy(i => i.Repository, StringComparer.Ordinal).ThenBy(i => i.Tag, StringComparer.Ordinal),
            enumerateCollection: true);
    }
}
