namespace CriPS.Engine.Conversion;

/// <summary>
/// A file that holds kubelet flags in variables: an environment file (kubeadm-flags.env, /etc/default/kubelet,
/// kubespray's kubelet.env) or a unit file's Environment= lines. Renders the file with only the edited values
/// replaced; an untouched file renders as its exact text.
/// </summary>
internal sealed class KubeletEnvFile(string path, string? text)
{
    public const string KubeadmVariable = "KUBELET_KUBEADM_ARGS";
    public const string ExtraVariable = "KUBELET_EXTRA_ARGS";

    private readonly List<(string Variable, EnvFileAssignment? Assignment, KubeletFlagList Flags)> _variables = new();

    public string Path { get; } = path;

    /// <summary>
    /// The flags of one variable, the same list each time it is asked for (a variable used twice is edited once).
    /// A null assignment is a variable the file does not have yet: flags added to it get a line of their own.
    /// </summary>
    public KubeletFlagList FlagsOf(string variable, EnvFileAssignment? assignment)
    {
        foreach (var known in _variables)
            if (known.Variable == variable)
                return known.Flags;
        var flags = assignment is null
            ? KubeletFlagList.Parse("", '"')
            : KubeletFlagList.Parse(assignment.RawValue(text!), assignment.Quote);
        _variables.Add((variable, assignment, flags));
        return flags;
    }

    /// <summary>The file after the edits made to its flags; null stays null while no flag was added.</summary>
    public string? Render()
    {
        var result = text;
        // From the last value back, so each replacement leaves the earlier positions where they were.
        foreach (var (_, assignment, flags) in _variables.Where(v => v.Assignment is not null).OrderByDescending(v => v.Assignment!.ContentStart))
        {
            var value = flags.Render();
            if (value != assignment!.RawValue(text!))
                result = string.Concat(result.AsSpan(0, assignment.ContentStart), value, result.AsSpan(assignment.ContentEnd));
        }
        foreach (var (variable, _, flags) in _variables.Where(v => v.Assignment is null))
        {
            var value = flags.Render();
            if (value.Length == 0)
                continue;
            // The variable is new: a line of its own, quoted as kubeadm writes it.
            var line = $"{variable}=\"{value}\"\n";
            result = string.IsNullOrEmpty(result) ? line : result.EndsWith('\n') ? result + line : result + "\n" + line;
        }
        return result;
    }
}
