namespace CriPS.Engine.Conversion;

/// <summary>
/// One Key=value line of a unit file's [Service] section. Value is as systemd reads it (continued lines joined);
/// ValueStart and ValueEnd are where the value is written in the file's text, so it can be edited in place.
/// </summary>
internal sealed record SystemdDirective(string Key, string Value, int ValueStart, int ValueEnd);
