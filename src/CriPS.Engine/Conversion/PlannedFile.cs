using DiffPlex.Renderer;

namespace CriPS.Engine.Conversion;

/// <summary>A node file a step will write: its new bytes (from the original files, so every run plans the same) and why.</summary>
internal sealed record PlannedFile(string Step, string NodePath, byte[] Content, IReadOnlyList<string> Changes, UnixFileFacts? Facts = null)
{
    public static PlannedFile Text(string step, string nodePath, string text, IReadOnlyList<string> changes) =>
        new(step, nodePath, System.Text.Encoding.UTF8.GetBytes(text), changes);

    /// <summary>A unified diff against the file's current content, for -WhatIf; binary files are only named.</summary>
    public string Diff(NodeFiles files)
    {
        // A proxy URL's password is shown as *** on both sides of the diff.
        var current = files.ReadText(NodePath) is { } text ? SecretText.UrlPasswords(text) : null;
        var next = SecretText.UrlPasswords(System.Text.Encoding.UTF8.GetString(Content));
        if (NodePath.EndsWith(".key", StringComparison.Ordinal))
            return "(a private key: content not shown)";
        return new UnidiffRenderer(null, 3).Generate(current ?? "", next, current is null ? "/dev/null" : "a" + NodePath, "b" + NodePath, false, false);
    }
}
