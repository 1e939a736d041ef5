using System.Globalization;
using System.Management.Automation;
using CriPS.Engine.Endpoints;

namespace CriPS.Cmdlets;

/// <summary>
/// Sets keys of crictl's config file (crictl config --set KEY=VALUE), one typed parameter per key. Only the keys
/// given change; comments and other keys stay. A plain PSCmdlet: it talks to no runtime, so -TimeoutSec can be
/// the file's timeout rather than a call deadline.
/// </summary>
[Cmdlet(VerbsCommon.Set, "CriConfig", SupportsShouldProcess = true)]
[OutputType(typeof(CriConfig))]
public sealed class SetCriConfigCommand : PSCmdlet
{
    /// <summary>The file to write; by default $env:CRI_CONFIG_FILE, else /etc/crictl.yaml.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>runtime-endpoint; an empty string clears it.</summary>
    [Parameter]
    [AllowEmptyString]
    public string? RuntimeEndpoint { get; set; }

    /// <summary>image-endpoint; an empty string clears it.</summary>
    [Parameter]
    [AllowEmptyString]
    public string? ImageEndpoint { get; set; }

    /// <summary>timeout, in whole seconds; 0 means the default.</summary>
    [Parameter]
    [ValidateRange(0, 86400)]
    public int TimeoutSec { get; set; }

    /// <summary>debug (named so because -Debug is a common parameter).</summary>
    [Parameter]
    public bool DebugLogging { get; set; }

    /// <summary>pull-image-on-create: crictl create pulls the image first.</summary>
    [Parameter]
    public bool PullImageOnCreate { get; set; }

    /// <summary>disable-pull-on-run: crictl run does not pull the image.</summary>
    [Parameter]
    public bool DisablePullOnRun { get; set; }

    /// <summary>Writes the file as it is afterwards (Get-CriConfig's object).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void EndProcessing()
    {
        var settings = Settings();
        if (settings.Count == 0)
            ThrowTerminatingError(CriPSCmdlet.ToErrorRecord(new CriException("CriConfigNothingToSet", CriErrorCategory.InvalidArgument,
                "Give at least one setting: -RuntimeEndpoint, -ImageEndpoint, -TimeoutSec, -DebugLogging, -PullImageOnCreate or -DisablePullOnRun.")));
        var (path, source) = CrictlConfigPath.Resolve(this, Path);
        var what = string.Join(", ", settings.Select(s => $"{s.Key}={s.Value}"));
        if (!ShouldProcess(path, $"Set {what}"))
            return;
        try
        {
            foreach (var change in CrictlConfigFile.Write(path, settings))
                WriteVerbose(change);
            if (PassThru)
                WriteObject(CrictlConfig.Describe(path, source));
        }
        catch (CriException e)
        {
            ThrowTerminatingError(CriPSCmdlet.ToErrorRecord(e));
        }
    }

    /// <summary>The keys given, in crictl's order; an endpoint is checked first, so a typo never reaches the file every cmdlet reads.</summary>
    private List<KeyValuePair<string, string>> Settings()
    {
        var bound = MyInvocation.BoundParameters;
        var settings = new List<KeyValuePair<string, string>>();
        void Add(string parameter, string key, string value)
        {
            if (!bound.ContainsKey(parameter))
                return;
            if (FromSessionDefault(parameter))
            {
                WriteWarning($"-{parameter} was not given, only filled in from $PSDefaultParameterValues: {key} is left as it is.");
                return;
            }
            settings.Add(KeyValuePair.Create(key, value));
        }
        try
        {
            if (!string.IsNullOrEmpty(RuntimeEndpoint))
                Endpoint.Parse(RuntimeEndpoint, "runtime endpoint (-RuntimeEndpoint)");
            if (!string.IsNullOrEmpty(ImageEndpoint))
                Endpoint.Parse(ImageEndpoint, "image endpoint (-ImageEndpoint)");
        }
        catch (CriException e)
        {
            ThrowTerminatingError(CriPSCmdlet.ToErrorRecord(e));
        }
        Add(nameof(RuntimeEndpoint), CrictlConfig.RuntimeEndpointKey, RuntimeEndpoint ?? "");
        Add(nameof(ImageEndpoint), CrictlConfig.ImageEndpointKey, ImageEndpoint ?? "");
        Add(nameof(TimeoutSec), CrictlConfig.TimeoutKey, TimeoutSec.ToString(CultureInfo.InvariantCulture));
        Add(nameof(DebugLogging), CrictlConfig.DebugKey, DebugLogging ? "true" : "false");
        Add(nameof(PullImageOnCreate), CrictlConfig.PullImageOnCreateKey, PullImageOnCreate ? "true" : "false");
        Add(nameof(DisablePullOnRun), CrictlConfig.DisablePullOnRunKey, DisablePullOnRun ? "true" : "false");
        return settings;
    }

    /// <summary>
    /// True when a setting was not typed but filled in from $PSDefaultParameterValues. The module's own advice,
    /// $PSDefaultParameterValues['*-Cri*:RuntimeEndpoint'] (and :TimeoutSec), also matches Set-CriConfig, and would
    /// otherwise write the session's endpoint or deadline into the file every crictl and CriPS on the node reads.
    /// </summary>
    private bool FromSessionDefault(string parameter)
    {
        if (SessionState.PSVariable.GetValue("PSDefaultParameterValues") is not System.Collections.IDictionary defaults
            || defaults.Contains("Disabled") && LanguagePrimitives.IsTrue(defaults["Disabled"]))
            return false;
        var name = MyInvocation.MyCommand.Name;
        var applies = defaults.Keys.OfType<string>().Any(k => k.LastIndexOf(':') is var colon and > 0
            && string.Equals(k[(colon + 1)..].Trim(), parameter, StringComparison.OrdinalIgnoreCase)
            && WildcardPattern.Get(k[..colon].Trim(), WildcardOptions.IgnoreCase).IsMatch(name));
        if (!applies)
            return false;
        // A default applies: the parameter was given only if the command as typed names it. The command is found on
        // its line by its column; when it is not there whole (a splat, a line continued), it counts as given.
        var line = MyInvocation.Line ?? "";
        var command = System.Management.Automation.Language.Parser.ParseInput(line, out _, out _)
            .FindAll(a => a is System.Management.Automation.Language.CommandAst c && c.Extent.StartColumnNumber == MyInvocation.OffsetInLine, true)
            .Cast<System.Management.Automation.Language.CommandAst>().FirstOrDefault();
        if (command is null || line.TrimEnd().EndsWith('`')
            || command.CommandElements.Any(e => e is System.Management.Automation.Language.VariableExpressionAst { Splatted: true }))
            return false;
        return !command.CommandElements.Any(e => e is System.Management.Automation.Language.CommandParameterAst p
            && parameter.StartsWith(p.ParameterName, StringComparison.OrdinalIgnoreCase));
    }
}
