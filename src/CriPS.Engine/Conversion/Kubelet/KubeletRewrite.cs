namespace CriPS.Engine.Conversion;

/// <summary>The kubelet files after a rewrite (unchanged ones are the same text) and one line per change made.</summary>
internal sealed record KubeletRewrite(KubeletFiles Files, IReadOnlyList<string> Changes);
