namespace CriPS.Engine.Conversion;

/// <summary>The edited config text and one short line per change; no changes means Text is the input unchanged.</summary>
public sealed record ContainerdConfigEdit(string Text, IReadOnlyList<string> Changes);
