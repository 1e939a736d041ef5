using System.Text;
using System.Text.RegularExpressions;

namespace CriPS.Engine.Conversion;

/// <summary>
/// kubelet.service as systemd reads it: the unit file (the first directory that has one), the kubelet.service.d
/// drop-ins of every unit directory merged by file name (an earlier directory hides the same name in a later one)
/// and applied in name order, and the environment files they name. From them, the kubelet's command line: each
/// argument with the file and variable it is written in. Works on texts only, so the same reading applies to
/// the files a conversion plans to write.
/// </summary>
internal sealed partial class KubeletUnit
{
    public const string UnitName = "kubelet.service";

    // Stands for the drop-in kubeadm installs when a tree has no unit at all (a prepared tree): the kubelet then
    // reads kubeadm's two files, as it always did. Not a path: nothing is ever written there.
    private const string KubeadmDropIn = "(kubeadm's kubelet drop-in)";

    private static readonly string KubeadmDropInText =
        $"[Service]\nEnvironmentFile=-{NodePaths.KubeadmFlagsEnv}\nEnvironmentFile=-{NodePaths.DebianKubeletDefaults}\n"
        + $"ExecStart=/usr/bin/kubelet ${KubeletEnvFile.KubeadmVariable} ${KubeletEnvFile.ExtraVariable}\n";

    private readonly List<KubeletUnitArguments> _arguments = new();
    private readonly List<(string Path, bool Optional)> _environmentFiles = new();

    private KubeletUnit(string? unitPath, IReadOnlyList<string> dropIns, IReadOnlyDictionary<string, string?> texts)
    {
        UnitPath = unitPath;
        DropIns = dropIns;
        Texts = texts;
        Parse();
    }

    /// <summary>The unit file's node path; null when only drop-ins define the service.</summary>
    public string? UnitPath { get; }

    /// <summary>The drop-ins in the order systemd applies them.</summary>
    public IReadOnlyList<string> DropIns { get; }

    /// <summary>Every file read (unit, drop-ins, environment files) by node path; null for an absent environment file.</summary>
    public IReadOnlyDictionary<string, string?> Texts { get; }

    /// <summary>The file the effective ExecStart= is in; null when no ExecStart is left.</summary>
    public string? ExecStartFile { get; private set; }

    /// <summary>The kubelet's arguments after the program, in order, grouped by where they are written.</summary>
    public IReadOnlyList<KubeletUnitArguments> Arguments => _arguments;

    /// <summary>The EnvironmentFile= entries in effect; Optional for a leading '-'.</summary>
    public IReadOnlyList<(string Path, bool Optional)> EnvironmentFiles => _environmentFiles;

    /// <summary>True for the stand-in built by <see cref="Kubeadm"/>, which has no file of its own on the node.</summary>
    public bool IsKubeadmStandIn => UnitPath is null && DropIns is [KubeadmDropIn];

    /// <summary>The kubelet's unit on a node; null when neither a unit file nor a drop-in sets an ExecStart.</summary>
    /// <param name="read">A node file's text, or null when it is absent.</param>
    /// <param name="listConf">The node paths of the *.conf files in a node directory, sorted.</param>
    public static KubeletUnit? Find(Func<string, string?> read, Func<string, IReadOnlyList<string>> listConf)
    {
        var texts = new Dictionary<string, string?>(StringComparer.Ordinal);
        string? unitPath = null;
        foreach (var directory in NodePaths.UnitDirectories)
        {
            var path = $"{directory}/{UnitName}";
            if (read(path) is { } text)
            {
                unitPath = path;
                texts[path] = text;
                break;
            }
        }
        var dropIns = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var directory in NodePaths.UnitDirectories)
            foreach (var path in listConf($"{directory}/{UnitName}.d"))
                dropIns.TryAdd(Path.GetFileName(path), path);
        foreach (var path in dropIns.Values)
            texts[path] = read(path);

