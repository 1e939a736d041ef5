namespace CriPS.Engine.Conversion;

/// <summary>The kubelet files after a rewrite (unchanged ones are the same text) and one line per change made.</summary>
internal sealed record KubeletRewrite(KubeletFiles Files, IReadOnlyList<string> Changes)
{
    /// <summary>The change lines by the node path of the file they change (config.yaml and instance-config.yaml by that label).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> ChangesByFile { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>Changes that were needed but not made: the flag is written where CriPS does not edit (ExecStart).</summary>
    public IReadOnlyList<(KubeletFlagHome Home, string Change)> Unwritable { get; init; } = [];
}
