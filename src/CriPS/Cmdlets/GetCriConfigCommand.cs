using System.Management.Automation;
using CriPS.Engine.Endpoints;

namespace CriPS.Cmdlets;

/// <summary>
/// Reads crictl's config file (crictl config --list, --get KEY): the file the CRI cmdlets take their endpoints and
/// timeout from. A plain PSCmdlet: it talks to no runtime, so it has no endpoint or deadline parameters.
/// </summary>
[Cmdlet(VerbsCommon.Get, "CriConfig", DefaultParameterSetName = AllSet)]
[OutputType(typeof(CriConfig), ParameterSetName = [AllSet])]
[OutputType(typeof(CriConfigSetting), ParameterSetName = [NameSet])]
public sealed class GetCriConfigCommand : PSCmdlet
{
    private const string AllSet = "All";
    private const string NameSet = "Name";

    /// <summary>crictl's keys to show, each as a setting object.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet)]
    [ValidateSet(CrictlConfig.RuntimeEndpointKey, CrictlConfig.ImageEndpointKey, CrictlConfig.TimeoutKey, CrictlConfig.DebugKey,
        CrictlConfig.PullImageOnCreateKey, CrictlConfig.DisablePullOnRunKey, CrictlConfig.MaxRetriesKey)]
    public string[] Name { get; set; } = [];

    /// <summary>The file to read; by default $env:CRI_CONFIG_FILE, else /etc/crictl.yaml.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    protected override void EndProcessing()
    {
        var (path, source) = CrictlConfigPath.Resolve(this, Path);
        CriConfig config;
        try
        {
            config = CrictlConfig.Describe(path, source);
        }
        catch (CriException e)
        {
            ThrowTerminatingError(CriPSCmdlet.ToErrorRecord(e));
            return;
        }
        WriteVerbose(config.Exists ? $"Read {path} ({source})." : $"{path} ({source}) does not exist: every key is at its default.");
        if (ParameterSetName == AllSet)
        {
            WriteObject(config);
            return;
        }
        foreach (var name in Name)
            WriteObject(config.Settings.First(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase)));
    }
}
