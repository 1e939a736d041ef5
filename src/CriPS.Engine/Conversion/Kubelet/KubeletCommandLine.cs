namespace CriPS.Engine.Conversion;

/// <summary>
/// The kubelet's flags in command-line order, each run with the file and variable it is written in, ready to be
/// edited where it lives. pflag takes a flag's last occurrence, so a later run beats an earlier one.
/// </summary>
internal sealed class KubeletCommandLine
{
    private readonly Dictionary<string, KubeletEnvFile> _files = new(StringComparer.Ordinal);
    private readonly List<(KubeletFlagHome Home, KubeletFlagList Flags, bool Editable)> _parts = new();

    private KubeletCommandLine(KubeletUnit unit)
    {
        Unit = unit;
        foreach (var arguments in unit.Arguments)
        {
            // An environment file's variable is always editable (a missing one is added); an Environment= word only in a form found in place.
            var editable = arguments.Home.Kind == KubeletFlagHomeKind.EnvironmentFile
                || (arguments.Home.Kind == KubeletFlagHomeKind.UnitEnvironment && arguments.Assignment is not null);
            if (!editable)
            {
                _parts.Add((arguments.Home, KubeletFlagList.FromWords(arguments.Words), false));
                continue;
            }
            if (!_files.TryGetValue(arguments.Home.File, out var file))
                _files[arguments.Home.File] = file = new KubeletEnvFile(arguments.Home.File, unit.Texts.GetValueOrDefault(arguments.Home.File));
            _parts.Add((arguments.Home, file.FlagsOf(arguments.Home.Variable!, arguments.Assignment), true));
        }
    }

    /// <summary>The unit the command line was read from (kubeadm's stand-in on a node without one).</summary>
    public KubeletUnit Unit { get; }

    /// <summary>The runs of flags in command-line order; a variable used twice appears twice with the same list.</summary>
    public IReadOnlyList<(KubeletFlagHome Home, KubeletFlagList Flags, bool Editable)> Parts => _parts;

    /// <summary>The node's unit when it has one, else kubeadm's two files as kubeadm's drop-in passes them.</summary>
    public static KubeletCommandLine Of(KubeletFiles files) =>
        new(files.Unit ?? KubeletUnit.Kubeadm(files.KubeadmFlagsEnv, files.DefaultsEnv));

    /// <summary>The last occurrence of a flag ("true" for a bare one) and where it is written; null when absent.</summary>
    public (string Value, KubeletFlagHome Home)? Last(string name)
    {
        for (var i = _parts.Count - 1; i >= 0; i--)
            if (_parts[i].Flags.Get(name) is { } value)
                return (value, _parts[i].Home);
        return null;
    }

    public bool Has(string name) => _parts.Any(p => p.Flags.Has(name));

    /// <summary>The texts of the files holding editable flags, after the edits made to them, by node path.</summary>
    public IReadOnlyDictionary<string, string?> Render() => _files.Values.ToDictionary(f => f.Path, f => f.Render(), StringComparer.Ordinal);
}