        // The environment files are known once the unit is read; read them and read the unit again with them.
        var withoutEnvironmentFiles = new KubeletUnit(unitPath, dropIns.Values.ToList(), texts);
        foreach (var (path, _) in withoutEnvironmentFiles.EnvironmentFiles)
            texts.TryAdd(path, read(path));
        var unit = new KubeletUnit(unitPath, dropIns.Values.ToList(), texts);
        return unit.ExecStartFile is null ? null : unit;
    }

    /// <summary>What the kubelet reads on a node without a unit: kubeadm's drop-in over kubeadm-flags.env and /etc/default/kubelet.</summary>
    public static KubeletUnit Kubeadm(string? kubeadmFlagsEnv, string? defaultsEnv) => new(null, [KubeadmDropIn],
        new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            [KubeadmDropIn] = KubeadmDropInText,
            [NodePaths.KubeadmFlagsEnv] = kubeadmFlagsEnv,
            [NodePaths.DebianKubeletDefaults] = defaultsEnv,
        });

    /// <summary>The same unit with some files' texts replaced (the files a conversion plans to write).</summary>
    public KubeletUnit WithTexts(IReadOnlyDictionary<string, string?> changed)
    {
        var texts = new Dictionary<string, string?>(Texts, StringComparer.Ordinal);
        foreach (var (path, text) in changed)
            texts[path] = text;
        return new KubeletUnit(UnitPath, DropIns, texts);
    }

    private void Parse()
    {
        string? execValue = null;
        var environment = new Dictionary<string, (string File, SystemdDirective Directive, string Value)>(StringComparer.Ordinal);
        foreach (var file in (UnitPath is null ? DropIns : DropIns.Prepend(UnitPath)))
        {
            if (Texts.GetValueOrDefault(file) is not { } text)
                continue;
            foreach (var directive in SystemdDropIn.ServiceDirectives(text))
            {
                var words = directive.Key is "Environment" or "EnvironmentFile" ? SystemdDropIn.Words(directive.Value) : [];
                switch (directive.Key)
                {
                    // An empty assignment resets the list, in a drop-in as in the unit.
                    case "ExecStart":
                        (ExecStartFile, execValue) = directive.Value.Length == 0 ? (null, null) : (file, directive.Value);
                        break;
                    case "Environment" when words.Count == 0:
                        environment.Clear();
                        break;
                    case "Environment":
                        foreach (var word in words)
                            if (word.IndexOf('=') is > 0 and var equals)
                                environment[word[..equals]] = (file, directive, word[(equals + 1)..]);
                        break;
                    case "EnvironmentFile" when words.Count == 0:
                        _environmentFiles.Clear();
                        break;
                    case "EnvironmentFile":
                        foreach (var word in words)
                            _environmentFiles.Add(word.StartsWith('-') ? (word[1..], true) : (word, false));
                        break;
                }
            }
        }

        // Environment files override Environment= lines, and a later file an earlier one.
        var variables = new Dictionary<string, (string Value, KubeletFlagHome Home, EnvFileAssignment? Assignment)>(StringComparer.Ordinal);
        foreach (var (name, (file, directive, value)) in environment)
        {
            var (_, editable) = EnvFileAssignment.FindInEnvironmentLine(Texts[file]!, directive.ValueStart, directive.ValueEnd, name);
            variables[name] = (value, new KubeletFlagHome(KubeletFlagHomeKind.UnitEnvironment, file, name), editable);
        }
        foreach (var (path, _) in _environmentFiles)
        {
            if (Texts.GetValueOrDefault(path) is not { } text)
                continue;
            foreach (var assignment in EnvFileAssignment.All(text))
                variables[assignment.Name] = (assignment.Value(text), new KubeletFlagHome(KubeletFlagHomeKind.EnvironmentFile, path, assignment.Name), assignment);
        }

        if (execValue is null)
            return;
        var argv = SystemdDropIn.Words(execValue);
        // The first word is the program; with the '@' prefix the second is the name it runs under.
        var skip = argv.Count > 0 && argv[0].TrimStart('-', ':', '+', '!').StartsWith('@') ? 2 : 1;
        var literal = new KubeletFlagHome(KubeletFlagHomeKind.ExecStart, ExecStartFile!, null);
        var literals = new List<string>();
        foreach (var word in argv.Skip(skip))
        {
            if (WholeVariable().Match(word) is not { Success: true } match)
            {
                literals.Add(Substitute(word, variables));
                continue;
            }
            if (literals.Count > 0)
                _arguments.Add(new KubeletUnitArguments(literal, literals.ToList(), null));
            literals.Clear();
            var name = match.Groups[1].Value;
            if (variables.TryGetValue(name, out var variable))
                _arguments.Add(new KubeletUnitArguments(variable.Home, SystemdDropIn.Words(variable.Value), variable.Assignment));
            else if (name == KubeletEnvFile.KubeadmVariable && _environmentFiles.Any(f => f.Path == NodePaths.KubeadmFlagsEnv))
                // kubeadm writes this variable into kubeadm-flags.env; a missing one is where its flags go.
                _arguments.Add(new KubeletUnitArguments(new KubeletFlagHome(KubeletFlagHomeKind.EnvironmentFile, NodePaths.KubeadmFlagsEnv, name), [], null));
        }
        if (literals.Count > 0)
            _arguments.Add(new KubeletUnitArguments(literal, literals, null));
    }

    // ${NAME} inside a word is replaced by the value as it is; $$ is a single $.
    private static string Substitute(string word, IReadOnlyDictionary<string, (string Value, KubeletFlagHome Home, EnvFileAssignment? Assignment)> variables)
    {
        var text = new StringBuilder();
        for (var i = 0; i < word.Length; i++)
        {
            if (word[i] == '$' && i + 1 < word.Length && word[i + 1] == '$')
            {
                text.Append('$');
                i++;
            }
            else if (word[i] == '$' && i + 1 < word.Length && word[i + 1] == '{' && word.IndexOf('}', i) is > 0 and var close)
            {
                text.Append(variables.GetValueOrDefault(word[(i + 2)..close]).Value);
                i = close;
            }
            else
                text.Append(word[i]);
        }
        return text.ToString();
    }

    // A word that is exactly $NAME: systemd splits the variable's value into words.
    [GeneratedRegex(@"^\$([A-Za-z_][A-Za-z0-9_]*)$")]
    private static partial Regex WholeVariable();
}
