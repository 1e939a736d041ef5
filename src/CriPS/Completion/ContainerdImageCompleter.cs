using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using CriPS.Engine;

namespace CriPS.Completion;

/// <summary>
/// Image names of a containerd namespace, from the -Address and -Namespace the line already gives (else the usual
/// resolution); like the CRI completers: one second at most, and never an exception.
/// </summary>
public sealed class ContainerdImageCompleter : IArgumentCompleter
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(1);

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        try
        {
            var typed = wordToComplete.Trim('\'', '"');
            using var cancel = new CancellationTokenSource(Deadline);
            var client = ContainerdClient.Connect(fakeBoundParameters["Address"] as string, fakeBoundParameters["Namespace"] as string, Deadline);
            return client.GetImagesAsync([], cancel.Token).GetAwaiter().GetResult()
                .Where(i => i.Name.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
                .OrderBy(i => i.Name, StringComparer.Ordinal)
                .Select(i => new CompletionResult(i.Name, i.Name, CompletionResultType.ParameterValue, $"{i.Name} ({i.Namespace}, {i.MediaType})"))
                .ToList();
        }
        catch (Exception)
        {
            return [];
        }
    }
}
