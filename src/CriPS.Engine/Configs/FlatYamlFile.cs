using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace CriPS.Engine.Configs;

/// <summary>
/// A YAML file that is one mapping of settings (the kubelet's config.yaml, crictl.yaml) whose top-level scalar keys
/// can be read and set. YamlDotNet cannot write a document back with its comments and layout, so a set replaces just
/// the characters of the old value, at the position YamlDotNet's parser reports for it, or appends a new
/// "key: value" line; the result is parsed again and must hold the new value and every other key unchanged. So
/// comments, unknown keys and their order survive every edit.
/// </summary>
internal partial class FlatYamlFile
{
    private YamlMappingNode? _root;
    private readonly FlatYamlErrors _errors;

    public FlatYamlFile(string text, string label, FlatYamlErrors errors)
    {
        Label = label;
        Text = text;
        _errors = errors;
        _root = Load(text, label, errors);
    }

    /// <summary>How errors and change lines name this file.</summary>
    public string Label { get; }

    public string Text { get; private set; }

    public bool Has(string key) => _root is not null && _root.Children.ContainsKey(new YamlScalarNode(key));

    /// <summary>The scalar under a top-level key; null when absent or empty.</summary>
    public string? Get(string key)
    {
        if (_root is null || !_root.Children.TryGetValue(new YamlScalarNode(key), out var node))
            return null;
        if (node is not YamlScalarNode scalar)
            throw Invalid($"{key} is not a single value");
        return string.IsNullOrEmpty(scalar.Value) ? null : scalar.Value;
    }

    /// <summary>Sets a top-level key to a scalar; adds it only when <paramref name="add"/> allows.</summary>
    /// <returns>A change line, or null when the file already says so (or the key is absent and not to be added).</returns>
    public string? Set(string key, string value, bool add)
    {
        var present = Has(key);
        var old = Get(key);
        if (old == value || (!present && !add))
            return null;

        string edited;
        if (present)
        {
            var node = _root!.Children[new YamlScalarNode(key)];
            var start = (int)node.Start.Index;
            var end = (int)node.End.Index;
            // An empty value sits right after the colon: keep a blank between them.
            var replacement = start == end && start > 0 && Text[start - 1] == ':' ? " " + RenderScalar(value) : RenderScalar(value);
            edited = string.Concat(Text.AsSpan(0, start), replacement, Text.AsSpan(end));
        }
        else
        {
            if (_root is { Style: MappingStyle.Flow })
                throw Invalid($"cannot add {key}: the file is written as a {{...}} flow mapping");
            var separator = Text.Length == 0 || Text.EndsWith('\n') ? "" : "\n";
            edited = $"{Text}{separator}{key}: {RenderScalar(value)}\n";
        }

        var root = Load(edited, Label, _errors);
        var before = _root?.Children.Count ?? 0;
        var after = root?.Children.Count ?? 0;
        var stillSame = _root is null || _root.Children
            .Where(pair => !pair.Key.Equals(new YamlScalarNode(key)))
            .All(pair => root!.Children.TryGetValue(pair.Key, out var node) && node.Equals(pair.Value));
        if (root is null || after != before + (present ? 0 : 1) || !stillSame
            || !root.Children.TryGetValue(new YamlScalarNode(key), out var set) || set is not YamlScalarNode { Value: var now } || now != value)
            throw new CriException(_errors.EditFailedId, CriErrorCategory.InvalidOperation,
                $"Setting {key} in {Label} would not leave a valid file with only that key changed; edit it by hand.", Label);

        Text = edited;
        _root = root;
        return present ? $"{Label}: {key} {old ?? "(empty)"} -> {value}" : $"{Label}: added {key}: {value}";
    }

    /// <summary>A YAML scalar that reads back as <paramref name="value"/>: plain when that is unambiguous, else double-quoted.</summary>
    public static string RenderScalar(string value) =>
        PlainScalar().IsMatch(value) ? value : "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    // What YAML reads back as the same string without quotes (no leading indicator, no ": " or " #").
    [GeneratedRegex(@"^[A-Za-z0-9_./][A-Za-z0-9_./:@+-]*$")]
    private static partial Regex PlainScalar();

    private static YamlMappingNode? Load(string text, string label, FlatYamlErrors errors)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw Invalid(errors, label, $"it is not valid YAML: {e.Message}", e);
        }
        if (stream.Documents.Count > 1)
            throw Invalid(errors, label, "it holds more than one YAML document");
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
            return null;
        return stream.Documents[0].RootNode as YamlMappingNode
            ?? throw Invalid(errors, label, "it is not a mapping of settings");
    }

    private CriException Invalid(string reason) => Invalid(_errors, Label, reason);

    private static CriException Invalid(FlatYamlErrors errors, string label, string reason, Exception? inner = null) =>
        new(errors.InvalidId, CriErrorCategory.InvalidData, $"The {errors.Kind} {label} cannot be used: {reason}.", label, inner);
}

/// <summary>How a kind of settings file is named in errors: the error ids its callers already promise.</summary>
internal sealed record FlatYamlErrors(string Kind, string InvalidId, string EditFailedId);
