namespace CriPS.Engine.Conversion;

/// <summary>A certs.d/&lt;Host&gt;/hosts.toml text for containerd's registry config_path, with what was added or kept.</summary>
public sealed record HostsFile(string Host, string Text, IReadOnlyList<string> Notes);
