using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using CriPS.Engine;
using CriPS.Engine.Filtering;

namespace CriPS.Completion;

/// <summary>
/// Tab completion from the live runtime: the endpoint the command line already names (-RuntimeEndpoint) or the
/// usual resolution, a deadline of one second, and never an exception (a completer that throws breaks the line).
/// </summary>
public abstract class CriArgumentCompleter : IArgumentCompleter
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(1);

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        try
        {
            var typed = wordToComplete.Trim('\'', '"');
            var endpoint = fakeBoundParameters["RuntimeEndpoint"] as string;
            using var cancel = new CancellationTokenSource(Deadline);
            var client = CriClient.Connect(endpoint, fakeBoundParameters["ImageEndpoint"] as string, Deadline);
            return Candidates(client, parameterName, cancel.Token).GetAwaiter().GetResult()
                .Where(c => c.Text.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
                .DistinctBy(c => c.Text)
                .OrderBy(c => c.Text, StringComparer.Ordinal)
                .Select(c => new CompletionResult(Quote(c.Text), c.Text, CompletionResultType.ParameterValue, c.Tooltip))
                .ToList();
        }
        catch (Exception)
        {
            // No runtime, no permission, too slow: no suggestions rather than an error in the middle of typing.
            return [];
        }
    }

    /// <summary>The values this parameter can take, with a tooltip each.</summary>
    protected abstract Task<IEnumerable<(string Text, string Tooltip)>> Candidates(CriClient client, string parameterName, CancellationToken cancel);

    private static string Quote(string text) => text.IndexOfAny([' ', '\'', '"', '$', '`', '(', ')', '{', '}', ';', ',', '&', '@']) >= 0
        ? "'" + text.Replace("'", "''") + "'"
        : text;
}

/// <summary>Container ids (for -Id) or names (for -Name) from the runtime, every state.</summary>
public sealed class ContainerCompleter : CriArgumentCompleter
{
    protected override async Task<IEnumerable<(string, string)>> Candidates(CriClient client, string parameterName, CancellationToken cancel)
    {
        var containers = (await client.GetContainersAsync(new ContainerQuery { All = true }, cancel)).Items;
        return parameterName == "Name"
            ? containers.Select(c => (c.Name, $"{c.Name} in {c.PodNamespace}/{c.PodName} ({c.State})"))
            : containers.Select(c => (c.Id, $"{c.Name} in {c.PodNamespace}/{c.PodName} ({c.State})"));
    }
}

/// <summary>Pod ids (for -Id, -PodId), names (for -Name) or namespaces (for -Namespace) from the runtime.</summary>
public sealed class PodCompleter : CriArgumentCompleter
{
    protected override async Task<IEnumerable<(string, string)>> Candidates(CriClient client, string parameterName, CancellationToken cancel)
    {
        var pods = (await client.GetPodsAsync(new PodQuery(), cancel)).Items;
        return parameterName switch
        {
            "Name" => pods.Select(p => (p.Name, $"{p.Namespace}/{p.Name} ({p.State})")),
            "Namespace" => pods.Select(p => (p.Namespace, $"namespace {p.Namespace}")),
            _ => pods.Select(p => (p.Id, $"{p.Namespace}/{p.Name} ({p.State})")),
        };
    }
}

/// <summary>Image references (for -Name, -Image) or ids (for -Id) from the runtime.</summary>
public sealed class ImageCompleter : CriArgumentCompleter
{
    protected override async Task<IEnumerable<(string, string)>> Candidates(CriClient client, string parameterName, CancellationToken cancel)
    {
        var images = (await client.GetImagesAsync(new ImageQuery(), cancel)).Items;
        return parameterName == "Id"
            ? images.Select(i => (i.Id, i.ToString()))
            : images.SelectMany(i => i.RepoTags.Select(t => (t, $"{t} ({Display.Bytes(i.Size)})")));
    }
}
