namespace CriPS.Engine.Conversion;

/// <summary>
/// A kubelet environment file (kubeadm-flags.env, /etc/default/kubelet) and the flags of its one variable.
/// Renders the file with only that variable's value replaced; an untouched file renders as its exact text.
/// </summary>
internal sealed class KubeletEnvFile
{
    public const string KubeadmVariable = "KUBELET_KUBEADM_ARGS";
    public const string ExtraVariable = "KUBELET_EXTRA_ARGS";

    private readonly string? _text;
    private readonly EnvFileAssignment? _assignment;

    private KubeletEnvFile(string? text, string variable, string label)
    {
        _text = text;
        Variable = variable;
        Label = label;
        _assignment = text is null ? null : EnvFileAssignment.Find(text, variable);
        Flags = _assignment is null
            ? KubeletFlagList.Parse("", '"')
            : KubeletFlagList.Parse(text![_assignment.ContentStart.._assignment.ContentEnd], _assignment.Quote);
    }

    public static KubeletEnvFile Kubeadm(string? text) => new(text, KubeadmVariable, "kubeadm-flags.env");

    public static KubeletEnvFile Defaults(string? text) => new(text, ExtraVariable, ExtraVariable);

    public string Variable { get; }

    /// <summary>How change lines name this file.</summary>
    public string Label { get; }

    public KubeletFlagList Flags { get; }

    /// <summary>The file after the edits made to Flags; null stays null while no flag was added.</summary>
    public string? Render()
    {
        var value = Flags.Render();
        if (_assignment is not null)
        {
            var text = _text!;
            var old = text[_assignment.ContentStart.._assignment.ContentEnd];
            return value == old ? text : string.Concat(text.AsSpan(0, _assignment.ContentStart), value, text.AsSpan(_assignment.ContentEnd));
        }
        if (value.Length == 0)
            return _text;
        // The variable is new: a line of its own, quoted as kubeadm writes it.
        var line = $"{Variable}=\"{value}\"\n";
        if (string.IsNullOrEmpty(_text))
            return line;
        return _text.EndsWith('\n') ? _text + line : _text + "\n" + line;
    }
}
