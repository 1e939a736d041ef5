using System.Collections;
using System.Management.Automation;
using System.Text.Json;
using CriPS.Engine.Configs;

namespace CriPS;

/// <summary>
/// The forms a config parameter takes, as crictl users and PowerShell users hold them: a JSON or YAML file
/// (path or FileInfo), JSON text, or a hashtable / PSCustomObject shaped like crictl's JSON.
/// </summary>
internal static class ConfigArgument
{
    public static PodConfig ToPodConfig(object value, PSCmdlet cmdlet, string parameter) =>
        Read(value, cmdlet, parameter, "pod", "CriPodConfigNotFound", PodConfig.FromText, PodConfig.FromFile);

    public static ContainerConfig ToContainerConfig(object value, PSCmdlet cmdlet, string parameter) =>
        Read(value, cmdlet, parameter, "container", "CriContainerConfigNotFound", ContainerConfig.FromText, ContainerConfig.FromFile);

    private static T Read<T>(object value, PSCmdlet cmdlet, string parameter, string kind, string notFoundId,
        Func<string, string, T> parse, Func<string, T> fromFile)
    {
        var source = $"given to {parameter}";
        switch (value is PSObject wrapped ? wrapped.BaseObject : value)
        {
            case FileInfo info:
                return fromFile(info.FullName);
            case string text when text.TrimStart().StartsWith('{'):
                return ParseGiven(text, value, source, parse);
            case string path:
                var file = cmdlet.GetUnresolvedProviderPathFromPSPath(path);
                return File.Exists(file)
                    ? fromFile(file)
                    : throw new CriException(notFoundId, CriErrorCategory.ObjectNotFound,
                        $"The {kind} config file '{file}' does not exist (give a path, JSON text, or a hashtable).", path);
            default:
                return ParseGiven(JsonSerializer.Serialize(ToPlain(value)), value, source, parse);
        }
    }

    /// <summary>A config given in place (JSON text, a hashtable) that does not parse names what was given as the error's target.</summary>
    private static T ParseGiven<T>(string text, object given, string source, Func<string, string, T> parse)
    {
        try
        {
            return parse(text, source);
        }
        catch (CriException e) when (ReferenceEquals(e.Target, source))
        {
            throw new CriException(e.ErrorId, e.Category, e.Message, given is PSObject wrapped ? wrapped.BaseObject : given, e.InnerException)
                { StatusCode = e.StatusCode, StatusDetail = e.StatusDetail };
        }
    }

    /// <summary>Hashtables, PSCustomObjects and arrays as plain dictionaries and lists that System.Text.Json writes.</summary>
    private static object? ToPlain(object? value)
    {
        var inner = value is PSObject ps ? ps.BaseObject : value;
        switch (inner)
        {
            case null:
                return null;
            case string or bool or char:
                return inner;
            case IDictionary table:
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (DictionaryEntry entry in table)
                    map[entry.Key?.ToString() ?? ""] = ToPlain(entry.Value);
                return map;
            case PSCustomObject when value is PSObject custom:
                return custom.Properties.ToDictionary(p => p.Name, p => ToPlain(p.Value), StringComparer.Ordinal);
            case IEnumerable list:
                return list.Cast<object?>().Select(ToPlain).ToList();
            case IConvertible when inner.GetType().IsPrimitive || inner is decimal:
                return inner;
            default:
                return inner.ToString();
        }
    }
}
