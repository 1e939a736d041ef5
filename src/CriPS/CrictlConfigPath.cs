using System.Management.Automation;
using CriPS.Engine.Endpoints;

namespace CriPS;

/// <summary>Which crictl config file Get-CriConfig and Set-CriConfig work on: the file the other cmdlets read, unless -Path names one.</summary>
internal static class CrictlConfigPath
{
    public static (string Path, string Source) Resolve(PSCmdlet cmdlet, string? given)
    {
        if (!string.IsNullOrEmpty(given))
            return (cmdlet.GetUnresolvedProviderPathFromPSPath(given), "-Path");
        // As the endpoint resolver reads it (relative to the process, as crictl does).
        if (Environment.GetEnvironmentVariable(EndpointResolver.ConfigFileVariable) is { Length: > 0 } fromEnv)
            return (Path.GetFullPath(fromEnv), "$" + EndpointResolver.ConfigFileVariable);
        return (EndpointResolver.DefaultConfigFile, "default");
    }
}
